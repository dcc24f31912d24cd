"""Wave 1's monitoring, halfway through two-year projects: progress reports in every state (in step
with how far each project's money has got), milestones done and overdue, outcome measures with their
values, and leadership self-assessments at the start (closed) and halfway (still open) that show a
believable shift (the last, at the end of the project, is still to come)."""

from __future__ import annotations

import random
from datetime import timedelta

from grants.accounts.models import User
from grants.core.dates import add_months
from grants.demo.history import at, happening_at, past_event, today
from grants.extensions import db
from grants.leadership.kept import keep_shifts
from grants.leadership.models import (
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentScore,
    Participant,
    StageClosure,
)
from grants.leadership.services import digest, ensure_framework
from grants.monitoring.models import Milestone, OutcomeMeasure, OutcomeValue, ProgressReport, ReportStatus
from grants.projects.models import Project

# The fourth regular report (its period ended last month) is the one the second tranche waits for:
# accepted where that tranche is ready or paid (demo.funding.PLAN), otherwise in one of these states,
# by the project's position. The three before it are accepted; the rest and the final report are to come.
FOURTH_REPORT_WAITING = {
    0: "submitted",
    1: "changes_requested",
    2: "due",  # overdue: shown so to the project team and the programme officers
    3: "submitted",
    5: "changes_requested",  # the demo's project lead revises it
    12: "due",
}
NARRATIVES = [
    "The partnership board met monthly. We mapped the journey of twelve residents across services and found "
    "four hand-offs where nobody was responsible.",
    "Frontline staff from the council, the NHS trust and two charities ran a joint pilot in one neighbourhood, "
    "with the enabler facilitating fortnightly reflection sessions.",
    "We held a citizens' panel of 24 residents, who chose the two priorities the partnership now works on.",
]
CHANGES = [
    "Decisions about the pilot are now made at the partnership board, not in each organisation separately.",
    "The police and the NHS now share a single referral route, agreed by their front-line managers.",
    "Partners now bring their own data to the board and discuss it openly, including what is not working.",
]
# (title, month in a twelve-month project: longer projects reach it proportionally later)
MILESTONES = [
    ("Partnership agreement signed by every partner", 2),
    ("Citizens' panel meets for the first time", 4),
    ("Shared data dashboard in use by the partnership board", 7),
    ("Pilot extended to a second neighbourhood", 10),
]
FIRST_NAMES = ["Amira", "Ben", "Carys", "Dev", "Ellen", "Femi", "Grace", "Hamid", "Isla", "Joe", "Kiran", "Lucy"]
LAST_NAMES = ["Ahmed", "Barker", "Chen", "Doyle", "Evans", "Farah", "Gill", "Hughes", "Iqbal", "Jones"]


def seed_monitoring(officer: User | None) -> None:
    if officer is None or db.session.scalar(
        db.select(ProgressReport.id).where(ProgressReport.status != ReportStatus.DUE).limit(1)
    ):
        return
    rng = random.Random(77)
    projects = db.session.scalars(
        db.select(Project).where(Project.reference.like("LV1-%")).order_by(Project.reference)
    ).all()
    for number, project in enumerate(projects):
        _reports(project, FOURTH_REPORT_WAITING.get(number, "accepted"), officer, rng, number)
        _milestones(project, rng)
    db.session.flush()
    _self_assessments(projects, rng)
    db.session.flush()


def _reports(project: Project, fourth: str, officer: User, rng: random.Random, number: int) -> None:
    lead = project.application.lead_applicant
    reports = db.session.scalars(
        db.select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.sequence)
    ).all()
    states = ["accepted"] * 3 + [fourth]
    states += ["due"] * (len(reports) - len(states))
    measures = db.session.scalars(db.select(OutcomeMeasure).where(OutcomeMeasure.project_id == project.id)).all()
    written = list(zip(reports, states, strict=True))
    for index, (report, state) in enumerate(written, start=1):
        if state == "due" or report.period_end >= today():
            continue
        report.narrative = NARRATIVES[(number + index) % len(NARRATIVES)]
        report.partnership_change = CHANGES[(number + index) % len(CHANGES)]
        report.rag = rng.choice(["green", "green", "amber"])
        report.submitted_at, report.submitted_by_id = at(report.due_on - timedelta(days=3)), lead.id
        report.submissions = 1
        report.status = state
        past_event("monitoring.report_submitted", report, report.submitted_at, lead, {"status": "submitted"})
        if state in ("accepted", "changes_requested"):
            report.reviewed_at, report.reviewed_by_id = at(report.due_on + timedelta(days=7), 14), officer.id
            report.review_comment = (
                None
                if state == "accepted"
                else "Please add the outcome figures for the period and say what the citizens' panel decided."
            )
            past_event(f"monitoring.report_{state}", report, report.reviewed_at, officer, {"status": state})
        for measure in measures:
            _value(measure, report, index / len(written), rng, lead)


def _value(measure: OutcomeMeasure, report: ProgressReport, progress: float, rng: random.Random, lead: User) -> None:
    if measure.baseline is None or measure.target is None:
        return
    value = measure.baseline + (measure.target - measure.baseline) * progress * rng.uniform(0.6, 1.1)
    db.session.add(
        OutcomeValue(
            measure_id=measure.id,
            report_id=report.id,
            recorded_on=report.period_end,
            value=round(value, 1),
            recorded_by_id=lead.id,
        )
    )


def _milestones(project: Project, rng: random.Random) -> None:
    for title, month in MILESTONES:
        due = project.starts_on + timedelta(days=month * project.round.project_months * 30 // 12)
        done = due + timedelta(days=rng.randint(-20, 25)) if rng.random() < 0.75 else None
        db.session.add(
            Milestone(
                project_id=project.id,
                title=title,
                due_on=due,
                done_on=done if done and done < today() else None,
                owner=rng.choice(["The partnership board", "Council lead", "NHS trust lead", "Voluntary sector lead"]),
            )
        )


def _self_assessments(projects: list[Project], rng: random.Random) -> None:
    """Participants in twelve projects, answering at the start and most of them halfway, most rating
    themselves higher by halfway: the shift the programme's evaluation looks for."""
    if not projects:
        return
    with happening_at(at(min(project.starts_on for project in projects) - timedelta(days=14))):
        framework = ensure_framework()
    behaviours = [(domain.name, behaviour) for domain in framework.domains for behaviour in domain.behaviours]
    growth = {domain.name: rng.uniform(0.3, 1.1) for domain in framework.domains}
    for number, project in enumerate(projects[-12:]):
        count = rng.randint(5, 8) if number % 4 else 4  # a few projects too small to show their results
        # The team closed the start's self-assessment once everyone had answered; halfway is still open.
        db.session.add(
            StageClosure(
                project_id=project.id,
                stage="baseline",
                closed_at=at(project.starts_on + timedelta(days=35)),
                closed_by_id=project.application.lead_applicant_id,
            )
        )
        for person in range(count):
            first = FIRST_NAMES[(number + person) % len(FIRST_NAMES)]
            name = f"{first} {LAST_NAMES[(number * 3 + person) % len(LAST_NAMES)]}"
            participant = Participant(
                project_id=project.id,
                name=name,
                email=f"{name.lower().replace(' ', '.')}.{project.id}@example.org",
                organisation_name=rng.choice(
                    ["Council", "NHS trust", "Police", "Community charity", "Housing association"]
                ),
                created_at=at(project.starts_on),
            )
            db.session.add(participant)
            db.session.flush()
            start = {behaviour.id: rng.choice([1, 2, 2, 3, 3, 3, 4]) for _, behaviour in behaviours}
            stages = [("baseline", project.starts_on + timedelta(days=20), 0.0)]
            if rng.random() < 0.8:  # halfway through the project: last month
                stages.append(("midpoint", add_months(project.starts_on, 12) + timedelta(days=rng.randint(3, 20)), 0.5))
            # At the end of the project (still to come) they answer a third time.
            for stage, day, share in stages:
                when = at(day)
                invitation = AssessmentInvitation(
                    participant_id=participant.id,
                    stage=stage,
                    framework_id=framework.id,
                    token_digest=digest(f"demo-{participant.id}-{stage}-{rng.random()}"),
                    sent_at=when - timedelta(days=4),
                    used_at=when,
                )
                response = AssessmentResponse(
                    participant_id=participant.id, stage=stage, framework_id=framework.id, submitted_at=when
                )
                response.scores = [
                    AssessmentScore(
                        behaviour_id=behaviour.id,
                        value=_rating(start[behaviour.id] + growth[domain] * share + rng.uniform(-0.6, 0.6)),
                    )
                    for domain, behaviour in behaviours
                ]
                db.session.add_all([invitation, response])
    keep_shifts([project.id for project in projects[-12:]])  # as submitting through the service keeps them


def _rating(value: float) -> int:
    return max(1, min(5, round(value)))
