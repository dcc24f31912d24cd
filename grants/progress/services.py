"""Starting a compile of the progress report, one at a time, and the weekly digest to the steering group.

``start_compile`` and ``send_digest`` change state and never commit, like every service. ``run_compile``
is the exception: it is the whole job, in this process (for ``flask jobs compile-progress`` and the
weekly task), so it commits as a task does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy.exc import IntegrityError

from grants.accounts.models import User
from grants.core import audit
from grants.core.db import lock_and_refresh, utcnow
from grants.core.errors import GrantsError
from grants.core.jobs import enqueue_after_commit
from grants.core.times import format_datetime, to_london
from grants.extensions import db
from grants.notifications.services import queue_email
from grants.progress import queries
from grants.progress.compile import compile_progress, is_abandoned
from grants.progress.models import TRIGGERS, CompilationStatus, ProgressCompilation
from grants.progress.permissions import sees_small_groups
from grants.progress.report import portfolio_leadership


class CompileUnderWay(GrantsError):
    """A compile is queued or running already: there is only ever one at a time."""

    def __init__(self, compilation: ProgressCompilation | None = None):
        super().__init__(
            "A compile of the progress report is already under way. This page shows how far it has got; "
            "start another once it has finished."
        )
        self.compilation = compilation


def _abandon_stale(now: datetime, actor: Any) -> None:
    """A compile whose worker was stopped, or whose job was lost, would otherwise block every later one."""
    under_way = queries.active()
    if under_way is None or not is_abandoned(under_way, now):
        return
    lock_and_refresh(db.session, under_way)
    if not is_abandoned(under_way, now):  # it has just started after all
        return
    before = under_way.status
    under_way.status, under_way.finished_at = CompilationStatus.FAILED, now
    under_way.error = "Stopped without finishing: its job was lost or its worker was stopped."
    db.session.flush()
    audit.record("progress.compile_abandoned", under_way, actor=actor, before={"status": before})


def queue_compile(actor: Any, trigger: str) -> ProgressCompilation:
    """A new queued compilation, or ``CompileUnderWay`` if one is queued or running. Two requests at
    the same moment cannot both succeed: the database allows one active compilation."""
    if trigger not in TRIGGERS:
        raise ValueError(f"{trigger!r} is not a trigger of a compile")
    now = utcnow()
    _abandon_stale(now, actor)
    under_way = queries.active()
    if under_way is not None:
        raise CompileUnderWay(under_way)
    compilation = ProgressCompilation(
        status=CompilationStatus.QUEUED, trigger=trigger, requested_by_id=getattr(actor, "id", None), requested_at=now
    )
    try:
        with db.session.begin_nested():
            db.session.add(compilation)
    except IntegrityError:  # someone else's compile, started at the same moment
        raise CompileUnderWay() from None
    audit.record("progress.compile_requested", compilation, actor=actor, after={"trigger": trigger})
    return compilation


def start_compile(actor: Any, trigger: str = "officer") -> ProgressCompilation:
    """Queue a compile; its job is sent once the caller commits."""
    from grants.progress.tasks import compile_report

    compilation = queue_compile(actor, trigger)
    enqueue_after_commit(compile_report, compilation.id)
    return compilation


def run_compile(trigger: str = "cli", actor: Any = None) -> ProgressCompilation:
    """Queue a compile and compile it here and now. Commits. Raises ``CompileUnderWay`` if one is
    already queued or running; a compile that fails is returned ``failed``, with its error."""
    compilation = queue_compile(actor, trigger)
    db.session.commit()
    compiled = compile_progress(compilation.id)
    if compiled is None:  # committed just above, so it is there
        raise RuntimeError(f"compilation {compilation.id} was not found after it was queued")
    return compiled


# --- The weekly digest ------------------------------------------------------------------------------------


def digest_context(compilation: ProgressCompilation, user: User) -> dict[str, Any]:
    """What one person's digest says: the portfolio's figures, and the leadership shift as far as they
    may see it."""
    figures = cast("dict[str, Any]", compilation.figures)  # a compilation that is done has its figures
    leadership = portfolio_leadership(figures, staff=sees_small_groups(user))
    return {
        "name": user.name,
        "compilation_id": compilation.id,
        "compiled_at": format_datetime(compilation.finished_at),
        "projects": figures["projects"],
        # A report compiled before projects could end: every project was running, none given up.
        "live": figures.get("live", figures["projects"]),
        "by_rag": figures["by_rag"],
        "awarded_pence": figures["awarded_pence"],
        "released_pence": figures["released_pence"],
        "remaining_pence": figures["remaining_pence"],
        "not_paid_pence": figures.get("not_paid_pence", 0),
        "given_up": figures.get("given_up", 0),
        "given_up_pence": figures.get("given_up_pence", 0),
        "match_pence": figures["match_pence"],
        "measures": figures["measures"],
        "commitments": figures["commitments"],
        "leadership": {key: leadership[key] for key in ("shown", "pairs", "change", "min_group")},
    }


def send_digest(compilation: ProgressCompilation) -> int:
    """Email the compiled report's figures to every active steering member and chair, once each a week
    (ISO week, London time) however often this runs. Returns how many emails were queued now."""
    year, week, _ = to_london(utcnow()).date().isocalendar()
    queued = 0
    for user in queries.steering_group():
        notification = queue_email(
            user.email,
            "progress_digest",
            digest_context(compilation, user),
            user=user,
            dedupe_key=f"progress-digest:{year}-W{week}:{user.id}",
        )
        queued += notification is not None
    return queued
