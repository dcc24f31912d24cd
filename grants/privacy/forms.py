"""The officer's own password, entered again before anonymising someone (it cannot be undone)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput
from wtforms import PasswordField
from wtforms.validators import InputRequired


class AnonymiseForm(FlaskForm):
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        description="Enter your own password again to anonymise this person.",
        validators=[InputRequired("Enter your password")],
    )
