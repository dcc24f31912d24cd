"""The round a page is filtered by, from ``?round=`` in its web address: one rule for the dashboard, the
partnership map, the downloads page and the open data page.

- No value: the whole programme (``None``).
- A value that cannot be a round's number: ``RoundNotANumber`` (a 400 with a message).
- A round that is not there, or a draft round the person may not know of: ``NotFound`` (a 404).

Draft rounds are known only to the programme officers preparing them (``sees_draft_rounds``)."""

from __future__ import annotations

from flask import request

from grants.core.errors import GrantsError, NotFound
from grants.core.pagination import MAX_ID
from grants.core.permissions import Role
from grants.extensions import db
from grants.rounds.models import Round, RoundStatus

MAX_DIGITS = len(str(MAX_ID))


class RoundNotANumber(GrantsError):
    """The round in the web address is not a round number at all."""


def sees_draft_rounds(user) -> bool:
    """Draft rounds are known only to the programme officers preparing them."""
    return bool(user.is_authenticated and user.has_role(Role.PROGRAMME_OFFICER))


def _choose_again(page: str) -> str:
    return f"Go back to {page} and choose a round from the list."


def chosen_round(user, *, page: str, drafts: bool = True) -> Round | None:
    """The round in ``?round=`` as ``user`` may choose it on ``page`` (named in the messages, e.g. "the
    dashboard"). ``drafts=False`` for pages that never show a draft round, whoever looks."""
    value = (request.args.get("round") or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdecimal()) or len(value) > MAX_DIGITS or not 1 <= int(value) <= MAX_ID:
        raise RoundNotANumber(f"The round in the web address is not a round number. {_choose_again(page)}")
    round_ = db.session.get(Round, int(value))
    if round_ is None or (round_.status == RoundStatus.DRAFT and not (drafts and sees_draft_rounds(user))):
        raise NotFound(f"There is no round with that number. {_choose_again(page)}")
    return round_
