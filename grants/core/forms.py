"""Form fields every area shares: money, dates, times, whole numbers and yes/no questions, each with
GOV.UK widgets and messages that say what to do, never a crash on odd input."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import Field, RadioField, StringField, validators
from wtforms.fields.choices import SelectChoice

from grants.core.inputs import govuk_radios, govuk_select, govuk_textarea
from grants.core.money import MoneyError, format_pence, parse_pounds
from grants.core.times import from_london, to_london


class MoneyField(StringField):
    """An amount typed in pounds (``27,000`` or ``£27,000.00``); ``data`` is integer pence or None."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if self.raw_text:
            try:
                self.data = parse_pounds(self.raw_text)
            except MoneyError as error:
                raise ValueError(f"{self.label.text}: {error.args[0].lower()}") from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_pence(self.data)[1:].replace(",", "") if self.data is not None else ""


class WholeNumberField(StringField):
    """A whole number; ``data`` is an int or None. Says which field and what is wrong."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, minimum: int | None = None, maximum: int | None = None, **kw):
        super().__init__(label, validators, **kw)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        self.data = None
        if not text:
            return
        if not re.fullmatch(r"-?\d{1,12}", text):
            raise ValueError(f"{self.label.text} must be a whole number, like 25")
        number = int(text)
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{self.label.text} must be {self.minimum} or more")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"{self.label.text} must be {self.maximum} or fewer")
        self.data = number

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class NumberField(StringField):
    """A number that may have decimals (a baseline or a target); ``data`` is a float or None."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        self.data = None
        if not text:
            return
        if not re.fullmatch(r"-?\d{1,12}(\.\d{1,4})?", text):
            raise ValueError(f"{self.label.text} must be a number, like 120 or 12.5")
        self.data = float(text)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data:g}"


class DateInputField(Field):
    """A GOV.UK date input (day, month, year). ``data`` is a ``date`` or None."""

    widget = GovDateInput()

    def process_formdata(self, valuelist):
        parts = [str(part).strip() for part in (valuelist or [])][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if missing:
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2027")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2027") from None

    def _value(self):
        return ""


_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")


def parse_time(text: str) -> time:
    """``5pm``, ``5:30pm``, ``17:30``, ``12 midday`` → a time. Raises ValueError."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned in {"midday", "noon", "12midday"}:
        return time(12, 0)
    if cleaned in {"midnight", "12midnight"}:
        return time(0, 0)
    match = _TIME.match(cleaned)
    if not match:
        raise ValueError(text)
    hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(text)
    return time(hour, minute)


class TimeField(StringField):
    """A time of day typed as ``5pm`` or ``17:00``. ``data`` is a ``time`` or None."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = parse_time(text)
            except ValueError:
                raise ValueError(f"{self.label.text} must be a time, like 5pm or 17:00") from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return self.data.strftime("%H:%M")


def london_datetime(day: date | None, at: time | None) -> datetime | None:
    """The UTC instant of a London wall-clock date and time."""
    if day is None or at is None:
        return None
    return from_london(datetime.combine(day, at))


def split_london(value: datetime | None) -> tuple[date | None, time | None]:
    if value is None:
        return None, None
    local = to_london(value)
    return local.date(), local.time().replace(second=0, microsecond=0)


class QuickGovSelect(GovSelect):
    """GovSelect built in Python (``govuk_select``, the macro's markup) for selects with many options: the
    macro took 14 ms for 300 places. Whatever ``govuk_select`` does not understand goes to the macro."""

    def render(self, params):
        try:
            return govuk_select(params)
        except ValueError:
            return super().render(params)


class QuickGovRadioInput(GovRadioInput):
    """GovRadioInput built in Python (``govuk_radios``, the macro's markup): the macro renders a label
    macro and an attributes macro for each choice (3 ms for the four of a RAG). Whatever ``govuk_radios``
    does not understand (a hint or a conditional reveal on a choice) goes to the macro."""

    def render(self, params):
        try:
            return govuk_radios(params)
        except ValueError:
            return super().render(params)


class QuickGovTextArea(GovTextArea):
    """GovTextArea built in Python (``govuk_textarea``, the macro's markup); whatever it does not
    understand goes to the macro."""

    def render(self, params):
        try:
            return govuk_textarea(params)
        except ValueError:
            return super().render(params)


class YesNoField(RadioField):
    """A yes/no question as GOV.UK radios; ``data`` is ``"yes"``, ``"no"`` or None."""

    widget = GovRadioInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("choices", [SelectChoice("yes", "Yes"), SelectChoice("no", "No")])
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        if self.data not in (None, "yes", "no"):
            raise validators.ValidationError("Select yes or no")


# Control characters that no one types and XML cannot carry (tabs and line breaks are kept): pasted
# from word processors, they would break the Atom feed and exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value):
    """A WTForms filter: control characters dropped and surrounding spaces removed, so "   " counts
    as empty."""
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else value


class Required:
    """The field must have a value after it has been read: ``0`` counts, spaces do not.

    For the fields above (money, numbers, dates, times), where ``InputRequired`` would accept spaces
    and ``DataRequired`` would refuse a valid zero.
    """

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        from wtforms.validators import StopValidation

        if field.errors:  # could not be read: that message says more
            raise StopValidation()
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            field.errors[:] = []
            raise StopValidation(self.message)


class Length(validators.Length):
    """WTForms' Length with a message in words, naming the field: "Postcode must be 10 characters or fewer"."""

    def __call__(self, form, field):
        if self.message is None:
            name = re.sub(r"\s*\(.*\)$", "", field.label.text).rstrip("?")
            if self.max != -1 and len(field.data or "") > self.max:
                raise validators.ValidationError(f"{name} must be {self.max:,} characters or fewer")
            if self.min != -1 and len(field.data or "") < self.min:
                raise validators.ValidationError(f"{name} must be {self.min:,} characters or more")
            return
        super().__call__(form, field)


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels with it."""
