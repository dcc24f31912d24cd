"""Model base: one MetaData with a naming convention, UTC timestamps and small column helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, DateTime, Engine, MetaData, String, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, scoped_session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC. Every stored time is UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored as naive UTC
    and given its zone back on the way out. Naive datetimes are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store times as timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StatusColumn(TypeDecorator[StrEnum]):
    """A status column: stored as its plain string, read back as the member of its ``StrEnum``.

    The database keeps the words it always had (``'draft'``), so no migration and no native enum type;
    Python sees ``ApplicationStatus.DRAFT``, which is also equal to ``"draft"``. Values compared in a
    query are bound as the plain strings they are, so filtering on an unknown word finds nothing.
    """

    impl = String
    cache_ok = True

    def __init__(self, states: type[StrEnum], length: int = 20) -> None:
        super().__init__(length)
        self.states = states

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.states(value)


# Money is integer pence in a 64-bit column: a budget of millions of pounds must never overflow.
Money = BigInteger


class TimestampMixin:
    """``created_at`` and ``updated_at``, set by the database session in UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


def enable_sqlite_foreign_keys(engine: Engine) -> None:
    """SQLite ignores foreign keys unless asked on every connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _fk_pragma(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def insert_or_ignore(session: Session | scoped_session[Any], target: Any, index_elements: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (index_elements) DO NOTHING`` on PostgreSQL and SQLite alike, for a claim
    or a row that may already be there. Not a savepoint: on SQLite a savepoint opened as a transaction's
    first write commits when it is released. On PostgreSQL an insert that meets another transaction's
    uncommitted row waits for it, then inserts nothing if it committed."""
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(target).on_conflict_do_nothing(index_elements=index_elements)


def lock_and_refresh(session: Session | scoped_session[Any], instance: object) -> None:
    """Take the row lock on ``instance`` (waiting for anyone holding it), then reload it, so checks
    that follow see the latest committed state. Two requests cannot both act on the same old state."""
    from sqlalchemy import inspect, select

    mapper = inspect(instance).mapper
    key = [getattr(instance, column.key) for column in mapper.primary_key]
    condition = [column == value for column, value in zip(mapper.primary_key, key, strict=True)]
    session.execute(select(*mapper.primary_key).where(*condition).with_for_update())
    session.refresh(instance)


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Alembic's type comparison, except that SQLite's INTEGER and BIGINT are the same 64-bit
    storage there, so the difference is not a change worth a migration."""
    from sqlalchemy import Integer

    if context.dialect.name == "sqlite" and isinstance(inspected_type, Integer) and isinstance(metadata_type, Integer):
        return False
    return None  # Alembic's own comparison decides


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic compares every table, column and index except expression indexes marked
    ``info={"expression_index": True}``: the database rewrites their expression in its own words,
    so comparing the text would always see a change; and indexes marked ``info={"postgresql_only":
    True}``, which SQLite never has (Alembic does not read ``ddl_if``). Their migration writes them
    by hand."""
    if type_ != "index":
        return True
    model_index = compare_to if reflected else obj
    hand_written = ("expression_index", "postgresql_only")
    return not (model_index is not None and any(model_index.info.get(mark) for mark in hand_written))
