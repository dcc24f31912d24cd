"""A resource of the API declared once. Each field says what its value is (its JSON Schema), whether it
may be null, what it means, and where it comes from; from that one declaration come both the record
the API answers, ``resource(record)``, and the resource's component schema in the OpenAPI document,
``resource.schema()``.

    place = Resource("Place", "A local authority area.", [Field("name", STRING), ...])

A field reads the record's attribute of its name unless told otherwise (``read=``); a ``given``
field's value is worked out by the view, which passes it by name: ``project(record, released_pence=0)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

CURRENCY = "GBP"


def utc(value: datetime | None) -> str | None:
    """A time in UTC, to the second: ``2026-11-22T09:53:00Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _as_is(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Type:
    """A kind of value: its JSON Schema, and how a record's value is written as JSON."""

    schema: dict
    write: Callable[[Any], Any] = _as_is


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    schema = deepcopy(schema)
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    schema["type"] = [schema["type"], "null"]
    return schema


def object_schema(properties: dict, description: str | None = None) -> dict:
    """A strict object: every property required, no others allowed."""
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


STRING = Type({"type": "string"})
INTEGER = Type({"type": "integer"})
POSITIVE = Type({"type": "integer", "minimum": 1})
ID = POSITIVE
PENCE = Type({"type": "integer", "description": "An amount in whole pence."})
GBP = Type({"type": "string", "const": CURRENCY})
DATE = Type({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}, day)
UTC_TIME = Type({"type": "string", "format": "date-time", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}, utc)


def enum(values: Iterable[str]) -> Type:
    return Type({"type": "string", "enum": list(values)})


def array(of: Type) -> Type:
    return Type({"type": "array", "items": of.schema}, lambda values: [of.write(value) for value in values])


_NOT_GIVEN = object()


@dataclass(frozen=True)
class Field:
    """One property of a resource. ``read(record)`` finds its value (default: the record's attribute of
    the field's name); a ``given`` field takes the value the view passes by name, ``default`` if none."""

    name: str
    type: Type
    nullable: bool = False
    description: str | None = None
    read: Callable[[Any], Any] | None = None
    given: bool = False
    default: Any = None

    def schema(self) -> dict:
        schema = deepcopy(self.type.schema)
        if self.description:
            schema["description"] = self.description
        return nullable(schema) if self.nullable else schema

    def value(self, record: Any, given: dict[str, Any]) -> Any:
        if self.given:
            value = given.get(self.name, self.default)
        elif self.read is not None:
            value = self.read(record)
        else:
            value = getattr(record, self.name)
        return None if value is None else self.type.write(value)


def currency() -> Field:
    """The currency of a record's ``*_pence`` amounts: always pounds sterling."""
    return Field("currency", GBP, read=lambda _record: CURRENCY)


class Resource:
    """A record the API shows, and its component in the OpenAPI document, from one list of fields."""

    def __init__(self, name: str, description: str | None, fields: Iterable[Field]):
        self.name, self.description, self.fields = name, description, tuple(fields)
        names = [field.name for field in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{name} declares a field twice")
        self.given = {field.name for field in self.fields if field.given}

    def __repr__(self) -> str:
        return f"<Resource {self.name}>"

    def __call__(self, record: Any, **given: Any) -> dict:
        unknown = set(given) - self.given
        if unknown:
            raise TypeError(f"{self.name} has no given field {sorted(unknown)[0]!r}")
        return {field.name: field.value(record, given) for field in self.fields}

    @property
    def type(self) -> Type:
        """This resource inside another: a reference to its component."""
        return Type(ref(self.name), self)

    def extended(self, name: str, description: str | None, fields: Iterable[Field]) -> Resource:
        """This resource's fields followed by more, as another resource."""
        return Resource(name, description, [*self.fields, *fields])

    def schema(self) -> dict:
        return object_schema({field.name: field.schema() for field in self.fields}, self.description)
