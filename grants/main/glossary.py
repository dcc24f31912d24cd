"""The words the service uses that people may not know, explained once on the glossary page and linked
where they first appear on a page: ``{{ glossary_link("tranche") }}`` in a template."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup, escape


@dataclass(frozen=True)
class Term:
    slug: str  # the anchor on the glossary page
    term: str
    meaning: str


TERMS = (
    Term(
        "close-out",
        "Close-out",
        "The end of a project: its final report accepted, its money settled and its learning shared, "
        "checked before the project is closed.",
    ),
    Term(
        "conflict-of-interest",
        "Conflict of interest",
        "A link between a reviewer and a bid (their own organisation, a partner, a personal tie) that could "
        "colour their judgement. A reviewer who declares one never sees nor scores that bid.",
    ),
    Term(
        "enabler",
        "Enabler",
        "An experienced practitioner in systems leadership who supports a funded project: coaching its "
        "leaders, running workshops and logging what is shifting in the local system.",
    ),
    Term(
        "health-and-wellbeing-board",
        "Health and wellbeing board",
        "The local authority's board that brings together the NHS, public health, social care and others. "
        "Each funded project's board commits match funding.",
    ),
    Term(
        "learning-commitment",
        "Learning commitment",
        "A promise a project makes to share or apply what it learns: publish a case study, host a learning "
        "event, apply the approach to another issue, or contribute to the learning network.",
    ),
    Term(
        "match-funding",
        "Match funding",
        "Money that another funder, usually the local health and wellbeing board, commits alongside the "
        "grant (£10,000 for each project in the Local Vision programme).",
    ),
    Term(
        "moderation",
        "Moderation",
        "The steering group chair's review of the reviewers' scores for a bid, to settle disagreements "
        "before a decision.",
    ),
    Term(
        "outcome-measure",
        "Outcome measure",
        "Something a project counts to show that things are getting better, with where it starts (the "
        "baseline), where it aims to be (the target) and whether higher or lower is better.",
    ),
    Term(
        "rag",
        "RAG (red, amber, green)",
        "A project's status at a glance: green is on track, amber has risks being managed, red needs help "
        "now. Shown in words as well as colour.",
    ),
    Term(
        "reserve",
        "Reserve",
        "A bid the steering group would fund if money or a place becomes free, for example when a funded "
        "project gives up its award.",
    ),
    Term(
        "self-assessment",
        "Self-assessment",
        "Leaders scoring themselves against the leadership framework at the start, the middle and the end "
        "of a project, to show how their leadership has shifted.",
    ),
    Term(
        "steering-group",
        "Steering group",
        "The group that oversees the programme: its members score bids and its chairs moderate the scores "
        "and decide which bids are funded.",
    ),
    Term(
        "systems-leadership",
        "Systems leadership",
        "Leading across organisations, none of which is in charge: building shared purpose, relationships "
        "and ownership so that the whole local system changes, not one service.",
    ),
    Term(
        "tranche",
        "Tranche",
        "One instalment of a grant. A project's grant is paid in tranches (by default 50%, 30% and 20%), "
        "each released when its conditions are met and two people have signed it off.",
    ),
    Term(
        "wicked-issue",
        "Wicked issue",
        "A problem no single organisation can solve because its causes cross many services, such as "
        "safeguarding, alcohol misuse or food poverty.",
    ),
)
BY_SLUG = {term.slug: term for term in TERMS}


def glossary_link(slug: str, text: str | None = None) -> Markup:
    """A link to ``slug``'s entry in the glossary; its text is the term itself, in lower case, unless
    given. An unknown slug is a mistake in a template, so it fails loudly."""
    term = BY_SLUG[slug]
    words = text if text is not None else term.term.lower()
    href = url_for("main.glossary", _anchor=slug)
    return Markup(f'<a class="govuk-link" href="{escape(href)}">{escape(words)}</a>')  # noqa: S704  # nosec B704
