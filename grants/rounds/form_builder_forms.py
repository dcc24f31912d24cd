"""The officer's forms for building a round's application form (``form_routes``). The question's details
form is made for its kind: only the limits, choices and options that kind has."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional

from grants.bidforms.kinds import KINDS
from grants.core.forms import Length, MoneyField, WholeNumberField, YesNoField, strip
from grants.core.once import OnceMixin


class PageForm(OnceMixin, FlaskForm):
    title = StringField(
        "Page title",
        widget=GovTextInput(),
        description="It names the section in the applicant's task list.",
        filters=[strip],
        validators=[DataRequired("Enter the page's title"), Length(max=200)],
    )
    description = TextAreaField(
        "Guidance at the top of the page",
        widget=GovCharacterCount(),
        description="Optional. What the applicant needs to know before answering.",
        filters=[strip],
        validators=[Optional(), Length(max=4000)],
    )
    submit = SubmitField("Save page", widget=GovSubmitInput())


class KindForm(OnceMixin, FlaskForm):
    """First the page and the kind of question; a built-in block is added here, a question is described next."""

    page = SelectField("Page", coerce=int, widget=GovSelect(), validate_choice=False)
    kind = RadioField(
        "What kind of question?", widget=GovRadioInput(), validators=[DataRequired("Choose the kind of question")]
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class QuestionForm(OnceMixin, FlaskForm):
    """The fields every question has; ``question_form`` adds those of its kind."""

    page = SelectField("Page", coerce=int, widget=GovSelect(), validate_choice=False)
    title = StringField(
        "Question",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired("Enter the question"), Length(max=300)],
    )
    hint = TextAreaField(
        "Hint",
        widget=GovCharacterCount(),
        description="Optional. Guidance shown under the question.",
        filters=[strip],
        validators=[Optional(), Length(max=4000)],
    )
    submit = SubmitField("Save question", widget=GovSubmitInput())


LIMIT_FIELDS: dict[str, Any] = {
    "max_words": lambda kind: WholeNumberField(
        "Most words", minimum=1, maximum=100_000, description="Optional.", validators=[Optional()]
    ),
    "max_chars": lambda kind: WholeNumberField(
        "Most characters", minimum=1, maximum=1_000_000, description="Optional.", validators=[Optional()]
    ),
    "min_value": lambda kind: (
        MoneyField("Smallest amount", description="Optional. In pounds, like 500.", validators=[Optional()])
        if kind == "money"
        else WholeNumberField("Smallest number", minimum=-2_000_000_000, maximum=2_000_000_000, validators=[Optional()])
    ),
    "max_value": lambda kind: (
        MoneyField("Largest amount", description="Optional. In pounds, like 10,000.", validators=[Optional()])
        if kind == "money"
        else WholeNumberField("Largest number", minimum=-2_000_000_000, maximum=2_000_000_000, validators=[Optional()])
    ),
}


def question_form(kind: str, *, block: bool = False, guidance_only: bool = False) -> type[FlaskForm]:
    """The details form for a question of ``kind`` (a block: its wording; once published: its hint)."""
    fields: dict[str, Any] = {}
    if guidance_only:
        fields = {"page": None, "title": None}
    elif block:
        fields["title"] = StringField(
            "Title",
            widget=GovTextInput(),
            filters=[strip],
            validators=[DataRequired("Enter the block's title"), Length(max=300)],
        )
    else:
        fields["required"] = YesNoField(
            "Must the applicant answer it?", validators=[DataRequired("Say whether an answer is required")]
        )
        for name in KINDS[kind].limits:
            fields[name] = LIMIT_FIELDS[name](kind)
        if KINDS[kind].has_choices:
            fields["choices"] = TextAreaField(
                "Choices",
                widget=GovTextArea(),
                description="One on each line.",
                validators=[DataRequired("Enter at least 2 choices, one on each line")],
            )
        fields["condition"] = SelectField("When is it asked?", widget=GovSelect(), validate_choice=False, default="")
        if kind in ("short_text", "long_text"):
            fields["public_summary"] = BooleanField(
                "Part of the bid's public description once it is funded (360Giving)", widget=GovCheckboxInput()
            )
    return type(f"QuestionForm_{kind}", (QuestionForm,), fields)


class MoveForm(FlaskForm):
    """Up or down one place, from where the officer saw it."""

    direction = HiddenField()
    position = HiddenField()


class CopyForm(OnceMixin, FlaskForm):
    source = SelectField("Copy the form of", coerce=int, widget=GovSelect(), validate_choice=False)
    confirm = BooleanField(
        "I understand this replaces every page and question of this round's form",
        widget=GovCheckboxInput(),
        validators=[DataRequired("Confirm that the copy replaces this round's form")],
    )
    submit = SubmitField("Copy the form", widget=GovSubmitInput())


class RemoveForm(FlaskForm):
    submit = SubmitField("Yes, remove it", widget=GovSubmitInput())
