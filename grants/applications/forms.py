"""Forms of the bid: starting it, the question every section ends with, the rows of its lists, partners,
submitting and withdrawing. A section's own form is built from the round's form (``page_forms``); it
saves as a draft whatever is valid in form, and whether a section is complete is decided by ``rules``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    EmailField,
    Form,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Optional, ValidationError

from grants.applications.models import COMMITMENT_KINDS
from grants.core.forms import DateInputField, Length, MoneyField, NumberField, QuickGovSelect, YesNoField, strip
from grants.core.once import OnceMixin
from grants.directory.models import SECTORS

LIMITS = {
    "role": 500,
    "commitment": 500,
    "withdrawal_reason": 1000,
    "response_note": 1000,
}
# Most rows a list can have; a section shows what is saved plus a few empty rows to fill in.
ROWS = {"measures": 8, "commitments": 8, "budget_lines": 15}
EMPTY_ROWS = {"measures": 2, "commitments": 2, "budget_lines": 3}


def padded(rows: list[dict], key: str, blank: dict) -> list[dict]:
    wanted = min(ROWS[key], len(rows) + EMPTY_ROWS[key])
    return rows + [dict(blank) for _ in range(wanted - len(rows))]


def optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class StartForm(OnceMixin, FlaskForm):
    """Starting a bid asks for its title first: partners are invited by it from the first section on."""

    title = StringField(
        "Project title",
        widget=GovTextInput(),
        description="A short name for your project, like Better together for older people in Wigan. The partners "
        "you invite see it in their invitation. You can change it later.",
        filters=[strip],
        validators=[
            DataRequired("Enter a project title"),
            Length(max=200, message="Project title must be 200 characters or fewer"),
        ],
    )
    submit = SubmitField("Start the bid", widget=GovSubmitInput())


class SectionForm(FlaskForm):
    """Every section ends by asking whether it is finished (the GOV.UK task list pattern)."""

    completed = YesNoField(
        "Have you completed this section?",
        validators=[InputRequired("Select whether you have completed this section")],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    @property
    def is_complete(self) -> bool:
        return self.completed.data == "yes"


class MeasureRow(Form):
    name = StringField("Measure", widget=GovTextInput(), validators=[Length(max=200)])
    unit = StringField(
        "Unit", widget=GovTextInput(), description="For example, people or %", validators=[Length(max=60)]
    )
    baseline = NumberField("Baseline")
    target = NumberField("Target")
    direction = SelectField(
        "Better is",
        widget=GovSelect(),
        choices=[SelectChoice("up", "Higher"), SelectChoice("down", "Lower")],
        default="up",
    )

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and self.baseline.data is None and self.target.data is None

    def validate_name(self, field):
        if not (field.data or "").strip() and not self.is_blank():
            raise ValidationError("Enter the name of the measure")


class CommitmentRow(Form):
    kind = SelectField(
        "Kind of commitment",
        widget=GovSelect(),
        choices=[SelectChoice("", "Choose a kind")]
        + [SelectChoice(key, label) for key, label in COMMITMENT_KINDS.items()],
        default="",
        validate_choice=True,
    )
    description = TextAreaField("What you will do", widget=GovTextArea(), validators=[Length(max=LIMITS["commitment"])])
    target_date = DateInputField("Target date")

    def is_blank(self) -> bool:
        return not self.kind.data and not (self.description.data or "").strip() and self.target_date.data is None

    def validate_kind(self, field):
        if not field.data and not self.is_blank():
            raise ValidationError("Choose the kind of commitment")

    def validate_description(self, field):
        if not (field.data or "").strip() and not self.is_blank():
            raise ValidationError("Describe what you will do")


class BudgetRow(Form):
    description = StringField("What the money is for", widget=GovTextInput(), validators=[Length(max=200)])
    amount = MoneyField("Amount")

    def is_blank(self) -> bool:
        return not (self.description.data or "").strip() and self.amount.data is None

    def validate_description(self, field):
        if not (field.data or "").strip() and not self.is_blank():
            raise ValidationError("Enter what the money is for")

    def validate_amount(self, field):
        if not self.is_blank():
            if field.data is None:
                raise ValidationError("Enter the amount")
            if field.data == 0:
                raise ValidationError("The amount must be more than £0")


class PartnerForm(OnceMixin, FlaskForm):
    organisation_name = StringField(
        "Organisation name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the organisation's name"), Length(max=200)],
    )
    sector = SelectField(
        "Sector",
        widget=GovRadioInput(),
        choices=[SelectChoice(key, label) for key, label in SECTORS.items()],
        validators=[InputRequired("Select the organisation's sector")],
    )
    org_id = StringField(
        "Organisation identifier (optional)",
        widget=GovTextInput(),
        description="For example GB-CHC-1234567 for a charity or GB-COH-01234567 for a company",
        validators=[Optional(), Length(max=80)],
    )
    role = TextAreaField(
        "Their role in the partnership",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[
            DataRequired("Describe their role in the partnership"),
            Length(max=LIMITS["role"], message="Their role must be 500 characters or fewer"),
        ],
    )
    contact_name = StringField(
        "Contact's full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the contact's full name"), Length(max=200)],
    )
    contact_email = EmailField(
        "Contact's email address",
        widget=GovTextInput(),
        description="We will email them a link to confirm their organisation's part. They do not need an account.",
        filters=[strip],
        validators=[
            DataRequired("Enter the contact's email address"),
            Length(max=254),
            Email("Enter an email address in the correct format, like name@example.org", check_deliverability=False),
        ],
    )
    submit = SubmitField("Save partner and send the invitation", widget=GovSubmitInput())

    def values(self) -> dict:
        return {
            "organisation_name": self.organisation_name.data.strip(),
            "sector": self.sector.data,
            "org_id": (self.org_id.data or "").strip().upper() or None,
            "role": self.role.data.strip(),
            "contact_name": self.contact_name.data.strip(),
            "contact_email": self.contact_email.data.strip().lower(),
        }


class PartnerResponseForm(FlaskForm):
    response = SelectField(
        "Will your organisation take part in this partnership?",
        widget=GovRadioInput(),
        choices=[SelectChoice("confirmed", "Yes, we confirm our part"), SelectChoice("declined", "No, we decline")],
        validators=[InputRequired("Select whether your organisation will take part")],
    )
    note = TextAreaField(
        "Message to the lead organisation (optional)",
        widget=GovCharacterCount(),
        validators=[Optional(), Length(max=LIMITS["response_note"])],
    )
    submit = SubmitField("Send response", widget=GovSubmitInput())


class SubmitForm(FlaskForm):
    submit = SubmitField("Accept and submit the bid", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why are you withdrawing the bid?",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[
            DataRequired("Enter why you are withdrawing the bid"),
            Length(max=LIMITS["withdrawal_reason"], message="The reason must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Withdraw the bid", widget=GovSubmitInput())


class ApplicationFilterForm(FlaskForm):
    """The officer's filters: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Reference or title", widget=GovTextInput(), validators=[Optional(), Length(max=100)])
    round = SelectField("Round", widget=QuickGovSelect(), validators=[Optional()], validate_choice=False)
    status = SelectField("Status", widget=QuickGovSelect(), validators=[Optional()], validate_choice=False)
    theme = SelectField("Theme", widget=QuickGovSelect(), validators=[Optional()], validate_choice=False)
    place = SelectField("Place", widget=QuickGovSelect(), validators=[Optional()], validate_choice=False)
    sector = SelectField("Lead sector", widget=QuickGovSelect(), validators=[Optional()], validate_choice=False)


class ResendForm(OnceMixin, FlaskForm):
    """ "Send the link again": carried out once however often it is pressed, so a double click does not
    send two links of which only the second works. Each partner's button carries the page's key with
    the partner's id after it."""
