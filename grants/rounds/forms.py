from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput

from grants.core.forms import DateInputField, Length, MoneyField, Required, TimeField, WholeNumberField, strip
from grants.core.once import OnceMixin


def parse_tranche_plan(text: str) -> list[int]:
    """``"50, 30, 20"`` → ``[50, 30, 20]``; whole percentages adding up to 100."""
    parts = [part for part in re.split(r"[,\s/%]+", text or "") if part]
    if not parts or not all(part.isdigit() for part in parts):
        raise ValueError("Enter the tranche plan as whole percentages separated by commas, like 50, 30, 20")
    plan = [int(part) for part in parts]
    if any(part == 0 for part in plan) or sum(plan) != 100:
        raise ValueError("The tranche percentages must each be more than 0 and add up to 100")
    if len(plan) > 10:
        raise ValueError("A tranche plan can have at most 10 tranches")
    return plan


class RoundForm(OnceMixin, FlaskForm):
    title = StringField(
        "Title", widget=GovTextInput(), filters=[strip], validators=[DataRequired("Enter a title"), Length(max=200)]
    )
    code = StringField(
        "Reference prefix",
        widget=GovTextInput(),
        description="2 to 8 capital letters or digits, used in bid references such as LV2-0007.",
        filters=[strip],
        validators=[DataRequired("Enter a reference prefix")],
    )
    summary = TextAreaField(
        "Summary",
        widget=GovCharacterCount(),
        description="What the round funds, in a sentence or two. Shown on the list of rounds.",
        filters=[strip],
        validators=[DataRequired("Enter a summary"), Length(max=600)],
    )
    guidance = TextAreaField(
        "Guidance for applicants",
        widget=GovCharacterCount(),
        description="Who can apply, what a good bid looks like and how to apply.",
        validators=[Optional(), Length(max=8000)],
    )
    opens_on = DateInputField("Opening date", validators=[Required("Enter the opening date")])
    opens_time = TimeField(
        "Opening time", description="UK time, for example 9am or 09:00", validators=[Required("Enter the opening time")]
    )
    closes_on = DateInputField("Closing date", validators=[Required("Enter the closing date")])
    closes_time = TimeField(
        "Closing time",
        description="UK time, for example 12pm (midday) or 17:00",
        validators=[Required("Enter the closing time")],
    )
    assessment_deadline = DateInputField(
        "Assessment deadline", validators=[Optional()], description="The date steering group scores are due."
    )
    award = MoneyField(
        "Award per project", description="For example, 27,000", validators=[Required("Enter the award per project")]
    )
    match_required = MoneyField(
        "Required match funding",
        description="For example, 10,000. Enter 0 for none.",
        validators=[Required("Enter the required match funding")],
    )
    match_funder_label = StringField(
        "Who provides the match funding",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter who provides the match funding"), Length(max=120)],
    )
    places = WholeNumberField(
        "Number of projects to fund",
        minimum=1,
        maximum=10_000,
        description="Give this or a total budget. 25 projects at £27,000 is £675,000.",
        validators=[Optional()],
    )
    budget = MoneyField(
        "Total budget",
        description="Leave empty to use the number of projects times the award.",
        validators=[Optional()],
    )
    tranche_plan = StringField(
        "Tranche plan",
        widget=GovTextInput(),
        description="Percentages of the award paid in each tranche, like 50, 30, 20",
        filters=[strip],
        validators=[DataRequired("Enter the tranche plan")],
    )
    project_months = WholeNumberField(
        "Project length in months",
        minimum=1,
        maximum=120,
        description="Projects start on the first of the month after the decision.",
        validators=[Required("Enter the project length in months")],
    )
    report_every_months = WholeNumberField(
        "Progress reports every",
        minimum=1,
        maximum=12,
        description="In months, from the project's start. A final report is also due a month after the end.",
        validators=[Required("Enter how often progress reports are due")],
    )
    themes = SelectMultipleField(
        "Themes in scope", coerce=int, widget=GovCheckboxesInput(), option_widget=CheckboxInput()
    )
    min_partner_sectors = WholeNumberField(
        "Fewest sectors in a partnership",
        minimum=1,
        maximum=11,
        validators=[Required("Enter the fewest sectors in a partnership")],
    )
    min_confirmed_partners = WholeNumberField(
        "Fewest partners who must have confirmed",
        minimum=0,
        maximum=50,
        validators=[Required("Enter the fewest partners who must have confirmed")],
    )
    match_at_least_required = BooleanField(
        "The match funding pledge must be at least the required amount", widget=GovCheckboxInput()
    )
    min_learning_commitments = WholeNumberField(
        "Fewest learning commitments",
        minimum=0,
        maximum=20,
        validators=[Required("Enter the fewest learning commitments")],
    )
    submit = SubmitField("Save round", widget=GovSubmitInput())

    def validate_code(self, field):
        field.data = (field.data or "").strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{2,8}", field.data):
            raise ValidationError("The reference prefix must be 2 to 8 capital letters or digits, like LV2")

    def validate_award(self, field):
        if field.data == 0:
            raise ValidationError("The award per project must be more than £0")

    def validate_tranche_plan(self, field):
        try:
            field.parsed = parse_tranche_plan(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Across two optional fields, so checked here rather than by either field's validators.
        if not self.places.errors and not self.budget.errors:
            if self.places.data is None and self.budget.data is None:
                self.budget.errors.append("Enter the number of projects to fund or a total budget")
                valid = False
            elif self.places.data is not None and self.budget.data is not None:
                self.budget.errors.append("Enter the number of projects to fund or a total budget, not both")
                valid = False
        return valid


class RoundWordingForm(FlaskForm):
    """What can still change once applicants can see the round: its wording and dates."""

    title = RoundForm.title
    summary = RoundForm.summary
    guidance = RoundForm.guidance
    closes_on = RoundForm.closes_on
    closes_time = RoundForm.closes_time
    assessment_deadline = RoundForm.assessment_deadline
    submit = SubmitField("Save round", widget=GovSubmitInput())


class CriterionForm(OnceMixin, FlaskForm):
    title = StringField(
        "Criterion",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the criterion"), Length(max=200)],
    )
    guidance = TextAreaField(
        "Guidance for reviewers", widget=GovCharacterCount(), validators=[Optional(), Length(max=2000)]
    )
    weight = WholeNumberField(
        "Weight",
        minimum=1,
        maximum=1000,
        description="Relative importance. Weights are shown as a share of the total.",
        validators=[Required("Enter the weight")],
    )
    scale_min = WholeNumberField(
        "Lowest score", minimum=0, maximum=100, validators=[Required("Enter the lowest score")]
    )
    scale_max = WholeNumberField(
        "Highest score", minimum=1, maximum=100, validators=[Required("Enter the highest score")]
    )
    # The choices are the round's questions (``question_choices``); the service refuses any other key.
    question_keys = SelectMultipleField(
        "Questions it assesses",
        description="Reviewers see the answers to these questions beside the criterion's score.",
        widget=GovCheckboxesInput(),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    submit = SubmitField("Save criterion", widget=GovSubmitInput())


def question_choices(form) -> list[tuple[str, str]]:
    """Every question of a round's ``Form`` (``grants.bidforms.queries``), a built-in block named as such."""
    return [
        (question.key, f"{question.title} ({question.kind_label.lower()})" if question.is_block else question.title)
        for question in form.questions
    ]
