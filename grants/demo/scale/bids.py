"""Five waves of the programme and their bids: three decided (the first archived), one being assessed
with the round the chair ranks, and one open, each asking the programme's form (the default). Each bid
has its themes, partners and, as far as it was written, its answers by question, budget, measures and
learning commitments; assessed bids have three reviewers'
conflict declarations and scores, and decided ones the chair's decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from grants.applications.models import (
    Application,
    ApplicationStatus,
    BudgetLine,
    CommitmentPlan,
    OutcomeMeasurePlan,
    Partner,
    application_themes,
)
from grants.bidforms.default import DEFAULT_FORM
from grants.bidforms.kinds import BLOCKS
from grants.bidforms.models import FormPage, FormQuestion
from grants.core.times import from_london
from grants.demo.history import at
from grants.demo.programme import CRITERION_QUESTIONS
from grants.demo.scale.base import DOMAIN, Bid, Round, Scale, SizeError, Sizes
from grants.demo.scale.people import person_name
from grants.demo.stories import STORIES, answers, partner_roles
from grants.extensions import db
from grants.rounds import models as rounds
from grants.rounds.models import SUGGESTED_RUBRIC, RubricCriterion, round_themes

ASSESSED = ("under_review", "approved", "reserve", "rejected")
SUBMITTED = ("submitted", "ineligible", *ASSESSED)


@dataclass(frozen=True)
class Wave:
    code: str
    status: str
    opens: int  # days from today
    closes: int
    months: int  # how long its projects run
    project_share: int  # per cent of the projects


WAVES = [
    Wave("NP1", "archived", -1000, -910, 12, 20),
    Wave("NP2", "decided", -700, -610, 24, 40),
    Wave("NP3", "decided", -420, -330, 18, 40),
    Wave("NP4", "assessing", -150, -60, 18, 0),
    Wave("NP5", "open", -20, 70, 18, 0),
]
RANKING_WAVE = "NP4"


def _split(total: int, shares: list[int]) -> list[int]:
    parts = [total * share // 100 for share in shares[:-1]]
    return [*parts, total - sum(parts)]


def _take(total: int, base: int, wanted: list[tuple[str, int]], rest: str) -> list[str]:
    """``total`` states: each wanted one at its per cent of ``base`` while there is room, the rest ``rest``."""
    states: list[str] = []
    for state, per_cent in wanted:
        states += [state] * min(total - len(states), base * per_cent // 100)
    return states + [rest] * (total - len(states))


def plan_states(sizes: Sizes) -> dict[str, list[str]]:
    """Each wave's bids by status. Which of a decided wave's assessed bids were approved, held in
    reserve or rejected is dealt out by their quality afterwards (``decide_by_quality``)."""
    decided = [wave for wave in WAVES if wave.project_share]
    shares = [wave.project_share for wave in decided]
    approved = _split(sizes.projects, shares)
    others = _split(sizes.decided_bids - sizes.projects, shares)
    plan = {}
    for wave, yes, no in zip(decided, approved, others, strict=True):
        total = yes + no
        wanted = [("draft", 2), ("withdrawn", 3), ("ineligible", 4), ("reserve", 4)]
        plan[wave.code] = ["approved"] * yes + _take(no, total, wanted, "rejected")
    extras = sizes.ranking_extras
    plan[RANKING_WAVE] = ["under_review"] * sizes.ranking_bids + _take(
        extras, extras, [("draft", 37), ("withdrawn", 25)], "ineligible"
    )
    plan["NP5"] = _take(sizes.open_round_bids, sizes.open_round_bids, [("submitted", 40)], "draft")
    return plan


def make_rounds(scale: Scale, plan: dict[str, list[str]]) -> None:
    rows = []
    for number, wave in enumerate(WAVES, start=1):
        places = plan[wave.code].count("approved") or max(1, scale.sizes.ranking_bids // 4)
        rows.append(
            {
                "code": wave.code,
                "title": f"Systems Leadership – Local Vision, national wave {number}",
                "summary": "Funding for local partnerships across England to tackle a wicked issue together.",
                "guidance": "Bids come from a lead organisation on behalf of a local partnership. Each funded "
                "project receives £27,000, matched by £10,000 from the local health and wellbeing board.",
                "opens_at": _midday(scale, wave.opens),
                "closes_at": _midday(scale, wave.closes),
                "assessment_deadline": scale.today + timedelta(days=wave.closes + 35),
                "award_pence": rounds.DEFAULT_AWARD_PENCE,
                "match_required_pence": rounds.DEFAULT_MATCH_PENCE,
                "match_funder_label": "the local health and wellbeing board",
                "places": places,
                "budget_pence": places * rounds.DEFAULT_AWARD_PENCE,
                "project_months": wave.months,
                "report_every_months": 3,
                "tranche_plan": list(rounds.DEFAULT_TRANCHE_PLAN),
                "agreement_template": None,
                "eligibility": dict(rounds.DEFAULT_ELIGIBILITY),
                "status": wave.status,
                "last_reference_number": 0,  # counted as the bids are sent (plan_bids)
                "created_at": _midday(scale, wave.opens - 30),
                "updated_at": _midday(scale, wave.opens - 30),
            }
        )
    ids = scale.writer.ids(rounds.Round, rows)
    for round_id, row, wave in zip(ids, rows, WAVES, strict=True):
        scale.rounds.append(
            Round(
                round_id,
                wave.code,
                wave.status,
                row["opens_at"],
                row["closes_at"],
                row["assessment_deadline"],
                wave.months,
                3,
            )
        )
    criteria = [
        {
            "round_id": r.id,
            "position": p,
            "title": t,
            "guidance": g,
            "weight": w,
            "scale_min": 0,
            "scale_max": 5,
            "question_keys": CRITERION_QUESTIONS.get(t, []),
        }
        for r in scale.rounds
        for p, (t, w, g) in enumerate(SUGGESTED_RUBRIC, start=1)
    ]
    for row, criterion_id in zip(criteria, scale.writer.ids(RubricCriterion, criteria), strict=True):
        next(r for r in scale.rounds if r.id == row["round_id"]).criteria.append((criterion_id, row["position"]))
    scale.writer.rows(round_themes, [{"round_id": r.id, "theme_id": t[0]} for r in scale.rounds for t in scale.themes])
    _forms(scale)


def _forms(scale: Scale) -> None:
    """Every wave asks the programme's own questions: the default form, written as rows like the rest."""
    pages = [
        {"round_id": r.id, "position": position, "key": key, "title": title, "description": description}
        for r in scale.rounds
        for position, (key, title, description, _) in enumerate(DEFAULT_FORM, start=1)
    ]
    questions = []
    for page, page_id in zip(pages, scale.writer.ids(FormPage, pages), strict=True):
        asked = DEFAULT_FORM[page["position"] - 1][3]
        questions += [_question(page["round_id"], page_id, number, values) for number, values in enumerate(asked, 1)]
    scale.writer.rows(FormQuestion, questions)
    for r in scale.rounds:
        r.pages = [key for key, *_ in DEFAULT_FORM]


def _question(round_id: int, page_id: int, position: int, values: dict) -> dict:
    block = BLOCKS.get(values["kind"])
    every_column = {
        "title": block.title if block else "",
        "hint": block.hint if block else "",
        "required": True,
        "max_words": None,
        "max_chars": None,
        "min_value": None,
        "max_value": None,
        "choices": [],
        "condition_key": None,
        "condition_value": None,
        "public_summary": False,
    }
    return every_column | values | {"round_id": round_id, "page_id": page_id, "position": position}


def _midday(scale: Scale, days: int) -> datetime:
    return from_london(datetime.combine(scale.today + timedelta(days=days), time(12, 0)))


def plan_bids(scale: Scale, plan: dict[str, list[str]]) -> None:
    """Who leads each bid (a different organisation for each bid of a round), what it is about, how
    good it is, and when it was started and sent."""
    organisations, rng = scale.organisations, scale.rng
    biggest = max(len(states) for states in plan.values())
    if biggest > len(organisations):
        raise SizeError(f"A round of {biggest:,} bids needs more lead organisations than the places allow.")
    for number, round_ in enumerate(scale.rounds):
        states = list(plan[round_.code])
        rng.shuffle(states)
        offset = number * len(organisations) // len(scale.rounds)
        submitted, started = 0, min(55, (scale.today - round_.opens_at.date()).days - 1)
        for index, state in enumerate(states):
            created = at(round_.opens_at.date() + timedelta(days=rng.randint(1, started)), rng.randint(8, 18))
            bid = Bid(
                round=round_,
                lead=organisations[(offset + index) % len(organisations)],
                status=state,
                theme=rng.randrange(len(scale.themes)),
                quality=min(1.0, max(0.0, rng.gauss(0.6, 0.2))),
                created_at=created,
            )
            if state in SUBMITTED or (state == "withdrawn" and rng.random() < 0.5):
                submitted += 1
                bid.reference = f"{round_.code}-{submitted:04d}"
                bid.submitted_at = at((created + timedelta(days=rng.randint(5, 20))).date(), rng.randint(8, 20))
            scale.bids.append(bid)
        db.session.execute(
            db.update(rounds.Round).where(rounds.Round.id == round_.id).values(last_reference_number=submitted)
        )


def make_bids(scale: Scale) -> None:
    rng, rows = scale.rng, []
    for bid in scale.bids:
        pages = bid.round.pages
        bid.sections = pages if bid.reference else pages[: rng.randint(1, len(pages) - 1)]
        slug = scale.themes[bid.theme][1]
        rows.append(_bid_row(scale, bid, STORIES[slug], bid.lead.place.town))
    for bid, bid_id in zip(scale.bids, scale.writer.ids(Application, rows), strict=True):
        bid.id = bid_id
    scale.writer.rows(
        application_themes, [{"application_id": bid.id, "theme_id": scale.themes[bid.theme][0]} for bid in scale.bids]
    )
    _partners(scale)
    _budgets(scale)
    _plans(scale)


def _bid_row(scale: Scale, bid: Bid, story: dict, town: str) -> dict:
    done = set(bid.sections)
    if "budget" in done:
        bid.amount_pence = scale.rng.choice([2_700_000, 2_700_000, 2_650_000, 2_500_000])
    if "issue" in done:
        bid.title = story["title"].format(place=town)
    withdrawn = bid.status == ApplicationStatus.WITHDRAWN
    withdrawn_at = at((bid.submitted_at or bid.created_at).date() + timedelta(days=scale.rng.randint(3, 25)))
    return {
        "round_id": bid.round.id,
        "reference": bid.reference,
        "lead_organisation_id": bid.lead.id,
        "lead_applicant_id": bid.lead.applicant_id,
        "status": bid.status,
        "title": bid.title,
        "place_id": bid.lead.place.id if "issue" in done else None,
        "answers": answers(story, town, bid.sections),
        "match_funder": f"{town} Health and Wellbeing Board" if "match" in done else "",
        "match_amount_pence": 1_000_000 if "match" in done else None,
        "amount_requested_pence": bid.amount_pence,
        "section_states": {section: "completed" for section in bid.sections},
        "submitted_at": bid.submitted_at,
        "withdrawn_at": withdrawn_at if withdrawn else None,
        "withdrawal_reason": "Our health and wellbeing board could not confirm the match funding this year."
        if withdrawn
        else None,
        "created_at": bid.created_at,
        "updated_at": bid.submitted_at or bid.created_at,
    }


def _partners(scale: Scale) -> None:
    """Two or three other organisations of the bid's place; confirmed by the time a bid was sent."""
    rng, roles = scale.rng, partner_roles()
    by_place: dict[int, list] = {}
    for organisation in scale.organisations:
        by_place.setdefault(organisation.place.id, []).append(organisation)
    rows = []
    for number, bid in enumerate(scale.bids):
        nearby = [o for o in by_place[bid.lead.place.id] if o is not bid.lead]
        chosen = rng.sample(nearby, min(len(nearby), rng.randint(2, 3)))
        invited = at(bid.created_at.date() + timedelta(days=1))
        for position, organisation in enumerate(chosen):
            state = "confirmed" if bid.reference or position == 0 else rng.choice(["confirmed", "invited", "declined"])
            rows.append(
                {
                    "application_id": bid.id,
                    "organisation_id": organisation.id,
                    "role": roles.get(
                        organisation.sector,
                        "Brings its people, its knowledge of the place and a seat at the partnership board.",
                    ),
                    "contact_name": person_name(number * 3 + position),
                    "contact_email": f"partner.{bid.id}.{position}@{DOMAIN}",
                    "status": state,
                    "invitation_nonce": f"{bid.id:016x}{position:016x}",
                    "invited_at": invited,
                    "responded_at": None
                    if state == "invited"
                    else min(invited + timedelta(days=2), bid.submitted_at or scale.now),
                    "response_note": None,
                }
            )
    scale.writer.rows(Partner, rows)


def _budgets(scale: Scale) -> None:
    rng, rows = scale.rng, []
    for bid in scale.bids:
        if bid.amount_pence is None:
            continue
        first, second = rng.choice([1_200_000, 1_350_000, 1_500_000]), rng.choice([600_000, 750_000, 900_000])
        lines = [
            ("Facilitated system workshops and action learning", first),
            ("Community and citizen voice work", second),
            ("Evaluation and sharing learning", bid.amount_pence - first - second),
        ]
        rows += [
            {"application_id": bid.id, "position": p, "description": d, "amount_pence": a}
            for p, (d, a) in enumerate(lines, start=1)
        ]
    scale.writer.rows(BudgetLine, rows)


def _plans(scale: Scale) -> None:
    """The measures and learning commitments each bid proposes; a funded project takes them on."""
    measures, commitments = [], []
    for bid in scale.bids:
        story = STORIES[scale.themes[bid.theme][1]]
        if "outcomes" in bid.sections:
            for position, (name, unit, baseline, target, direction) in enumerate(story["measures"], start=1):
                row = {"application_id": bid.id, "position": position, "name": name, "unit": unit}
                measures.append((bid, row | {"baseline": baseline, "target": target, "direction": direction}))
        if "learning" in bid.sections:
            closes = bid.round.closes_at.date()
            town = bid.lead.place.town
            for position, kind, description, days in (
                (1, "case_study", "Publish a case study of what changed.", 330 + bid.id % 90),
                (
                    2,
                    "apply_elsewhere",
                    f"Apply the approach to {story['next_issues'][1]} in {town}.",
                    450 + bid.id % 90,
                ),
            ):
                row = {"application_id": bid.id, "position": position, "kind": kind, "description": description}
                commitments.append((bid, row | {"target_date": closes + timedelta(days=days)}))
    for (bid, row), plan_id in zip(
        measures, scale.writer.ids(OutcomeMeasurePlan, [r for _, r in measures]), strict=True
    ):
        bid.measure_plans.append((plan_id, row))
    for (bid, row), plan_id in zip(
        commitments, scale.writer.ids(CommitmentPlan, [r for _, r in commitments]), strict=True
    ):
        bid.commitment_plans.append((plan_id, row))


def decide_by_quality(scale: Scale) -> None:
    """In each decided wave the best assessed bids are approved, the next few held in reserve."""
    for round_ in scale.rounds:
        bids = [
            bid
            for bid in scale.bids
            if bid.round is round_
            and bid.status in (ApplicationStatus.APPROVED, ApplicationStatus.RESERVE, ApplicationStatus.REJECTED)
        ]
        outcomes = sorted(bid.status for bid in bids)  # approved < rejected < reserve
        ordered = ["approved"] * outcomes.count("approved") + ["reserve"] * outcomes.count("reserve")
        ordered += ["rejected"] * outcomes.count("rejected")
        for bid, outcome in zip(sorted(bids, key=lambda b: -b.quality), ordered, strict=True):
            bid.status = outcome
