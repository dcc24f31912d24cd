from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import EmailField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Optional
from wtforms.widgets import CheckboxInput

from grants.core.forms import Length, strip
from grants.core.once import OnceMixin
from grants.leadership.models import STAGE_LABELS


class ParticipantForm(OnceMixin, FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter their full name"), Length(max=200)],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        description="Their link to each self-assessment is sent here.",
        validators=[
            DataRequired("Enter their email address"),
            Email("Enter an email address in the correct format, like name@example.org"),
            Length(max=254),
        ],
    )
    organisation_name = StringField(
        "Organisation (optional)", widget=GovTextInput(), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    submit = SubmitField("Add participant", widget=GovSubmitInput())


class ChangeParticipantForm(ParticipantForm):
    """The same details, corrected: a change is not held to one submission (the key is not drawn)."""

    submit = SubmitField("Save changes", widget=GovSubmitInput())


class InviteForm(FlaskForm):
    stage = RadioField(
        "Which self-assessment?",
        choices=[SelectChoice(key, label) for key, label in STAGE_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose which self-assessment")],
    )
    participants = SelectMultipleField(
        "Who to invite",
        coerce=int,
        widget=GovCheckboxesInput(),
        option_widget=CheckboxInput(),
        description="Anyone who has already answered this one is not sent it again.",
        validators=[DataRequired("Choose who to invite")],
    )
    submit = SubmitField("Send the invitations", widget=GovSubmitInput())


def self_assessment_form(framework, **kwargs) -> FlaskForm:
    """A rating from 1 to 5 for each behaviour of the framework."""

    class Form(FlaskForm):
        submit = SubmitField("Send my answers", widget=GovSubmitInput())

    choices = [SelectChoice(str(point), f"{point}: {words}") for point, words in enumerate(framework.scale, start=1)]
    for domain in framework.domains:
        for behaviour in domain.behaviours:
            setattr(
                Form,
                f"behaviour_{behaviour.id}",
                RadioField(
                    behaviour.text,
                    choices=choices,
                    widget=GovRadioInput(),
                    validators=[InputRequired("Choose a rating for this statement")],
                ),
            )
    return Form(**kwargs)


class DomainForm(FlaskForm):
    name = StringField(
        "Domain",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the domain's name"), Length(max=200)],
    )
    description = TextAreaField(
        "What it means (optional)", widget=GovTextArea(), filters=[strip], validators=[Optional(), Length(max=1000)]
    )
    behaviours = TextAreaField(
        "Behaviours",
        widget=GovTextArea(),
        description="One on each line, written as something a person does: “I share credit for what we achieve.”",
        validators=[DataRequired("Enter at least one behaviour, one on each line"), Length(max=4000)],
    )
    submit = SubmitField("Save domain", widget=GovSubmitInput())


class ScaleForm(FlaskForm):
    name = StringField(
        "Framework name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the framework's name"), Length(max=200)],
    )
    point_1 = StringField(
        "1",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Describe point 1 of the scale"), Length(max=200)],
    )
    point_2 = StringField(
        "2",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Describe point 2 of the scale"), Length(max=200)],
    )
    point_3 = StringField(
        "3",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Describe point 3 of the scale"), Length(max=200)],
    )
    point_4 = StringField(
        "4",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Describe point 4 of the scale"), Length(max=200)],
    )
    point_5 = StringField(
        "5",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Describe point 5 of the scale"), Length(max=200)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
