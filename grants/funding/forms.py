from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from grants.core.forms import DateInputField, Length, MoneyField, Required, strip
from grants.core.once import OnceMixin
from grants.funding.models import CONDITION_KINDS

FILE_HINT = "A PDF, DOCX or ODT file smaller than 10 MB."
FILE_TYPES = ",".join(
    (
        ".pdf,.docx,.odt,application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    )
)


class TrancheRow(Form):
    tranche_id = HiddenField()
    amount = MoneyField("Amount", validators=[Required("Enter the amount")])
    due_on = DateInputField("Due from", validators=[Required("Enter the date the tranche is due from")])


class ScheduleForm(FlaskForm):
    tranches = FieldList(FormField(TrancheRow), min_entries=1, max_entries=10)
    submit = SubmitField("Save the schedule", widget=GovSubmitInput())


class SignForm(FlaskForm):
    full_name = StringField(
        "Your full name",
        widget=GovTextInput(),
        filters=[strip],
        description="Type your name as it is on your account. This is your signature.",
        validators=[DataRequired("Type your full name to sign"), Length(max=200)],
    )
    confirm = BooleanField(
        "I have read the agreement and agree to its terms on behalf of the lead organisation and the partnership",
        widget=GovCheckboxInput(),
    )
    terms_digest = HiddenField()
    submit = SubmitField("Sign the agreement", widget=GovSubmitInput())


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired("Give the reason"), Length(max=2000)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConditionForm(OnceMixin, FlaskForm):
    kind = RadioField(
        "What must happen first",
        widget=GovRadioInput(),
        choices=[SelectChoice(key, label) for key, label in CONDITION_KINDS.items()],
        validators=[InputRequired("Choose what the tranche waits for")],
    )
    description = TextAreaField(
        "Describe the condition",
        widget=GovTextArea(),
        filters=[strip],
        description="Only for another condition. For example, the partnership's first systems map is shared.",
        validators=[Optional(), Length(max=500)],
    )
    owner_id = SelectField("Who confirms it", coerce=int, widget=GovSelect(), validate_choice=False)
    submit = SubmitField("Add the condition", widget=GovSubmitInput())


class ConfirmConditionForm(FlaskForm):
    note = TextAreaField(
        "How was it met?",
        widget=GovTextArea(),
        filters=[strip],
        description="For example, which report was accepted and when.",
        validators=[DataRequired("Say how the condition was met"), Length(max=2000)],
    )
    submit = SubmitField("Confirm the condition is met", widget=GovSubmitInput())


class ApproveForm(FlaskForm):
    payment_reference = StringField(
        "Payment reference",
        widget=GovTextInput(),
        filters=[strip],
        description="The reference of the payment in the finance system.",
        validators=[DataRequired("Enter the payment reference"), Length(max=100)],
    )
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        description="Enter your password again to approve a payment.",
        validators=[InputRequired("Enter your password")],
    )
    submit = SubmitField("Approve and release", widget=GovSubmitInput())


class MatchConfirmForm(FlaskForm):
    evidence = FileField("The board's confirmation", widget=GovFileInput(), description=FILE_HINT)
    note = TextAreaField(
        "Or describe the evidence",
        widget=GovTextArea(),
        filters=[strip],
        description="For example, minute 6 of the board meeting on 12 March 2027.",
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Confirm the match funding", widget=GovSubmitInput())

    def upload(self):
        return self.evidence.data if getattr(self.evidence.data, "filename", None) else None


class MatchReceivedForm(FlaskForm):
    received_on = DateInputField(
        "Date the money arrived",
        description="For example, 27 3 2026",
        validators=[Required("Enter the date the money arrived")],
    )
    reference = StringField(
        "Payment reference",
        widget=GovTextInput(),
        filters=[strip],
        description="The reference of the payment from the board.",
        validators=[DataRequired("Enter the reference of the payment from the board"), Length(max=100)],
    )
    evidence = FileField("Remittance or statement (optional)", widget=GovFileInput(), description=FILE_HINT)
    submit = SubmitField("Record as received", widget=GovSubmitInput())

    def upload(self):
        return self.evidence.data if getattr(self.evidence.data, "filename", None) else None


class AgreementTemplateForm(FlaskForm):
    template = TextAreaField(
        "Agreement terms",
        widget=GovCharacterCount(),
        description="Placeholders in double braces are filled in for each project.",
        validators=[DataRequired("Enter the terms of the agreement"), Length(max=20000)],
    )
    submit = SubmitField("Save the terms", widget=GovSubmitInput())
