"""Domain errors raised by services. Routes turn them into messages; nothing half-changes."""

from __future__ import annotations


class GrantsError(Exception):
    """Base class: a request the service refuses, with a message fit to show the person. ``field`` names
    the domain field the refusal is about (``amount_pence``, ``due_on``), never a form's field name: the
    action path (``grants.core.actions``) shows the message next to the form field that carries it."""

    field: str | None = None
    recorded: bool = False

    def __init__(self, message: str, field: str | None = None, *, recorded: bool = False):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field
        if recorded:  # the service has written the refusal's record itself (a failed sign-in, counted)
            self.recorded = True


class AlreadyDone(GrantsError):
    """The change has already been made (a second press of the same button): the repeat is sent where the
    first one led, with this message, and nothing happens twice."""


class InvalidTransition(GrantsError):
    """A state change that the thing's workflow does not allow from its current state."""

    def __init__(self, thing: str, current: str, target: str, message: str | None = None):
        self.thing, self.current, self.target = thing, current, target
        article = "An" if thing[:1].lower() in "aeiou" else "A"
        super().__init__(
            message or f"{article} {_words(thing)} that is {_words(current)} cannot become {_words(target)}."
        )


class PermissionDenied(GrantsError):
    """The person may not do this to this object."""

    def __init__(self, message: str = "You do not have permission to do that."):
        super().__init__(message)


class NotFound(GrantsError):
    """The object does not exist (or the person may not know that it does)."""

    def __init__(self, message: str = "Page not found"):
        super().__init__(message)


def is_unique_violation(error: Exception) -> bool:
    """Whether a database error is a unique constraint refusing a second copy of something (on PostgreSQL
    or SQLite), as when two requests make the same thing at the same moment."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) == "23505":  # PostgreSQL's unique_violation
        return True
    return "UNIQUE constraint failed" in str(original or "")


def _words(state: str) -> str:
    return state.replace("_", " ")
