"""A form that creates something is carried out once, however often it is sent.

A double click, a browser's "resend" or an impatient second press would otherwise add the same learning
item, update or partner twice. Each form that creates something (``OnceForm``) carries a random key made
when the page is drawn. The route claims the key in the same transaction as what it creates:

    if form.validate_on_submit():
        if (earlier := once.carried_out(form)) is not None:
            return earlier                       # where the first submission led
        item = services.create(...)
        location = url_for("area.item", item_id=item.id)
        once.led_to(form, location)
        db.session.commit()
        return redirect(location)

A second submission of the same page finds the claim and is sent where the first one led. Two sent at
the same moment: on PostgreSQL the second insert of the key waits for the first transaction, then finds
it; if the first was rolled back (refused, invalid), the key is free and the second is carried out.
GOV.UK Frontend's ``preventDoubleClick`` on every button (``grants.js``) stops most double clicks
before they leave the browser; this is the rule that holds without it.

Claims are kept for ``KEEP_DAYS`` days; ``prune`` removes older ones (daily, from Celery beat)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from celery import shared_task
from flask import flash, redirect, request
from flask_login import current_user
from sqlalchemy import ForeignKey, String, UniqueConstraint, delete
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Response
from wtforms import HiddenField

from grants.core.db import UTCDateTime, insert_or_ignore, utcnow
from grants.extensions import Model, db

KEEP_DAYS = 2
KEY = re.compile(r"[A-Za-z0-9_-]{20,64}")
ALREADY = "That form had already been sent, so it was not carried out again. This is what it saved."


class FormSubmission(Model):
    """A creating form's key, claimed by the first submission that carried it out, and where it led."""

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_form_submissions_user_id_key"),)


def new_key() -> str:
    return secrets.token_urlsafe(24)


class OnceMixin:
    """Mixed into a FlaskForm that creates something: the hidden key of this drawing of the page."""

    submission = HiddenField(default=new_key)


def _key(form: Any) -> str | None:
    """The key sent with the form, or None when there is none fit to use (an old page, a hand-made post):
    such a submission is carried out as before, without the protection."""
    sent = form.submission.raw_data if "submission" in form else None  # as sent, never the field's default
    value = sent[0] if sent else None
    return value if isinstance(value, str) and KEY.fullmatch(value) else None


def _earlier(key: str) -> FormSubmission | None:
    earlier: FormSubmission | None = db.session.scalar(
        db.select(FormSubmission).where(FormSubmission.user_id == current_user.id, FormSubmission.key == key)
    )
    return earlier


def _to_earlier(earlier: FormSubmission | None) -> Response:
    flash(ALREADY, "important")
    return redirect(earlier.location if earlier is not None and earlier.location else request.path, code=303)


def sent_before(form: Any) -> Response | None:
    """Before validating: a redirect to where an earlier submission of this page led, or None. For a form
    whose choices change once it has been carried out (a condition of a kind the tranche now has), so
    that a repeat would no longer validate. Claims nothing: ``carried_out`` still does that."""
    key = _key(form) if request.method == "POST" else None
    if key is None or not current_user.is_authenticated:
        return None
    earlier = _earlier(key)
    return _to_earlier(earlier) if earlier is not None else None


def carried_out(form: Any) -> Response | None:
    """None when this submission is the first with its key (the key is now claimed in the current
    transaction); otherwise a redirect to where the first one led, with a message."""
    key = _key(form)
    if key is None or not current_user.is_authenticated:
        return None
    # On PostgreSQL a second claim of the same key waits here for the first transaction: it inserts
    # nothing if that one commits, and claims the key if it rolls back.
    table = FormSubmission.__table__
    claimed = db.session.execute(
        insert_or_ignore(db.session, table, ["user_id", "key"])
        .values(user_id=current_user.id, key=key, created_at=utcnow())
        .returning(table.c.id)
    ).first()
    return None if claimed is not None else _to_earlier(_earlier(key))


def led_to(form: Any, location: str) -> None:
    """Where this submission led, kept with its claim (in the same transaction) for a repeat to follow."""
    key = _key(form)
    if key is None or not current_user.is_authenticated:
        return
    db.session.execute(
        db.update(FormSubmission)
        .where(FormSubmission.user_id == current_user.id, FormSubmission.key == key)
        .values(location=location[:500])
    )


def prune(now: datetime | None = None) -> int:
    """Forget claims older than ``KEEP_DAYS``: a page that old is sent again as a new submission."""
    cutoff = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    result = db.session.execute(delete(FormSubmission).where(FormSubmission.created_at < cutoff))
    return cast("CursorResult[Any]", result).rowcount


@shared_task(name="core.forget_form_submissions")  # type: ignore[untyped-decorator]  # Celery ships no types
def forget_old_submissions() -> int:
    removed = prune()
    db.session.commit()
    return removed
