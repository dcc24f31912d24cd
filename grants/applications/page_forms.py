"""The applicant's form for one page of a round's form: a field for each question shown to them (its name
is the question's key) and the fields of each built-in block on the page, ending with "Have you
completed this section?". Built per request from the round's form, which is loaded once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovTextInput,
)
from wtforms import Field, FieldList, FormField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms import TextAreaField as WTTextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput

from grants.applications.forms import (
    ROWS,
    BudgetRow,
    CommitmentRow,
    MeasureRow,
    SectionForm,
    optional_int,
    padded,
)
from grants.bidforms.kinds import word_count
from grants.bidforms.models import FormPage, FormQuestion
from grants.core.forms import DateInputField, Length, MoneyField, WholeNumberField, YesNoField, strip
from grants.core.money import format_pence
from grants.directory.models import Place
from grants.documents.models import Document
from grants.extensions import db

# The most an answer may hold when the officer set no limit: a line, or many pages.
SHORT_TEXT_CAP = 500
LONG_TEXT_CAP = 50_000
UPLOAD_HINT = "A PDF, DOCX or ODT file smaller than 10 MB."
UPLOAD_ACCEPT = (
    ".pdf,.docx,.odt,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.oasis.opendocument.text"
)


def quoted(question: FormQuestion) -> str:
    return f"‘{question.title}’"


class _Quoted:
    """A field whose messages name its question in quotes (its label is the whole question, which may
    end in a question mark): ‘People reached’ must be a whole number, like 25."""

    question_name: str

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            label = self.label.text
            message = str(error)
            named = self.question_name + message[len(label) :] if message.startswith(label) else message
            raise ValueError(named) from None


class AnswerNumberField(_Quoted, WholeNumberField):
    pass


class AnswerMoneyField(_Quoted, MoneyField):
    pass


class AnswerDateField(_Quoted, DateInputField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except OverflowError:  # a day or year too large to be a date at all
            self.data = None
            raise ValueError(f"{self.question_name} must be a real date, like 27 3 2027") from None

    def _value(self):
        return ""


class AnswerChoiceField(RadioField):
    """One choice; no choice at all is left to the section's rules (a draft may leave it empty)."""

    widget = GovRadioInput()

    def pre_validate(self, form):
        if self.data is not None and self.data not in {choice.value for choice in self.choices}:
            raise ValidationError("Select an answer from the list")


class AnswerChoicesField(SelectMultipleField):
    widget = GovCheckboxesInput()
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {choice.value for choice in self.choices}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError("Select only answers from the list")


class AnswerYesNoField(YesNoField):
    pass


def _text_limits(question: FormQuestion) -> list:
    cap = question.max_chars or (LONG_TEXT_CAP if question.kind == "long_text" else SHORT_TEXT_CAP)
    validators: list = [Length(max=cap, message=f"{quoted(question)} must be {cap:,} characters or fewer")]
    if question.max_words:
        validators.append(_most_words(question))
    return validators


def _most_words(question: FormQuestion):
    def check(form, field):
        if word_count(field.data or "") > question.max_words:
            raise ValidationError(f"{quoted(question)} must be {question.max_words:,} words or fewer")

    return check


def _money_range(question: FormQuestion):
    def check(form, field):
        if field.data is None:
            return
        if question.min_value is not None and field.data < question.min_value:
            raise ValidationError(f"{quoted(question)} must be {format_pence(question.min_value)} or more")
        if question.max_value is not None and field.data > question.max_value:
            raise ValidationError(f"{quoted(question)} must be {format_pence(question.max_value)} or less")

    return check


def answer_field(question: FormQuestion) -> Field:
    """The form field that asks ``question``; its name on the form is the question's key."""
    label, hint, kind = question.title, question.hint or "", question.kind
    choices = [SelectChoice(str(choice["value"]), choice["label"]) for choice in question.choices or []]
    named = {"question_name": quoted(question)}
    if kind == "short_text":
        return StringField(
            label, widget=GovTextInput(), description=hint, filters=[strip], validators=_text_limits(question)
        )
    if kind == "long_text":
        return WTTextAreaField(
            label, widget=GovCharacterCount(), description=hint, filters=[strip], validators=_text_limits(question)
        )
    if kind == "number":
        return _with(AnswerNumberField, named)(
            label, description=hint, minimum=question.min_value, maximum=question.max_value
        )
    if kind == "money":
        return _with(AnswerMoneyField, named)(label, description=hint, validators=[_money_range(question)])
    if kind == "date":
        return _with(AnswerDateField, named)(label, description=hint)
    if kind == "yes_no":
        return AnswerYesNoField(label, description=hint)
    if kind == "choice":
        return AnswerChoiceField(label, description=hint, choices=choices)
    if kind == "choices":
        return AnswerChoicesField(label, description=hint, choices=choices)
    if kind == "file":
        return FileField(label, widget=GovFileInput(), description=hint or UPLOAD_HINT)
    raise ValueError(f"no field for a question of kind {kind}")


def _with(field_class: type, attributes: dict[str, Any]) -> type:
    """``field_class`` with ``attributes`` set on it (WTForms makes a field's instance from its class)."""
    return type(field_class.__name__, (field_class,), attributes)


def answer_value(question: FormQuestion, field: Field) -> Any:
    """The answer as the bid keeps it (``grants.bidforms.kinds``); a file is its upload, kept later."""
    data = field.data
    if question.kind == "date":
        return data.isoformat() if isinstance(data, date) else None
    if question.kind == "choices":
        return list(dict.fromkeys(data or []))  # each once, in the order given
    if question.kind == "file":
        return data if getattr(data, "filename", None) else None
    if isinstance(data, str):
        return data.strip()
    return data


def answer_initial(question: FormQuestion, value: Any) -> Any:
    if question.kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    if question.kind == "file":
        return None
    return value


# --- Built-in blocks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockFields:
    """A built-in block's fields on the page, what they show when opened, and the values it keeps."""

    fields: Callable[[], dict[str, Any]]
    initial: Callable[[Any], dict[str, Any]]
    values: Callable[[Any], dict[str, Any]]
    prepare: Callable[[Any, Any], None] = field(default=lambda form, application: None)


def _place_themes_fields() -> dict[str, Any]:
    return {
        "title": StringField(
            "Project title",
            widget=GovTextInput(),
            description="A short name for your project, like Better together for older people in Wigan",
            validators=[Length(max=200, message="Project title must be 200 characters or fewer")],
        ),
        "place_id": SelectField(
            "Place",
            coerce=optional_int,
            widget=GovSelect(),
            validate_choice=True,
            invalid_choice_message="Choose a place from the list",
            description="The local authority area the project will benefit.",
        ),
        "themes": SelectMultipleField(
            "Which issues will the project tackle?",
            coerce=int,
            widget=GovCheckboxesInput(),
            option_widget=CheckboxInput(),
            description="Select all that apply.",
        ),
    }


def _place_themes_prepare(form, application) -> None:
    places = db.session.execute(db.select(Place.id, Place.name).order_by(Place.name)).all()
    form.place_id.choices = [SelectChoice("", "Choose a place")] + [SelectChoice(id_, name) for id_, name in places]
    form.themes.choices = [SelectChoice(theme.id, theme.name) for theme in application.round.themes]


PLACE_THEMES = BlockFields(
    fields=_place_themes_fields,
    initial=lambda application: {
        "title": application.title,
        "place_id": application.place_id,
        "themes": [theme.id for theme in application.themes],
    },
    values=lambda form: {
        "title": (form.title.data or "").strip(),
        "place_id": form.place_id.data or None,
        "theme_ids": form.themes.data or [],
    },
    prepare=_place_themes_prepare,
)


def _measure_values(form) -> dict[str, Any]:
    rows = [row.form for row in form.measures if not row.form.is_blank()]
    return {
        "measures": [
            {
                "name": row.name.data.strip(),
                "unit": (row.unit.data or "").strip(),
                "baseline": row.baseline.data,
                "target": row.target.data,
                "direction": row.direction.data or "up",
            }
            for row in rows
        ]
    }


MEASURES = BlockFields(
    fields=lambda: {"measures": FieldList(FormField(MeasureRow), min_entries=1, max_entries=ROWS["measures"])},
    initial=lambda application: {
        "measures": padded(
            [
                {"name": m.name, "unit": m.unit, "baseline": m.baseline, "target": m.target, "direction": m.direction}
                for m in application.measures
            ],
            "measures",
            {"direction": "up"},
        )
    },
    values=_measure_values,
)


MATCH_FUNDING = BlockFields(
    fields=lambda: {
        "match_funder": StringField(
            "Who has pledged the match funding?",
            widget=GovTextInput(),
            description="For example, Wigan Health and Wellbeing Board",
            validators=[Length(max=200)],
        ),
        "match_amount": MoneyField("Amount pledged", description="In pounds, for example 10,000"),
        "evidence": FileField(
            "Pledge letter", widget=GovFileInput(), description="A PDF, DOCX or ODT file smaller than 10 MB."
        ),
    },
    initial=lambda application: {
        "match_funder": application.match_funder,
        "match_amount": application.match_amount_pence,
    },
    values=lambda form: {
        "match_funder": (form.match_funder.data or "").strip(),
        "match_amount_pence": form.match_amount.data,
        "evidence": form.evidence.data if getattr(form.evidence.data, "filename", None) else None,
    },
)


def _commitment_values(form) -> dict[str, Any]:
    rows = [row.form for row in form.commitments if not row.form.is_blank()]
    return {
        "commitments": [
            {"kind": row.kind.data, "description": row.description.data.strip(), "target_date": row.target_date.data}
            for row in rows
        ]
    }


COMMITMENTS = BlockFields(
    fields=lambda: {"commitments": FieldList(FormField(CommitmentRow), min_entries=1, max_entries=ROWS["commitments"])},
    initial=lambda application: {
        "commitments": padded(
            [
                {"kind": c.kind, "description": c.description, "target_date": c.target_date}
                for c in application.commitments
            ],
            "commitments",
            {"kind": ""},
        )
    },
    values=_commitment_values,
)


def _more_than_nothing(form, field):
    if field.data == 0:
        raise ValidationError("The amount requested must be more than £0")


BUDGET = BlockFields(
    fields=lambda: {
        "amount_requested": MoneyField(
            "Amount requested", description="In pounds, for example 27,000", validators=[_more_than_nothing]
        ),
        "budget_lines": FieldList(FormField(BudgetRow), min_entries=1, max_entries=ROWS["budget_lines"]),
    },
    initial=lambda application: {
        "amount_requested": application.amount_requested_pence,
        "budget_lines": padded(
            [{"description": line.description, "amount": line.amount_pence} for line in application.budget_lines],
            "budget_lines",
            {},
        ),
    },
    values=lambda form: {
        "amount_requested_pence": form.amount_requested.data,
        "budget_lines": [
            {"description": row.form.description.data.strip(), "amount_pence": row.form.amount.data}
            for row in form.budget_lines
            if not row.form.is_blank()
        ],
    },
)

NO_FIELDS = BlockFields(fields=dict, initial=lambda application: {}, values=lambda form: {})

BLOCK_FIELDS: dict[str, BlockFields] = {
    "place_themes": PLACE_THEMES,
    "partnership": NO_FIELDS,  # its page is the partnership page, of invitations
    "measures": MEASURES,
    "match_funding": MATCH_FUNDING,
    "commitments": COMMITMENTS,
    "budget": BUDGET,
}


# --- The page's form ----------------------------------------------------------------------------------


class PageForm(SectionForm):
    """A page of the round's form as the applicant fills it in. ``questions`` are those shown to them."""

    page: FormPage
    questions: list[FormQuestion]

    @property
    def blocks(self) -> list[FormQuestion]:
        return [question for question in self.questions if question.is_block]

    @property
    def asked(self) -> list[FormQuestion]:
        return [question for question in self.questions if not question.is_block]

    @property
    def has_upload(self) -> bool:
        return any(question.kind in ("file", "match_funding") for question in self.questions)

    def values(self) -> dict[str, Any]:
        """``answers`` (the questions' answers, a file as its upload or None) and each block's values."""
        values: dict[str, Any] = {
            "answers": {question.key: answer_value(question, self[question.key]) for question in self.asked}
        }
        for block in self.blocks:
            values.update(BLOCK_FIELDS[block.kind].values(self))
        return values


def page_form_class(page: FormPage, questions: list[FormQuestion]) -> type[PageForm]:
    attributes: dict[str, Any] = {"page": page, "questions": questions}
    for question in questions:
        if question.is_block:
            attributes.update(BLOCK_FIELDS[question.kind].fields())
        else:
            attributes[question.key] = answer_field(question)
    return type(f"PageForm_{page.key}", (PageForm,), attributes)


def initial_data(application: Any, page: FormPage, questions: list[FormQuestion]) -> dict[str, Any]:
    """What the page shows when opened: what has been saved so far."""
    data: dict[str, Any] = {"completed": "yes" if application.section_state(page.key) == "completed" else None}
    answers = application.answers or {}
    for question in questions:
        if question.is_block:
            data.update(BLOCK_FIELDS[question.kind].initial(application))
        else:
            data[question.key] = answer_initial(question, answers.get(question.key))
    return data


def page_form(application: Any, page: FormPage, questions: list[FormQuestion], *, posted: bool) -> PageForm:
    """The page's form, filled from the request when ``posted``, else from the bid."""
    form_class = page_form_class(page, questions)
    form = form_class() if posted else form_class(data=initial_data(application, page, questions))
    for question in questions:
        if question.is_block:
            BLOCK_FIELDS[question.kind].prepare(form, application)
    return form


def uploaded_answers(application: Any, questions: list[FormQuestion]) -> dict[str, Document]:
    """The files already uploaded in answer to ``questions``, by question key (one query)."""
    ids = {
        question.key: (application.answers or {}).get(question.key)
        for question in questions
        if question.kind == "file" and isinstance((application.answers or {}).get(question.key), int)
    }
    if not ids:
        return {}
    documents = {
        document.id: document
        for document in db.session.scalars(
            db.select(Document).where(Document.id.in_(ids.values()), Document.application_id == application.id)
        )
    }
    return {key: documents[document_id] for key, document_id in ids.items() if document_id in documents}
