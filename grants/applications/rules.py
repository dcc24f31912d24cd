"""What makes a section complete, the round's eligibility rules included. One set of rules for each
section serves the section page (marking it completed), the task list (what it shows) and the final
check before submission, so "completed" on the task list means the bid will not be refused for that
section. The only other reason to refuse a bid is the round's closing time (``round_problems``).

A partnership can be marked completed once its partners have been invited, before they answer: until
enough of them confirm, the task list shows it as waiting for partners, not completed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grants.applications.models import SECTIONS, Application, PartnerStatus
from grants.core.db import utcnow
from grants.core.money import format_pence


@dataclass(frozen=True)
class Problem:
    section: str
    field: str  # the bid's field it is about (``match_amount_pence``), shown beside the form field that carries it
    message: str
    # Put right by partners confirming their part, not by the applicant: the section can be marked
    # completed meanwhile, and the task list shows it as waiting for partners.
    waiting: bool = False


class Waiting(str):
    """A problem's message that only partners' answers can put right."""


def _partnership(app: Application):
    if not app.partners:
        yield "partners", "Add at least one partner organisation"
        return
    rule = app.round.rule
    answering = [partner for partner in app.partners if partner.status != PartnerStatus.DECLINED]
    confirmed = [partner for partner in answering if partner.status == PartnerStatus.CONFIRMED]
    # Only partners who have confirmed their part count towards the partnership's sectors.
    needed = rule["min_partner_sectors"]
    message = f"The lead organisation and its confirmed partners must come from at least {needed} sectors"
    if len(_sectors(app, confirmed)) < needed:
        # Partners still to answer could make up the sectors: wait for them; otherwise add a partner.
        yield "partners", Waiting(message) if len(_sectors(app, answering)) >= needed else message
    needed = rule["min_confirmed_partners"]
    message = f"At least {needed} partner{'s' if needed != 1 else ''} must confirm their part before you submit"
    if len(confirmed) < needed:
        yield "partners", Waiting(message) if len(answering) >= needed else message


def _sectors(app: Application, partners) -> set[str]:
    return {app.lead_organisation.sector} | {partner.organisation.sector for partner in partners}


def _issue(app: Application):
    if not app.title.strip():
        yield "title", "Enter a project title"
    if app.place_id is None:
        yield "place_id", "Select the place the project will benefit"
    if not app.themes:
        yield "themes", "Select at least one issue the project will tackle"
    elif any(theme not in app.round.themes for theme in app.themes):
        yield "themes", "Select only issues that this round funds"
    if not app.issue.strip():
        yield "issue", "Describe the issue"


def _vision(app: Application):
    if not app.shared_vision.strip():
        yield "shared_vision", "Describe your shared vision"


def _approach(app: Application):
    if not app.systems_leadership.strip():
        yield "systems_leadership", "Explain why a systems-leadership approach fits the issue"


def _outcomes(app: Application):
    if not app.outcomes.strip():
        yield "outcomes", "Describe the intended outcomes"
    if not app.measures:
        yield "measures", "Add at least one measure of success"
    for number, measure in enumerate(app.measures, start=1):
        if measure.target is None:
            yield "measures", f"Enter a target for measure {number}, {measure.name}"


def _match(app: Application):
    if not app.match_funder.strip():
        yield "match_funder", "Enter who has pledged the match funding"
    if app.match_amount_pence is None:
        yield "match_amount_pence", "Enter the amount pledged"
    elif app.round.rule["match_at_least_required"] and app.match_amount_pence < app.round.match_required_pence:
        yield (
            "match_amount_pence",
            f"The match funding pledged must be at least {format_pence(app.round.match_required_pence)}",
        )
    if app.match_evidence is None:
        yield "evidence", "Upload the pledge letter"


def _learning(app: Application):
    needed = app.round.rule["min_learning_commitments"]
    if not app.commitments:
        yield "commitments", "Add at least one learning commitment"
    elif len(app.commitments) < needed:
        yield "commitments", f"Make at least {needed} learning commitment{'s' if needed != 1 else ''}"
    for number, commitment in enumerate(app.commitments, start=1):
        if commitment.target_date is None:
            yield "commitments", f"Enter a target date for learning commitment {number}"


MIN_REQUEST_PENCE = 100_000  # £1,000: less is not a partnership grant, and tranches must each be whole pence


def _budget(app: Application):
    award = app.round.award_pence
    requested = app.amount_requested_pence
    if requested is None:
        yield "amount_requested_pence", "Enter the amount requested"
    elif requested < MIN_REQUEST_PENCE:
        yield "amount_requested_pence", f"The amount requested must be at least {format_pence(MIN_REQUEST_PENCE)}"
    elif requested > award:
        yield "amount_requested_pence", f"The amount requested must be {format_pence(award)} or less"
    if not app.budget_lines:
        yield "budget_lines", "Add at least one budget line"
    elif requested is not None and app.budget_total_pence != requested:
        yield (
            "budget_lines",
            (
                f"The budget lines add up to {format_pence(app.budget_total_pence)}; they must add up to the "
                f"amount requested, {format_pence(requested)}"
            ),
        )


RULES = {
    "partnership": _partnership,
    "issue": _issue,
    "vision": _vision,
    "approach": _approach,
    "outcomes": _outcomes,
    "match": _match,
    "learning": _learning,
    "budget": _budget,
}
assert set(RULES) == set(SECTIONS)


def section_problems(app: Application, section: str) -> list[Problem]:
    return [
        Problem(section, field, str(message), waiting=isinstance(message, Waiting))
        for field, message in RULES[section](app)
    ]


def section_status(app: Application, section: str) -> str:
    """What the task list shows: ``completed`` only when the section was marked completed and passes
    its rules now; ``waiting`` when marked completed and only partners' answers are missing;
    otherwise ``in_progress`` or ``not_started``."""
    state = app.section_state(section)
    if state != "completed":
        return state
    problems = section_problems(app, section)
    if not problems:
        return "completed"
    return "waiting" if all(problem.waiting for problem in problems) else "in_progress"


def bid_problems(app: Application) -> list[Problem]:
    """Every reason the bid cannot be submitted yet, section by section."""
    problems = []
    for section, title in SECTIONS.items():
        found = section_problems(app, section)
        if found:
            problems.extend(found)
        elif app.section_state(section) != "completed":
            problems.append(Problem(section, "section_states", f"Mark the section ‘{title}’ as completed"))
    return problems


def round_problems(app: Application, now: datetime | None = None) -> list[Problem]:
    """What refuses a bid besides its sections: the round's closing time."""
    if not app.round.is_accepting(now or utcnow()):
        return [Problem("round", "closes_at", "The round has closed: bids can no longer be submitted")]
    return []
