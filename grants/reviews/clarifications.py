"""The clarifications beside a bid for those assessing it: the programme team's clarification requests and
the applicant's answers (never the rest of the conversation), the person's own requests to the programme
team, and, while the bid is assessed, the form to ask another (``reviews.ask_team``).

The reviewer's bid page and the chair's bid page both show the section; a request sent from either comes
back to it (``PAGES``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from grants.applications.models import Application
from grants.conversations import permissions, queries
from grants.conversations.models import Message
from grants.conversations.queries import Clarification
from grants.reviews.forms import AskTeamForm

REVIEW_PAGE, ASSESSMENT_PAGE = "review", "assessment"
PAGES = (REVIEW_PAGE, ASSESSMENT_PAGE)
ASKED = "Your question has been sent to the programme team. They will decide what to ask the applicant."
STATE_TAGS = {
    "asked": ("Clarification asked", "govuk-tag--yellow"),
    "answered": ("Clarification answered", "govuk-tag--blue"),
}


@dataclass
class ClarificationsSection:
    clarifications: list[Clarification]
    asks: list[Message]  # the person's own requests to the programme team, oldest first
    form: AskTeamForm | None  # None: the person may not ask now (an officer, or the bid is no longer assessed)
    action: str
    conversation: str | None  # the whole conversation, for those taking part in it (the programme team)

    @property
    def errors(self) -> bool:
        return bool(self.form is not None and self.form.errors)


def section(user, application: Application, *, page: str, form: AskTeamForm | None = None) -> ClarificationsSection:
    """What the section shows ``user`` beside ``application``, on ``page`` (one of ``PAGES``). The caller
    has made sure the person may see the bid; this reads two lists, whatever their length."""
    asking = permissions.can_ask_programme_team(user, application)
    if asking and form is None:
        form = AskTeamForm(formdata=None)
    in_conversation = permissions.side_on_bid(user, application) is not None
    return ClarificationsSection(
        clarifications=queries.clarifications_of(application.id),
        asks=queries.asks_by(user.id, application.id),
        form=form if asking else None,
        action=url_for("reviews.ask_team", application_id=application.id, page=page),
        conversation=url_for("conversations.bid", application_id=application.id) if in_conversation else None,
    )


def state_tag(state: str | None) -> dict[str, str] | None:
    """The ranking's tag for a bid's clarifications (``queries.clarification_states``), or None."""
    if state not in STATE_TAGS:
        return None
    text, classes = STATE_TAGS[state]
    return {"text": text, "classes": classes}
