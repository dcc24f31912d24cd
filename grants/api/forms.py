from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired
from wtforms.widgets import CheckboxInput

from grants.api.services import EXPIRY_CHOICES
from grants.core.forms import Length, strip
from grants.core.permissions import ALL_ROLES

EXPIRY_LABELS = {"30": "30 days", "90": "90 days", "365": "1 year", "never": "Never"}


class RolesField(SelectMultipleField):
    def pre_validate(self, form):
        offered = {choice.value for choice in self.choices}
        if any(value not in offered for value in self.data or ()):
            raise ValidationError("Select only roles you hold")


class TokenForm(FlaskForm):
    name = StringField(
        "Token name",
        widget=GovTextInput(),
        description="So you can recognise it later, for example “Council data warehouse”.",
        filters=[strip],
        validators=[DataRequired("Enter a name for the token"), Length(max=100)],
    )
    roles = RolesField(
        "Roles the token carries",
        widget=GovCheckboxesInput(),
        option_widget=CheckboxInput(),
        description="The token sees what you see with these roles. Choose only what the other system needs.",
        validators=[InputRequired("Select at least one role for the token")],
    )
    expires = RadioField(
        "Expires after",
        widget=GovRadioInput(),
        choices=[SelectChoice(value, EXPIRY_LABELS[value]) for value in EXPIRY_CHOICES],
        default="90",
        validators=[InputRequired("Select when the token expires")],
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        held = set(roles)
        self.roles.choices = [SelectChoice(role.value, role.label) for role in ALL_ROLES if role in held]
