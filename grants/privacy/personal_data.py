"""Everything the service holds about one person, as a JSON document streamed a table at a time.

The tables are found, not listed: every column with a foreign key to ``users.id`` picks out rows of its
table; a table added later is in the download without a change here. Rows are matched only through
those foreign keys, never by an email address: registration does not prove that an address is the
person's, so a row that merely names an address (a partner contact on another organisation's bid, a
leadership participant, an email sent to a partner) is not theirs to download. One query per table,
read in batches, whatever the number of rows.

How a row is linked decides how much of it is shown:

- a *subject* link (a column not ending in ``_by_id``: ``user_id``, ``lead_applicant_id``,
  ``author_id``, ``reviewer_id``, ``enabler_id``, ``recipient_id``, ``owner_id``): the row is about
  them, so all of it, except columns describing someone's device (``*_ip``, ``*_user_agent``,
  ``ip_address``);
- an *actor* link (a column ending in ``_by_id``: issued, signed, revoked, added, requested, approved,
  decided, reviewed, recorded, assigned, confirmed, received, held, met, edited, submitted, uploaded,
  overridden by): they acted on someone else's record, so only that they did and when: the table, the
  row's key, the linking column and the row's timestamps (``*_at``, ``*_on``).

A row both ways is shown as a subject row. Every foreign key to ``users.id`` in ``grants/*/models.py``
follows the rule, with these special cases:

- ``grant_agreements.signed_by_id`` (actor) also carries ``signed_name``, ``signed_ip`` and
  ``signed_user_agent``: the signature is the signer's own (``ACTOR_OWN_COLUMNS``);
- ``notifications.recipient_id`` (subject): an email's ``body_text``, ``body_html`` and ``context``
  only when the row is linked to them by ``recipient_id`` and is not marked ``sensitive`` (a password
  reset link);
- ``users`` (their own row, with roles and organisation) and ``audit_events`` (``actor_id`` or their
  account as the object: action, object and time only) are read on their own;
- ``applications.answers`` (a bid's answers keyed by its round's question keys) is written as a list in
  the form's order, each answer with the question it answers (``answers_with_questions``);
- ``messages`` they wrote (``author_id``) also say what the conversation was about (``about``: the bid's or
  project's reference) and the names of the files sent with each (``files``), read once for all of them.

Never in it: a column whose name says it is a credential (``SECRET_WORDS``), and the same keys inside
JSON values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Table, and_, or_

from grants.applications.models import Application
from grants.bidforms.kinds import shown
from grants.bidforms.queries import Form, forms_of
from grants.conversations.models import Message
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.documents.models import Document
from grants.extensions import db
from grants.projects.models import Project

SECRET_WORDS = ("password", "hash", "secret", "token", "nonce", "digest", "totp")
# A link through a column named like this means the person acted on a row that is someone else's.
ACTOR_SUFFIX = "_by_id"
TIME_SUFFIXES = ("_at", "_on")
# Columns that describe a device someone used: shown only as part of the person's own signature.
DEVICE_SUFFIXES = ("_ip", "_user_agent", "ip_address")
# An actor link that also brings columns which are the person's own: (table, column) -> columns.
ACTOR_OWN_COLUMNS = {
    ("grant_agreements", "signed_by_id"): ("signed_name", "signed_ip", "signed_user_agent"),
}
# A message's content is shown only when linked to the person by this column and not sensitive.
CONTENT_LINKS = {"notifications": "recipient_id"}
SENSITIVE_FLAG = "sensitive"
SENSITIVE_CONTENT = frozenset({"body_text", "body_html", "context"})
# Read and handled on their own: the person's own row, and the append-only audit trail.
OWN_TABLES = frozenset({"users", "audit_events"})
AUDIT_COLUMNS = (AuditEvent.occurred_at, AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id)
BATCH = 500


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def is_derived(column: Column) -> bool:
    """Worked out by the database from other columns (a search's words): nothing a person gave."""
    return bool(column.info.get("derived"))


def is_device(name: str) -> bool:
    return name.lower().endswith(DEVICE_SUFFIXES)


def is_time(name: str) -> bool:
    return name.lower().endswith(TIME_SUFFIXES)


def is_actor_link(column: Column) -> bool:
    return column.name.lower().endswith(ACTOR_SUFFIX)


def json_value(value):
    """A value as JSON can carry it: times in ISO 8601 UTC, dates ISO, secrets left out of mappings."""
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items() if not is_secret(str(key))}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(item) for item in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    return value


def clean_row(mapping) -> dict:
    row = {key: json_value(value) for key, value in mapping.items() if not is_secret(key)}
    if row.get(SENSITIVE_FLAG):
        for key in SENSITIVE_CONTENT & row.keys():
            row[key] = None
    return row


# --- Where a person's data is ---------------------------------------------------------------------------


def user_columns(table: Table) -> list[Column]:
    """The table's columns that point at a person."""
    return [
        column
        for column in table.columns
        if any(key.column.table.name == "users" and key.column.name == "id" for key in column.foreign_keys)
    ]


@dataclass(frozen=True)
class Source:
    """A table with rows about people: its subject links (the row is about them) and its actor links
    (they did something to the row)."""

    table: Table
    subject: tuple[Column, ...]
    actor: tuple[Column, ...]

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.table.primary_key.columns)

    def actor_names(self, links: list[str]) -> list[str]:
        """What an actor row shows: its key, the links, its timestamps and the person's own columns."""
        own = [name for link in links for name in ACTOR_OWN_COLUMNS.get((self.table.name, link), ())]
        times = [column.name for column in self.table.columns if is_time(column.name)]
        wanted = {*self.key_names, *links, *times, *own}
        return [column.name for column in self.table.columns if column.name in wanted and not is_secret(column.name)]

    def statement(self, user_id: int):
        if self.subject:  # a row may be either: read it whole, decide row by row
            shown = [column for column in self.table.columns if not is_secret(column.name) and not is_derived(column)]
        else:  # only ever actor rows: never read what they may not see
            names = set(self.actor_names([column.name for column in self.actor]))
            shown = [column for column in self.table.columns if column.name in names]
        conditions = [column == user_id for column in (*self.subject, *self.actor)]
        order = list(self.table.primary_key.columns) or shown[:1]
        return db.select(*shown).where(or_(*conditions)).order_by(*order)

    def row(self, mapping, user_id: int) -> dict:
        """What the person may see of one matched row."""
        if any(mapping[column.name] == user_id for column in self.subject):
            own = {
                name
                for column in self.actor
                if mapping[column.name] == user_id
                for name in ACTOR_OWN_COLUMNS.get((self.table.name, column.name), ())
            }
            row = clean_row({key: value for key, value in mapping.items() if not is_device(key) or key in own})
            content_link = CONTENT_LINKS.get(self.table.name)
            if content_link and mapping.get(content_link) != user_id:
                for key in SENSITIVE_CONTENT & row.keys():
                    row[key] = None
            return row
        links = [column.name for column in self.actor if mapping[column.name] == user_id]
        return clean_row({name: mapping[name] for name in self.actor_names(links)})


def sources() -> list[Source]:
    """Every table that can hold rows about a person, by name."""
    found = []
    for table in sorted(db.metadata.tables.values(), key=lambda table: table.name):
        if table.name in OWN_TABLES:
            continue
        columns = user_columns(table)
        if columns:
            subject = tuple(column for column in columns if not is_actor_link(column))
            actor = tuple(column for column in columns if is_actor_link(column))
            found.append(Source(table, subject, actor))
    return found


def account_row(user_id: int) -> dict:
    """The person's own row, with their roles and organisation."""
    from grants.accounts.models import User

    user = db.session.get(User, user_id)
    row = clean_row({column.key: getattr(user, column.key) for column in User.__table__.columns})
    row["roles"] = sorted(role.value for role in user.roles)
    organisation = user.organisation
    row["organisation"] = (
        {"id": organisation.id, "name": organisation.name, "org_id": organisation.org_id} if organisation else None
    )
    return row


def audit_statement(user_id: int):
    """What they did, and what was done to their account: the action, the object and the time only."""
    return (
        db.select(*AUDIT_COLUMNS)
        .where(
            or_(
                AuditEvent.actor_id == user_id,
                and_(AuditEvent.object_type == "user", AuditEvent.object_id == str(user_id)),
            )
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )


# --- A bid's answers -------------------------------------------------------------------------------------


def bid_forms(user_id: int) -> dict[int, Form]:
    """The forms of the rounds of the bids they lead: what each of their answers answered."""
    round_ids = set(
        db.session.scalars(db.select(Application.round_id).where(Application.lead_applicant_id == user_id).distinct())
    )
    return forms_of(round_ids) if round_ids else {}


def answers_with_questions(answers: dict | None, form: Form | None) -> list[dict]:
    """Each answer with the question it answers, in the form's order; an answer to a question no longer
    on the form comes last, with no question (it is still theirs)."""
    answers = answers or {}
    known = form.by_key if form is not None else {}
    ordered = [key for key in known if key in answers] + [key for key in answers if key not in known]
    written = []
    for key in ordered:
        question = known.get(key)
        written.append(
            {
                "key": key,
                "question": question.title if question is not None else None,
                "answer": json_value(answers[key]),
                "in_words": shown(question, answers[key]) if question is not None else None,
            }
        )
    return written


# --- Their messages ---------------------------------------------------------------------------------------


def message_details(user_id: int) -> tuple[dict[int, str], dict[int, list[str]]]:
    """For the messages they wrote: what each conversation is about (the bid's or project's reference), and
    the names of the files sent with each. Two queries, however many messages."""
    about = {
        message_id: reference
        for message_id, reference in db.session.execute(
            db.select(Message.id, db.func.coalesce(Application.reference, Project.reference))
            .outerjoin(Application, Application.id == Message.application_id)
            .outerjoin(Project, Project.id == Message.project_id)
            .where(Message.author_id == user_id)
        )
    }
    files: dict[int, list[str]] = {}
    for message_id, name in db.session.execute(
        db.select(Document.message_id, Document.original_filename)
        .join(Message, Message.id == Document.message_id)
        .where(Message.author_id == user_id)
        .order_by(Document.id)
    ):
        files.setdefault(message_id, []).append(name)
    return about, files


def _shape_of(source: Source, user_id: int, forms: dict[int, Form]) -> Callable[[Any], dict]:
    """How a matched row of ``source`` is written: a bid with its answers beside their questions, a message
    with what it was about and its files' names."""
    if source.table.name == Message.__tablename__:
        about, files = message_details(user_id)

        def message(mapping) -> dict:
            row = source.row(mapping, user_id)
            row["about"] = about.get(mapping["id"])
            row["files"] = files.get(mapping["id"], [])
            return row

        return message
    if source.table.name != Application.__tablename__:
        return lambda mapping: source.row(mapping, user_id)

    def shape(mapping) -> dict:
        row = source.row(mapping, user_id)
        if "answers" in row:
            row["answers"] = answers_with_questions(mapping["answers"], forms.get(mapping["round_id"]))
        return row

    return shape


# --- The document ---------------------------------------------------------------------------------------


def _rows(statement, shape=clean_row) -> Iterator[dict]:
    result = db.session.execute(statement.execution_options(yield_per=BATCH))
    try:
        for row in result.mappings():
            yield shape(row)
    finally:
        result.close()


def _table_chunks(name: str, rows: Iterator[dict], first: bool) -> Iterator[str]:
    """``"name": [row, row]`` (nothing at all when there are no rows)."""
    started = False
    for row in rows:
        if not started:
            yield ("" if first else ", ") + json.dumps(name) + ": ["
            started = True
        else:
            yield ", "
        yield json.dumps(row, ensure_ascii=False, default=str)
    if started:
        yield "]"


def chunks(user_id: int, service_name: str) -> Iterator[str]:
    """The whole download as text chunks: its header, then each table that has rows about the person."""
    header = {"service": service_name, "generated_at": json_value(utcnow()), "person_id": user_id}
    yield json.dumps(header)[:-1] + ', "tables": {'
    yield from _table_chunks("users", iter([account_row(user_id)]), first=True)
    forms = bid_forms(user_id)
    for source in sources():
        rows = _rows(source.statement(user_id), _shape_of(source, user_id, forms))
        yield from _table_chunks(source.table.name, rows, first=False)
    yield from _table_chunks("audit_events", _rows(audit_statement(user_id)), first=False)
    yield "}}\n"
