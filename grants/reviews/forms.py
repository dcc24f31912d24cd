from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from grants.core.forms import DateInputField, Length, Required, WholeNumberField, YesNoField, strip
from grants.core.once import OnceMixin
from grants.reviews.models import OUTCOME_LABELS


class ConflictForm(FlaskForm):
    has_conflict = YesNoField(
        "Do you have a conflict of interest with this bid?",
        description="For example, you work for, advise or have a close connection with the lead organisation or "
        "a partner, or would gain or lose from the decision.",
        validators=[InputRequired("Select yes if you have a conflict of interest with this bid")],
    )
    nature = TextAreaField(
        "Describe the conflict", widget=GovCharacterCount(), filters=[strip], validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.has_conflict.data == "yes" and not self.nature.data:
            self.nature.errors.append("Describe the conflict of interest")
            return False
        return valid


class ConflictNatureForm(FlaskForm):
    nature = TextAreaField(
        "Describe the conflict",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[DataRequired("Describe the conflict of interest"), Length(max=1000)],
    )
    submit = SubmitField("Declare the conflict", widget=GovSubmitInput())


def scores_form(criteria, data: dict | None = None) -> FlaskForm:
    """A form with a score and a justification for each of the round's criteria."""

    class ScoresForm(FlaskForm):
        save_draft = SubmitField("Save as draft", widget=GovSubmitInput())
        submit_scores = SubmitField("Submit scores", widget=GovSubmitInput())

        def entries(self) -> dict[int, tuple[int | None, str]]:
            result = {}
            for criterion in criteria:
                raw = self[f"value_{criterion.id}"].data
                value = int(raw) if raw not in (None, "", "None") else None
                result[criterion.id] = (value, self[f"justification_{criterion.id}"].data or "")
            return result

    for criterion in criteria:
        choices = [SelectChoice(str(n), str(n)) for n in range(criterion.scale_min, criterion.scale_max + 1)]
        setattr(
            ScoresForm,
            f"value_{criterion.id}",
            RadioField(
                f"Score for {criterion.title}",
                choices=choices,
                widget=GovRadioInput(),
                validators=[Optional()],
                description=f"From {criterion.scale_min} (weakest) to {criterion.scale_max} (strongest).",
            ),
        )
        setattr(
            ScoresForm,
            f"justification_{criterion.id}",
            TextAreaField(
                f"Why you gave this score for {criterion.title}",
                widget=GovTextArea(),
                filters=[strip],
                validators=[Length(max=3000)],
            ),
        )
    return ScoresForm(data=data)


class AutoAssignForm(FlaskForm):
    per_bid = WholeNumberField(
        "Reviewers for each bid",
        minimum=1,
        maximum=10,
        validators=[Required("Enter how many reviewers each bid needs")],
    )
    due_on = DateInputField("Scores due by", validators=[Required("Enter the date scores are due")])
    submit = SubmitField("Assign reviewers", widget=GovSubmitInput())


class AssignForm(FlaskForm):
    reviewer_id = SelectField(
        "Steering group member",
        coerce=int,
        widget=GovSelect(),
        invalid_choice_message="Choose a steering group member who can review this bid",
        validators=[InputRequired("Choose a steering group member")],
    )
    due_on = DateInputField("Scores due by", validators=[Required("Enter the date scores are due")])
    submit = SubmitField("Assign", widget=GovSubmitInput())


class NoteForm(FlaskForm):
    note = TextAreaField(
        "What should the reviewer look at again?",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[DataRequired("Say what you would like the reviewer to look at again"), Length(max=1000)],
    )
    submit = SubmitField("Ask to look again", widget=GovSubmitInput())


class IneligibleForm(FlaskForm):
    reason = TextAreaField(
        "Why is the bid ineligible?",
        widget=GovCharacterCount(),
        filters=[strip],
        description="The applicant is told this reason.",
        validators=[DataRequired("Say why the bid is ineligible"), Length(max=1000)],
    )
    submit = SubmitField("Mark as ineligible", widget=GovSubmitInput())


OUTCOME_CHOICES = [SelectChoice(outcome, label) for outcome, label in OUTCOME_LABELS.items()]


# The fields every decision records, made afresh for each form so that each keeps its own field order.


def _rationale(description: str):
    return TextAreaField(
        "Reason for the decision",
        widget=GovCharacterCount(),
        filters=[strip],
        description=description,
        validators=[DataRequired("Give the reason for the decision"), Length(max=3000)],
    )


def _rank_override_reason(label: str):
    return TextAreaField(label, widget=GovTextArea(), filters=[strip], validators=[Optional(), Length(max=2000)])


def _conditions(description: str | None = None):
    return TextAreaField(
        "Conditions of the grant (optional)",
        widget=GovTextArea(),
        filters=[strip],
        description=description,
        validators=[Optional(), Length(max=2000)],
    )


class DecisionForm(FlaskForm):
    outcome = RadioField(
        "Decision",
        choices=OUTCOME_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose approve, reserve or reject")],
    )
    rationale = _rationale("Recorded with the decision for the programme's records.")
    rank_override_reason = _rank_override_reason("Why approve it ahead of higher-ranked bids? (if it is)")
    conditions = _conditions()
    feedback = TextAreaField(
        "Feedback for the applicant (optional)",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[Optional(), Length(max=3000)],
    )
    feedback_released = BooleanField("Share this feedback with the applicant", widget=GovCheckboxInput())
    submit = SubmitField("Record decision", widget=GovSubmitInput())


class ReserveApprovalForm(OnceMixin, FlaskForm):
    application_id = RadioField(
        "Which bid on the reserve list is approved?",
        coerce=int,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose a bid that is on the reserve list")],
    )
    rationale = _rationale("For example, the budget left after the round's decisions. Recorded with the decision.")
    rank_override_reason = _rank_override_reason("Why approve it ahead of higher-ranked reserve bids? (if it is)")
    conditions = _conditions("Sent in the approval letter.")
    submit = SubmitField("Approve and set up the project", widget=GovSubmitInput())


class BulkDecisionForm(FlaskForm):
    application_ids = SelectMultipleField(
        "Bids", coerce=int, validate_choice=False, validators=[DataRequired("Select the bids to decide")]
    )
    outcome = RadioField(
        "Decision for the selected bids",
        choices=OUTCOME_CHOICES,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose approve, reserve or reject")],
    )
    rationale = TextAreaField(
        "Reason for the decision",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[DataRequired("Give the reason for the decision"), Length(max=3000)],
    )
    rank_override_reason = TextAreaField(
        "Why approve them ahead of higher-ranked bids? (if they are)",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    feedback_text = TextAreaField(
        "Feedback for the applicants (optional)",
        widget=GovCharacterCount(),
        filters=[strip],
        description="For the decision chosen above: sent to the applicant and confirmed partners of each selected "
        "bid with their decision letter, and shown on the bid, once the decisions take effect. Leave it empty to "
        "keep any feedback written on a bid's own page.",
        validators=[Optional(), Length(max=3000)],
    )
    confirmed = StringField()
    submit = SubmitField("Check these decisions", widget=GovSubmitInput())

    @property
    def feedback(self) -> str | None:
        """The feedback written for these bids' outcome, or None to keep what each bid has."""
        return (self.feedback_text.data or "").strip() or None


class AskTeamForm(OnceMixin, FlaskForm):
    """Someone assessing a bid asks the programme team to seek a clarification from the applicant."""

    body = TextAreaField(
        "What should the programme team ask the applicant?",
        widget=GovCharacterCount(),
        filters=[strip],
        description="Seen by the programme team only. They decide what to ask; the applicant's answer to a "
        "clarification request is shown here beside the bid.",
        validators=[DataRequired("Say what the programme team should ask the applicant"), Length(max=3000)],
    )
    submit = SubmitField("Ask the programme team", widget=GovSubmitInput())
