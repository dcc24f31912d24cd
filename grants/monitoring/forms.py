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
from wtforms.validators import DataRequired, InputRequired, Optional

from grants.core.forms import DateInputField, Length, NumberField, Required, strip
from grants.core.once import OnceMixin
from grants.core.times import format_date
from grants.projects.forms import RAG_CHOICES


class MilestoneForm(OnceMixin, FlaskForm):
    title = StringField(
        "Milestone",
        widget=GovTextInput(),
        filters=[strip],
        description="For example, a shared data agreement signed by every partner.",
        validators=[DataRequired("Enter what the milestone is"), Length(max=200)],
    )
    due_on = DateInputField("Due by", validators=[Required("Enter the date it is due by")])
    owner = StringField(
        "Who is responsible (optional)",
        widget=GovTextInput(),
        filters=[strip],
        description="A person or a partner organisation.",
        validators=[Optional(), Length(max=200)],
    )
    done_on = DateInputField("Done on (optional)", validators=[Optional()])
    submit = SubmitField("Save milestone", widget=GovSubmitInput())


class MeasureForm(OnceMixin, FlaskForm):
    name = StringField(
        "Measure",
        widget=GovTextInput(),
        filters=[strip],
        description="What is counted, for example delayed discharges from hospital.",
        validators=[DataRequired("Enter the name of the measure"), Length(max=200)],
    )
    unit = StringField(
        "Unit (optional)",
        widget=GovTextInput(),
        filters=[strip],
        description="For example, people, per month or %.",
        validators=[Optional(), Length(max=60)],
    )
    baseline = NumberField("Baseline (optional)", description="Where it stood when the project started.")
    target = NumberField("Target (optional)", description="Where the project aims to bring it.")
    direction = RadioField(
        "Which is better?",
        widget=GovRadioInput(),
        choices=[SelectChoice("up", "Higher"), SelectChoice("down", "Lower")],
        validators=[InputRequired("Choose whether higher or lower is better")],
    )
    reason = TextAreaField(
        "Why is it added or changed?",
        widget=GovTextArea(),
        filters=[strip],
        description="Kept in the audit trail with what changed, for the steering group and auditors.",
        validators=[DataRequired("Say why the measure is added or changed"), Length(max=2000)],
    )
    submit = SubmitField("Save measure", widget=GovSubmitInput())


class ReportForm(FlaskForm):
    """The report's own questions; ``report_form`` adds a field for each outcome measure and each
    milestone still to do."""

    narrative = TextAreaField(
        "What happened in this period?",
        widget=GovCharacterCount(),
        filters=[strip],
        description="The work the partnership did, with its enabler and on its own.",
        validators=[Optional(), Length(max=6000)],
    )
    partnership_change = TextAreaField(
        "What changed in how the partners work together?",
        widget=GovCharacterCount(),
        filters=[strip],
        description="New habits, decisions made together, who now talks to whom, what is shared.",
        validators=[Optional(), Length(max=4000)],
    )
    rag = RadioField(
        "How is the project going?",
        choices=RAG_CHOICES,
        widget=GovRadioInput(),
        description="Red: at risk. Amber: some concerns. Green: on track.",
        validators=[Optional()],
    )
    save = SubmitField("Save as draft", widget=GovSubmitInput())
    submit = SubmitField("Submit for review", widget=GovSubmitInput())

    def outcome_fields(self):
        return [self[name] for name in self._fields if name.startswith("outcome_")]

    def milestone_fields(self):
        return [self[name] for name in self._fields if name.startswith("milestone_")]


def report_form(measures, milestones, **kwargs) -> ReportForm:
    """A report form with a value for each measure and a done date for each open milestone."""

    class Form(ReportForm):
        pass

    for measure in measures:
        label = f"{measure.name}{f' ({measure.unit})' if measure.unit else ''}"
        hint = "Leave empty if it was not measured this period."
        if measure.target is not None:
            hint = f"Target {measure.target:g}. {hint}"
        setattr(Form, f"outcome_{measure.id}", NumberField(label, description=hint, validators=[Optional()]))
    for milestone in milestones:
        setattr(
            Form,
            f"milestone_{milestone.id}",
            DateInputField(
                f"{milestone.title}: done on",
                description=f"Due by {format_date(milestone.due_on)}. Leave empty if it is not done yet.",
                validators=[Optional()],
            ),
        )
    return Form(**kwargs)


class ReviewForm(FlaskForm):
    decision = RadioField(
        "Your review",
        choices=[SelectChoice("accept", "Accept the report"), SelectChoice("changes", "Ask for changes")],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose whether to accept the report or ask for changes")],
    )
    comment = TextAreaField(
        "Comments for the project team",
        widget=GovTextArea(),
        filters=[strip],
        description="Needed when you ask for changes: say what needs to change.",
        validators=[Optional(), Length(max=4000)],
    )
    submit = SubmitField("Save review", widget=GovSubmitInput())
