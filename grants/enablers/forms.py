from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
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

from grants.core.forms import DateInputField, Length, Required, WholeNumberField, strip
from grants.core.once import OnceMixin
from grants.enablers.models import APPROACHES, REGIONS


class ProfileForm(FlaskForm):
    bio = TextAreaField(
        "About you",
        widget=GovCharacterCount(),
        filters=[strip],
        description="Your experience of systems leadership, in a few sentences.",
        validators=[Optional(), Length(max=2000)],
    )
    themes = SelectMultipleField(
        "Issues you specialise in", coerce=int, widget=GovCheckboxesInput(), option_widget=CheckboxInput()
    )
    approaches = SelectMultipleField(
        "Approaches you use",
        widget=GovCheckboxesInput(),
        option_widget=CheckboxInput(),
        choices=[SelectChoice(a, a) for a in APPROACHES],
    )
    regions = SelectMultipleField(
        "Regions you cover",
        widget=GovCheckboxesInput(),
        option_widget=CheckboxInput(),
        choices=[SelectChoice(r, r) for r in REGIONS],
    )
    places = SelectMultipleField(
        "Places you know well",
        coerce=int,
        widget=GovCheckboxesInput(),
        option_widget=CheckboxInput(),
        description="Optional. Select any that apply.",
    )
    capacity = WholeNumberField(
        "Most projects you can support at once",
        minimum=0,
        maximum=50,
        validators=[Required("Enter the most projects you can support at once")],
    )
    available_from = DateInputField("Available from (optional)", validators=[Optional()])
    available_until = DateInputField("Available until (optional)", validators=[Optional()])
    links = StringField(
        "Organisations you have links with (optional)",
        widget=GovTextInput(),
        filters=[strip],
        description="Their identifiers, separated by commas, for example GB-LAE-WGN, GB-CHC-1234567. You will not "
        "be matched with projects they are part of.",
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField("Save profile", widget=GovSubmitInput())

    def link_identifiers(self) -> list[str]:
        return [part.strip().upper() for part in re.split(r"[,\s]+", self.links.data or "") if part.strip()]


class InviteForm(OnceMixin, FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the enabler's full name"), Length(max=200)],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired("Enter the enabler's email address"),
            Length(max=254),
            Email("Enter an email address in the correct format, like name@example.org", check_deliverability=False),
        ],
    )
    submit = SubmitField("Send the invitation", widget=GovSubmitInput())


class AssignForm(FlaskForm):
    enabler_id = RadioField(
        "Enabler",
        coerce=int,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose an enabler")],
        invalid_choice_message="Choose an enabler from the list",
    )
    reason = TextAreaField(
        "Why this enabler (optional when assigning the first)",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=1000)],
    )
    override_reason = TextAreaField(
        "If they are at or over capacity: why assign them anyway",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField("Assign enabler", widget=GovSubmitInput())


class EndForm(FlaskForm):
    reason = TextAreaField(
        "Why is this enabler's support ending?",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired("Give the reason"), Length(max=1000)],
    )
    submit = SubmitField("End their support", widget=GovSubmitInput())
