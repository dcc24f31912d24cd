from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from grants.core.forms import DateInputField, Length, NumberField, Required, strip
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
        widget=GovRadioInput(),
        validators=[InputRequired("Choose a RAG")],
    )
    reason = TextAreaField("Why", widget=GovTextArea(), filters=[strip], validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Save RAG", widget=GovSubmitInput())
