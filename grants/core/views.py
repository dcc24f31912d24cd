"""What routes do the same way in every area: keep a refusal in the audit trail (and nothing of the
refused change), and show a service's message next to the field it is about."""

from __future__ import annotations

from typing import Any

from grants.core import audit
from grants.core.errors import GrantsError
from grants.extensions import db


def record_refusal(action: str, obj: Any, error: GrantsError) -> None:
    """Roll back the refused change, then record and commit the refusal itself."""
    db.session.rollback()
    audit.record(action, obj, after={"reason": error.message})
    db.session.commit()


def show_error(form: Any, error: GrantsError, default: str) -> None:
    """The error's message on its field (``error.field``), or on ``default`` when the form has no such field."""
    name = getattr(error, "field", None)
    field = form[name] if name and name in form else form[default]
    field.errors = [*field.errors, error.message]
