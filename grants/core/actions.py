"""The one path every change a person asks for takes: the request's single commit point.

A state-changing route loads its object (404), checks permission (403) and validates its form, then
hands the change to ``carry_out``:

    if form.validate_on_submit():
        if (done := actions.carry_out(
            lambda: services.sign_agreement(agreement, actor=current_user, ...),
            refused=("funding.signature_refused", agreement),
            form=form, field="full_name",
            to=url_for("funding.project", project_id=project.id),
            message="You have signed the agreement.",
        )) is not None:
            return done
    return render_template(..., form=form), 400 if form.errors else 200

``carry_out`` claims the form's once-key (a creating form sent twice is carried out once), calls the
service, and then either

- commits once, flashes ``message`` and redirects to ``to`` (302, as Flask does); or
- on a refusal (any ``GrantsError`` the service raises) rolls back, records the refusal once in the
  audit trail, commits that record alone, and shows the message: next to the error's field on
  ``form`` (returning None, so the route draws its page again with a 400), through ``show`` when the
  route draws a page of its own, or else as a flash on the page the person goes back to.

A refusal the service has recorded itself (``GrantsError.recorded``, as when a wrong password is counted
towards a lockout) is kept as the service wrote it, not recorded again. A repeat of something already done
(``AlreadyDone``) is sent where the first one led, or drawn by ``repeat`` where an area answers a repeat
with a page of its own. A refusal of permission (``PermissionDenied``) or a missing object (``NotFound``)
is left to the error pages, which record it. Services never commit; no route commits for itself:
``record`` is the path for a request that changes nothing but leaves a trace (an export, a download)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import abort, flash, make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, NoInspectionAvailable
from werkzeug.wrappers import Response

from grants.core import audit, once
from grants.core.errors import AlreadyDone, GrantsError, NotFound, PermissionDenied, is_unique_violation
from grants.extensions import db

T = TypeVar("T")

Subject = Any  # a model instance the refusal is recorded against, or None for the request itself
Destination = str | Callable[[Any], "str | ResponseReturnValue"]
Message = str | Callable[[Any], str] | None

LOST_RACE = (
    "Someone made the same change at the same moment, so yours was not saved. "
    "Go back to the page to see how things stand now."
)


def carry_out(
    change: Callable[[], T],
    *,
    refused: tuple[str, Subject],
    to: Destination,
    message: Message = None,
    form: Any = None,
    field: str | None = None,
    fields: Mapping[str, str] | None = None,
    back: str | None = None,
    show: Callable[[GrantsError], ResponseReturnValue] | None = None,
    repeat: Callable[[GrantsError], ResponseReturnValue] | None = None,
    keep: Callable[[GrantsError], None] | None = None,
    category: str = "success",
    anonymous: bool = False,
    claim: bool = True,
) -> ResponseReturnValue | None:
    """Carry out ``change`` (one service call) as described above.

    ``refused``: the audit action and the object a refusal is recorded against.
    ``to``: where the person goes afterwards: an address, or a function of the change's result giving
    an address or a whole response (``page(...)``: a page shown once; a file).
    ``message``: flashed after the commit (text, or a function of the result).
    ``form``/``field``/``fields``: the form that shows a refusal, its default field, and how the
    service's field names map to the form's (by default a field of the same name, else ``field``).
    ``back``: where a refusal without a form goes (default: ``to`` when it is an address, else here).
    ``show``: draws the page for a refusal instead (after the refusal is recorded); None leaves it to
    ``form`` (unless ``show`` has put the problems on the form itself) or the flash.
    ``repeat``: likewise for a repeat, where an area answers one with a page.
    ``keep``: what a refusal still keeps, run after the rollback (recorded with the refusal).
    ``anonymous``: the person acts through an emailed link, so a refusal names no one signed in.
    ``claim``: False where ``form`` changes something that exists (the creating form's class, drawn to
    edit): each edit sent is carried out, and its key is not claimed.
    """
    claim = claim and form is not None
    if claim and (earlier := once.carried_out(form)) is not None:
        return earlier
    action, subject = refused
    try:
        result = change()
        outcome = to(result) if callable(to) else to
        if isinstance(outcome, str) and claim:
            once.led_to(form, outcome)
        _commit()
    except (PermissionDenied, NotFound):
        db.session.rollback()
        raise
    except AlreadyDone as error:
        refuse(action, subject, error, keep=keep, anonymous=anonymous)
        if repeat is not None:
            return repeat(error)
        flash(error.message, "important")
        return redirect(_address(to, back), 303)
    except GrantsError as error:
        refuse(action, subject, error, keep=keep, anonymous=anonymous)
        if show is not None and (page := show(error)) is not None:
            return page
        if form is not None:
            if not any(shown.errors for shown in form):  # unless ``show`` has put the problems on it
                show_on_field(form, error, field, fields)
            return None
        flash(error.message, "important")
        return redirect(_address(to, back))
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        refuse(action, subject, GrantsError(LOST_RACE), anonymous=anonymous)
        abort(409)
    text = message(result) if callable(message) else message
    if text:
        flash(text, category)
    return redirect(outcome) if isinstance(outcome, str) else outcome


def page(template: str, status: int = 200, **context: Any) -> Response:
    """A page as the outcome of a change (``to=lambda result: actions.page(...)``): a code shown once, a
    confirmation that is not a redirect."""
    return make_response(render_template(template, **context), status)


def record(action: str, subject: Subject = None, **details: Any) -> None:
    """Keep a trace of a request that changes nothing else (an export, a download), committed now."""
    audit.record(action, subject, **details)
    _commit()


def refuse(
    action: str,
    subject: Subject,
    error: GrantsError,
    *,
    keep: Callable[[GrantsError], None] | None = None,
    anonymous: bool = False,
) -> None:
    """Nothing of the refused change is kept; the refusal itself is, once, with what ``keep`` adds. A
    refusal the service has recorded itself (``error.recorded``: a wrong password, counted towards a
    lockout) keeps that record, and only that: the service raised it before changing anything else."""
    if error.recorded:
        _commit()
        return
    identity = _identity(subject)
    db.session.rollback()
    if keep is not None:
        keep(error)
    audit.record(action, after={"reason": error.message}, anonymous=anonymous, **identity)
    _commit()


def show_on_field(form: Any, error: GrantsError, default: str | None, fields: Mapping[str, str] | None = None) -> None:
    """The error's message on the form field its domain field maps to, or on ``default``."""
    name = getattr(error, "field", None)
    name = (fields or {}).get(name, name) if name else None
    if not (name and name in form):
        name = default if default and default in form else next(iter(form)).name
    target = form[name]
    target.errors = [*target.errors, error.message]


def _identity(subject: Subject) -> dict[str, Any]:
    """What the refusal names, read before the rollback expires (or removes) the object."""
    if subject is None:
        return {"object_type": "request", "object_id": request.path[:60]}
    subject = audit.unproxied(subject)  # the signed-in person, not Flask-Login's proxy of them
    object_id = _key_of(subject)
    if object_id is None:  # something the refused change itself was making: the request stands for it
        return {"object_type": audit.audit_type(subject), "object_id": None}
    return {"object_type": audit.audit_type(subject), "object_id": object_id}


def _key_of(subject: Any) -> Any:
    """The subject's id without loading anything: after a failed flush (a unique constraint met by a
    change made at the same moment) the session loads nothing until it is rolled back."""
    try:
        state = inspect(subject)
    except NoInspectionAvailable:  # not a row of the database (a dataset, a target)
        return getattr(subject, "id", None)
    if state.identity is not None and len(state.identity) == 1:
        return state.identity[0]
    return None  # not yet kept: something the refused change itself was making


def _address(to: Destination, back: str | None) -> str:
    if back is not None:
        return back
    return to if isinstance(to, str) else request.path


def _commit() -> None:
    """The request's one commit. Jobs queued by the change leave after it (``grants.core.jobs``)."""
    db.session.commit()
