from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from grants.core.forms import (
    DateInputField,
    Length,
    MoneyField,
    NumberField,
    QuickGovRadioInput,
    QuickGovTextArea,
    Required,
    strip,
)
from grants.core.once import OnceMixin
from grants.projects.models import RAG_LABELS, UPDATE_KINDS

RAG_CHOICES = [SelectChoice(value, label) for value, label in RAG_LABELS.items()]


class UpdateForm(OnceMixin, FlaskForm):
    happened_on = DateInputField("Date", validators=[Required("Enter the date")])
    kind = RadioField(
        "Kind of work",
        choices=[SelectChoice(k, v) for k, v in UPDATE_KINDS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose the kind of work")],
    )
    hours = NumberField("Hours", description="Your time, for example 3 or 1.5")
    what_happened = TextAreaField(
        "What happened",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[DataRequired("Say what happened"), Length(max=4000)],
    )
    shifting = TextAreaField(
        "What is shifting in the system",
        widget=GovCharacterCount(),
        filters=[strip],
        description="How partners are working together differently: relationships, decisions, shared ownership.",
        validators=[Optional(), Length(max=4000)],
    )
    risks = TextAreaField("Risks", widget=GovTextArea(), filters=[strip], validators=[Optional(), Length(max=2000)])
    rag = RadioField(
        "How is the project going?",
        choices=RAG_CHOICES,
        widget=GovRadioInput(),
        description="Red: at risk. Amber: some concerns. Green: on track.",
        validators=[InputRequired("Choose red, amber or green")],
    )
    next_steps = TextAreaField(
        "Next steps", widget=GovTextArea(), filters=[strip], validators=[Optional(), Length(max=2000)]
    )
    private_note = TextAreaField(
        "Private note for the programme team (optional)",
        widget=GovTextArea(),
        filters=[strip],
        description="Only programme staff see this, never the partnership.",
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Save update", widget=GovSubmitInput())

    def validate_hours(self, field):
        if field.data is not None and not 0 <= field.data <= 200:
            raise ValidationError("Hours must be between 0 and 200")

    def values(self) -> dict:
        return {
            "happened_on": self.happened_on.data,
            "kind": self.kind.data,
            "hours": self.hours.data,
            "what_happened": self.what_happened.data,
            "shifting": self.shifting.data or "",
            "risks": self.risks.data or "",
            "rag": self.rag.data,
            "next_steps": self.next_steps.data or "",
            "private_note": self.private_note.data or None,
        }


class RagOverrideForm(FlaskForm):
    rag = RadioField(
        "The project's RAG",
        choices=[*RAG_CHOICES, SelectChoice("clear", "Use the latest update's")],
        widget=QuickGovRadioInput(),
        validators=[InputRequired("Choose a RAG")],
    )
    reason = TextAreaField("Why", widget=QuickGovTextArea(), filters=[strip], validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Save RAG", widget=GovSubmitInput())


class ReasonForm(OnceMixin, FlaskForm):
    """Giving up an award, or proposing an early end: why."""

    reason = TextAreaField(
        "Why?",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[DataRequired("Give the reason"), Length(max=2000)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EarlyEndForm(ReasonForm):
    repayment_pence = MoneyField(
        "Amount to be repaid (optional)",
        description="In pounds, if the partnership is to pay back some of the money it has been paid. "
        "You can also record this later.",
    )


class DecisionNoteForm(FlaskForm):
    """Confirming or declining a proposal to end a project, with an optional note (required to decline)."""

    decision_note = TextAreaField(
        "Note (optional)",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class RepaymentForm(FlaskForm):
    repayment_pence = MoneyField("Amount to be repaid", validators=[Required("Enter the amount to be repaid")])
    submit = SubmitField("Save the amount", widget=GovSubmitInput())


class RepaymentReceivedForm(FlaskForm):
    repayment_received_on = DateInputField(
        "When did the money arrive?", validators=[Required("Enter the date the money arrived")]
    )
    repayment_reference = StringField(
        "Payment reference",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the payment reference"), Length(max=100)],
    )
    submit = SubmitField("Record the repayment", widget=GovSubmitInput())


_UNSET = object()


def closeout_form(left: list, formdata=_UNSET):
    """The close-out form: a reason for each thing left (``why_<key>``), then a note, in the page's order."""
    reasons = {
        f"why_{item.key}": TextAreaField(
            f"Why will “{item.title}” not happen?",
            widget=GovTextArea(),
            filters=[strip],
            description=item.detail,
            validators=[Optional(), Length(max=2000)],
        )
        for item in left
    }  # made before the note, so that they come first (WTForms orders fields as they were made)

    class CloseoutForm(FlaskForm):
        closeout_note = TextAreaField(
            "Close-out note",
            widget=GovCharacterCount(),
            filters=[strip],
            description="What the project achieved and anything the programme should remember about it. "
            "The team, the enabler and the finance approvers are sent this.",
            # required by the service, which says so beside whatever else is missing (the reasons)
            validators=[Optional(), Length(max=4000)],
        )
        submit = SubmitField("Close the project", widget=GovSubmitInput())

    for name, field in reasons.items():
        setattr(CloseoutForm, name, field)
    return CloseoutForm() if formdata is _UNSET else CloseoutForm(formdata=formdata)
