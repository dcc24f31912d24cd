from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import CheckboxInput

from grants.applications.forms import optional_int
from grants.core.forms import DateInputField, Length, Required, strip
from grants.core.once import OnceMixin
from grants.funding.forms import FILE_HINT
from grants.learning.models import COMMITMENT_KINDS, COMMITMENT_STATUS_LABELS, ITEM_KINDS


class CommitmentForm(OnceMixin, FlaskForm):
    kind = RadioField(
        "What kind of commitment is it?",
        choices=[SelectChoice(key, label) for key, label in COMMITMENT_KINDS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose what kind of commitment it is")],
    )
    description = TextAreaField(
        "What will the partnership do?",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired("Describe the commitment"), Length(max=2000)],
    )
    due_on = DateInputField("Due by", validators=[Required("Enter the date it is due by")])
    submit = SubmitField("Save commitment", widget=GovSubmitInput())


class ProgressForm(FlaskForm):
    status = RadioField(
        "Status",
        choices=[SelectChoice(key, COMMITMENT_STATUS_LABELS[key]) for key in ("planned", "in_progress", "done")],
        widget=GovRadioInput(),
        description="Overdue is worked out from the date: it is shown when a commitment is not done by then.",
        validators=[InputRequired("Choose the commitment's status")],
    )
    evidence_url = StringField(
        "Link to the evidence (optional)",
        widget=GovTextInput(),
        filters=[strip],
        description="For example, the published case study, the event's page or its slides.",
        validators=[Optional(), Length(max=500)],
    )
    evidence_file = FileField("Or upload the evidence (optional)", widget=GovFileInput(), description=FILE_HINT)
    remove_document = BooleanField("Remove the uploaded evidence", widget=GovCheckboxInput())
    evidence_note = TextAreaField(
        "Notes on the evidence (optional)",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    applied_theme = SelectField(
        "Another issue (theme)",
        coerce=optional_int,
        widget=GovSelect(),
        invalid_choice_message="Choose a theme from the list",
    )
    applied_place = SelectField(
        "Another place",
        coerce=optional_int,
        widget=GovSelect(),
        invalid_choice_message="Choose a place from the list",
    )
    applied_project = SelectField(
        "Another project in the programme",
        coerce=optional_int,
        widget=GovSelect(),
        invalid_choice_message="Choose a project from the list",
    )
    applied_description = TextAreaField(
        "How was the learning applied?",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Save progress", widget=GovSubmitInput())

    def set_choices(self, themes, places, projects) -> None:
        self.applied_theme.choices = [SelectChoice("", "Not applied to another theme")] + [
            SelectChoice(theme.id, theme.name) for theme in themes
        ]
        self.applied_place.choices = [SelectChoice("", "Not applied to another place")] + [
            SelectChoice(place.id, place.name) for place in places
        ]
        self.applied_project.choices = [SelectChoice("", "Not applied to another project")] + [
            SelectChoice(value, label) for value, label in projects
        ]

    def upload(self):
        return self.evidence_file.data if getattr(self.evidence_file.data, "filename", None) else None


class ItemForm(OnceMixin, FlaskForm):
    kind = RadioField(
        "What are you sharing?",
        choices=[SelectChoice(key, label) for key, label in ITEM_KINDS.items()],
        widget=GovRadioInput(),
        description="A case study tells the story of the work; an insight is one lesson, briefly.",
        validators=[InputRequired("Choose whether it is a case study or an insight")],
    )
    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter a title"), Length(max=200)],
    )
    summary = TextAreaField(
        "Summary",
        widget=GovCharacterCount(),
        filters=[strip],
        description="Two or three sentences: what others can learn from this.",
        validators=[Optional(), Length(max=1000)],
    )
    body = TextAreaField(
        "The story",
        widget=GovCharacterCount(),
        filters=[strip],
        description="What the partnership did, with whom, and what happened.",
        validators=[Optional(), Length(max=20000)],
    )
    what_worked = TextAreaField(
        "What worked",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[Optional(), Length(max=5000)],
    )
    what_did_not = TextAreaField(
        "What did not work, or what you would do differently",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[Optional(), Length(max=5000)],
    )
    themes = SelectMultipleField(
        "Themes",
        coerce=int,
        widget=GovCheckboxesInput(),
        option_widget=CheckboxInput(),
        description="Select all the issues this learning is about.",
    )
    place = SelectField(
        "Place",
        coerce=optional_int,
        widget=GovSelect(),
        invalid_choice_message="Choose a place from the list",
    )
    commitment = SelectField(
        "Which commitment does it evidence? (optional)",
        coerce=optional_int,
        widget=GovSelect(),
        description="Once published, it is the evidence for that commitment.",
        invalid_choice_message="Choose one of the project's commitments",
    )
    consent = BooleanField(
        "Everyone named or quoted, and every partner, agrees that this can be published",
        widget=GovCheckboxInput(),
        description="Without consent the programme team can keep it as internal learning, but not publish it.",
    )
    save = SubmitField("Save as draft", widget=GovSubmitInput())
    submit = SubmitField("Submit for review", widget=GovSubmitInput())

    def set_choices(self, themes, places, commitments) -> None:
        self.themes.choices = [SelectChoice(theme.id, theme.name) for theme in themes]
        self.place.choices = [SelectChoice("", "Choose a place")] + [
            SelectChoice(place.id, place.name) for place in places
        ]
        self.commitment.choices = [SelectChoice("", "None")] + [
            SelectChoice(commitment.id, f"{commitment.kind_label}: {commitment.description[:80]}")
            for commitment in commitments
        ]


class ReviewForm(FlaskForm):
    decision = RadioField(
        "What should happen to it?",
        choices=[
            SelectChoice("publish", "Publish it in the learning library"),
            SelectChoice("return", "Return it to the authors with comments"),
            SelectChoice("internal", "Keep it as internal learning"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose what should happen to the item")],
    )
    comment = TextAreaField(
        "Comments for the authors",
        widget=GovTextArea(),
        filters=[strip],
        description="Needed when you return it: say what needs to change.",
        validators=[Optional(), Length(max=4000)],
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why is it coming out of the library?",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired("Say why it is coming out of the library"), Length(max=2000)],
    )
    submit = SubmitField("Take it out of the library", widget=GovSubmitInput())
