from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, ValidationError
from wtforms.widgets import CheckboxInput

from grants.accounts.passwords import password_problem
from grants.core.forms import Length, strip
from grants.core.permissions import ALL_ROLES


class NewPasswordMixin:
    """Checks the new password with the other fields, so every problem shows at once."""

    def validate_password(self, field):
        email = self.email.data if hasattr(self, "email") else None
        problem = password_problem(field.data or "", email)
        if problem:
            raise ValidationError(problem)


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class RegisterForm(NewPasswordMixin, FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired("Enter your full name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        description="We will send messages about your bids to this address.",
        filters=[strip],
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.org", check_deliverability=False),
        ],
    )
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        description="Must be 12 characters or more. A few unrelated words together make a strong password.",
        validators=[InputRequired("Enter a password")],
    )
    confirm_password = PasswordField(
        "Confirm password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your password"), EqualTo("password", "The passwords do not match")],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class ConfirmEmailForm(FlaskForm):
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        description="The password you chose when you registered.",
        validators=[InputRequired("Enter your password")],
    )
    submit = SubmitField("Confirm and sign in", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired("Enter your email address"),
            Length(max=254),
            Email("Enter an email address in the correct format, like name@example.org", check_deliverability=False),
        ],
    )
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


def _new_password_field():
    return PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="Must be 12 characters or more.",
        validators=[InputRequired("Enter a new password")],
    )


def _confirm_password_field():
    return PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your new password"), EqualTo("password", "The passwords do not match")],
    )


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = _new_password_field()
    confirm_password = _confirm_password_field()
    submit = SubmitField("Save new password", widget=GovSubmitInput())


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Current password", widget=GovPasswordInput(), validators=[InputRequired("Enter your current password")]
    )
    password = _new_password_field()
    confirm_password = _confirm_password_field()
    submit = SubmitField("Change password", widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    submit = SubmitField("Sign out", widget=GovSubmitInput())


class RolesForm(FlaskForm):
    roles = SelectMultipleField(
        "Roles",
        choices=[SelectChoice(role.value, role.label) for role in ALL_ROLES],
        widget=GovCheckboxesInput(),
        option_widget=CheckboxInput(),
        description="Select every role this person holds.",
    )
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        description="Enter your own password again to change someone's roles.",
        validators=[InputRequired("Enter your password")],
    )
    submit = SubmitField("Save roles", widget=GovSubmitInput())


# --- Two-factor sign-in ------------------------------------------------------------------------


def _your_password_field(description: str):
    return PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        description=description,
        validators=[InputRequired("Enter your password")],
    )


class TwoFactorCodeForm(FlaskForm):
    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        filters=[strip],
        validators=[DataRequired("Enter the code from your authenticator app"), Length(max=40)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class TwoFactorSetupForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="The 6-digit code it shows for Grants.",
        filters=[strip],
        validators=[DataRequired("Enter the 6-digit code from your authenticator app"), Length(max=20)],
    )
    submit = SubmitField("Turn on two-factor sign-in", widget=GovSubmitInput())


class TwoFactorReplaceForm(TwoFactorSetupForm):
    """Setting up again (a new phone) while two-factor is on: the password as well."""

    password = _your_password_field("Enter your password to confirm it is you.")
    submit = SubmitField("Use this app from now on", widget=GovSubmitInput())


class ConfirmPasswordForm(FlaskForm):
    password = _your_password_field("Enter your password to confirm.")
    submit = SubmitField("Continue", widget=GovSubmitInput())
