from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from grants.core.forms import Length, strip
from grants.directory.models import SECTORS

ORG_ID = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,}-[A-Za-z0-9-]{1,60}$")
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class OrganisationForm(FlaskForm):
    name = StringField(
        "Organisation name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter your organisation's name"), Length(max=200)],
    )
    sector = SelectField(
        "Sector",
        widget=GovRadioInput(),
        choices=[SelectChoice(key, label) for key, label in SECTORS.items()],
        validators=[InputRequired("Select your organisation's sector")],
    )
    charity_number = StringField(
        "Registered charity number (if you have one)",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Optional(), Length(max=20)],
    )
    company_number = StringField(
        "Company number (if you have one)",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Optional(), Length(max=20)],
    )
    org_id = StringField(
        "Organisation identifier (if you know it)",
        widget=GovTextInput(),
        filters=[strip],
        description="Used when grants are published as open data, for example GB-LAE-WGN for Wigan Council. "
        "Leave empty and we will use your charity or company number.",
        validators=[Optional(), Length(max=80)],
    )
    address_line_1 = StringField(
        "Address line 1",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the first line of the address"), Length(max=200)],
    )
    address_line_2 = StringField(
        "Address line 2 (optional)", widget=GovTextInput(), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    town = StringField(
        "Town or city",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the town or city"), Length(max=100)],
    )
    postcode = StringField(
        "Postcode",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the postcode"), Length(max=12)],
    )
    place_id = SelectField(
        "Local authority area",
        coerce=optional_int,
        widget=GovSelect(),
        invalid_choice_message="Choose the local authority area from the list",
        validators=[InputRequired("Select the local authority area")],
    )
    submit = SubmitField("Save organisation", widget=GovSubmitInput())

    def validate_charity_number(self, field):
        if field.data and not re.fullmatch(r"\d{6,8}(-\d{1,3})?", field.data):
            raise ValidationError("Enter a charity number in the correct format, like 1234567")

    def validate_company_number(self, field):
        field.data = (field.data or "").upper().replace(" ", "")
        if field.data and not re.fullmatch(r"[A-Z]{2}\d{6}|\d{6,8}", field.data):
            raise ValidationError("Enter a company number in the correct format, like 01234567 or SC123456")
        if field.data and field.data.isdigit():
            field.data = field.data.zfill(8)

    def validate_org_id(self, field):
        field.data = (field.data or "").upper()
        if field.data and not ORG_ID.fullmatch(field.data):
            raise ValidationError("Enter an organisation identifier in the correct format, like GB-CHC-1234567")

    def validate_postcode(self, field):
        compact = (field.data or "").upper().replace(" ", "")
        match = POSTCODE.fullmatch(compact)
        if not match:
            raise ValidationError("Enter a real postcode, like WN1 1YN")
        field.data = f"{match.group(1)} {match.group(2)}"

    def values(self) -> dict:
        org_id = self.org_id.data or None
        if org_id is None and self.charity_number.data:
            org_id = f"GB-CHC-{self.charity_number.data.split('-')[0]}"
        elif org_id is None and self.company_number.data:
            org_id = f"GB-COH-{self.company_number.data}"
        return {
            "name": self.name.data,
            "sector": self.sector.data,
            "charity_number": self.charity_number.data or None,
            "company_number": self.company_number.data or None,
            "org_id": org_id,
            "address_line_1": self.address_line_1.data,
            "address_line_2": self.address_line_2.data or "",
            "town": self.town.data,
            "postcode": self.postcode.data,
            "place_id": self.place_id.data,
        }


class ThemeForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the theme's name"), Length(max=120)],
    )
    description = TextAreaField(
        "Description", widget=GovCharacterCount(), filters=[strip], validators=[Optional(), Length(max=600)]
    )
    is_active = BooleanField("Offer this theme in new rounds", widget=GovCheckboxInput(), default=True)
    submit = SubmitField("Save theme", widget=GovSubmitInput())
