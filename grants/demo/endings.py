"""How projects end in the demo, told through the service's own end-of-project steps, so that the
audit trail, the emails and the money read as they would have.

The pilot's four eighteen-month projects ended on the last day of the month three months ago, and
the periodic job started their close-outs the next day. Since then a programme officer has closed
two with a note: one with everything done, one with the reasons the things left will not happen
(its last tranche is cancelled). The third is still closing: its final report waits for review and
its match funding has not arrived. The fourth ended early, six months in: a finance approver
confirmed it, and part of its first tranche was repaid.

In wave 1 (halfway through), one partnership gave up its award three weeks ago: its health and
wellbeing board never confirmed the match, so nothing had been paid. A chair then approves the
highest-ranked reserve bid into the place it left, if the round has the room for it
(``approve_reserve``); otherwise the reserve waits. Another wave 1 project ended early last week
after its first tranche, with an amount to repay not yet received.

The projects of the round spreading the pilot, decided three weeks ago, are setting up: one has its
agreement to sign and an enabler, the other's agreement is still a draft.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from grants.accounts.models import User
from grants.applications.models import ApplicationStatus
from grants.core.dates import add_months
from grants.demo.enablers import _log
from grants.demo.funding import _release, _sign
from grants.demo.history import at, happening_at, past_event, today
from grants.demo.learning import _apply, _item, _progress
from grants.demo.monitoring import CHANGES, FIRST_NAMES, LAST_NAMES, MILESTONES, NARRATIVES, _rating, _value
from grants.directory.models import Theme
from grants.enablers.matching import rank
from grants.enablers.services import current_assignment
from grants.extensions import db
from grants.funding.models import AgreementStatus, GrantAgreement, MatchFunding, Tranche, TrancheStatus
from grants.funding.services.agreements import write_words
from grants.funding.services.conditions import evaluate_project
from grants.leadership.kept import keep_shift
from grants.leadership.models import (
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentScore,
    Participant,
    StageClosure,
)
from grants.leadership.services import digest, ensure_framework
from grants.learning.models import LearningCommitment
from grants.monitoring.models import Milestone, OutcomeMeasure, ProgressReport, ReportStatus
from grants.projects.ending import (
    close_project,
    closeout_items,
    confirm_ending,
    propose_early_end,
    record_repayment,
    record_withdrawal,
    repayment_received,
    start_due_closings,
)
from grants.projects.models import EnablerAssignment, Project, ProjectEnding, ProjectStatus, ProjectUpdate
from grants.projects.services import refresh_rag
from grants.reviews import queries as review_queries
from grants.reviews.decisions import DecisionError, approve_reserve
from grants.reviews.models import ConflictDeclaration

# What became of each pilot project, in reference order.
PILOT = ("closed", "closed_with_reasons", "closing", "ended_early")
# Wave 1's projects (by position in reference order, as in demo.funding.PLAN) that have ended.
GIVEN_UP = 2  # its match funding never came (demo.funding.PLAN): nothing was paid
ENDED_EARLY = 6  # its first tranche paid, its second ready to request

CLOSE_OUT_NOTES = {
    "closed": (
        "Everything the partnership set out to do is done: its final report is accepted, its case study is "
        "published and the approach is at work on a second issue in the place. Every tranche was paid and "
        "the board's match funding received. The partnership board carries on without the programme's money."
    ),
    "closed_with_reasons": (
        "The partnership did what it was funded to do and its final report is accepted. Its case study was not "
        "finished before the lead moved on, so the last tranche, which waited for it, was not paid."
    ),
}
# Why each thing left at close-out will not happen (by the close-out item's key).
REASONS = {
    "tranches": (
        "The last tranche waited for a published case study, which the partnership did not finish; the "
        "steering group agreed that it is not paid."
    ),
    "commitments": (
        "The case study was drafted but the lead officer who was writing it left the council; the partnership "
        "shared its learning at the programme's network event instead."
    ),
}
UNFORESEEN = "Agreed at the close-out meeting: not needed for this project."
EARLY_END_REASONS = {
    "pilot": (
        "The council and the NHS trust brought their community teams together this spring, and the partnership "
        "board agreed that the project's work now belongs to the new joint service. It asked to stop here."
    ),
    "wave1": (
        "The lead organisation is being merged with its neighbour's and the partnership board has stood down; "
        "the partners agree the work cannot go on as planned."
    ),
}
GIVE_UP_REASON = (
    "Our health and wellbeing board has not been able to confirm its £10,000 of match funding after a year of "
    "trying, and the council cannot carry the project without it. The partners will keep meeting, but cannot "
    "deliver the plan we were funded for."
)


def seed_endings(officer: User | None, finance: User | None, chairs: list[User]) -> None:
    """The pilot's end, wave 1's award given up and its early end, the newest projects setting up
    (unless a project has already finished: seeding again changes nothing)."""
    if officer is None or finance is None:
        return
    if db.session.scalar(db.select(Project.id).where(Project.finished_at.is_not(None)).limit(1)):
        return
    rng = random.Random(1822)
    themes = {theme.slug: theme for theme in db.session.scalars(db.select(Theme))}
    pilot = dict(zip(PILOT, _projects("LVP-%"), strict=False))
    for number, (role, project) in enumerate(pilot.items()):
        _pilot_story(project, role, number, officer, finance, rng, themes)
    db.session.flush()
    if "ended_early" in pilot:
        _pilot_ends_early(pilot["ended_early"], officer, finance)
    _start_closings(pilot)
    if "closed" in pilot:
        _close(pilot["closed"], officer, pilot["closed"].ends_on + timedelta(days=40), CLOSE_OUT_NOTES["closed"])
    if "closed_with_reasons" in pilot:
        project = pilot["closed_with_reasons"]
        _close(project, officer, project.ends_on + timedelta(days=45), CLOSE_OUT_NOTES["closed_with_reasons"])
    wave1 = _projects("LV1-%")
    if len(wave1) > max(GIVEN_UP, ENDED_EARLY):
        _give_up(wave1[GIVEN_UP], officer)
        _offer_the_place(wave1[GIVEN_UP], chairs, officer)
        _wave1_ends_early(wave1[ENDED_EARLY], officer, finance)
    _setting_up(_projects("LVS-%"), officer)
    ended = [wave1[GIVEN_UP], wave1[ENDED_EARLY]] if len(wave1) > max(GIVEN_UP, ENDED_EARLY) else []
    for project in [*pilot.values(), *ended, *_projects("LVS-%")]:
        evaluate_project(project, actor=None)
    db.session.flush()


def _projects(reference: str) -> list[Project]:
    return list(
        db.session.scalars(db.select(Project).where(Project.reference.like(reference)).order_by(Project.reference))
    )


# --- The pilot, as it ran -----------------------------------------------------------------------------


def _early_end_day(project: Project) -> date:
    """Six months in, once its second report was accepted."""
    return add_months(project.starts_on, 6) + timedelta(days=25)


def _pilot_story(
    project: Project, role: str, number: int, officer: User, finance: User, rng: random.Random, themes: dict
) -> None:
    """Everything that happened while the project ran, up to its end (or its early end)."""
    lead = project.application.lead_applicant
    last_day = _early_end_day(project) if role == "ended_early" else project.ends_on
    decided = project.starts_on - timedelta(days=20)
    agreement = db.session.scalars(db.select(GrantAgreement).where(GrantAgreement.project_id == project.id)).one()
    write_words(agreement, project)
    agreement.status, agreement.issued_at, agreement.issued_by_id = (
        "issued",
        at(decided + timedelta(days=3)),
        officer.id,
    )
    past_event("funding.agreement_issued", agreement, agreement.issued_at, officer, {"status": "issued", "version": 1})
    signed_at = at(decided + timedelta(days=8 + number), 15)
    _sign(agreement, lead, signed_at)
    project.status = ProjectStatus.ACTIVE
    past_event("project.active", project, signed_at, lead, {"status": "active"}, before={"status": "setup"})
    _match(project, number, officer, finance, received=role != "closing")
    _enabler(project, rng, last_day)
    _reports(project, role, number, last_day, officer, lead, rng)
    _milestones(project, rng, last_day)
    _learning(project, role, number, lead, officer, themes)
    _self_assessments(project, role, number, lead, officer, rng)
    db.session.flush()
    first, second, *rest = db.session.scalars(
        db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence)
    ).all()
    _release(project, first, officer, finance, project.starts_on + timedelta(days=25))
    if role == "ended_early":
        return
    _release(project, second, officer, finance, second.due_on + timedelta(days=5))
    if role in ("closed", "closing") and rest:  # its last tranche waited for the published case study
        _release(project, rest[-1], officer, finance, rest[-1].due_on + timedelta(days=5))


def _match(project: Project, number: int, officer: User, finance: User, *, received: bool) -> None:
    match = db.session.scalars(db.select(MatchFunding).where(MatchFunding.project_id == project.id)).one()
    match.status, match.confirmed_at, match.confirmed_by_id = (
        "confirmed",
        at(project.starts_on + timedelta(days=10 + number)),
        officer.id,
    )
    match.confirmation_note = f"Letter from {match.funder} confirming {match.amount_pence // 100:,} pounds."
    past_event(
        "funding.match_confirmed",
        match,
        match.confirmed_at,
        officer,
        {"status": "confirmed", "amount_pence": match.amount_pence},
    )
    if not received:  # the board's money is still to come: the close-out waits for it
        return
    match.status, match.received_on = "received", project.starts_on + timedelta(days=50 + number)
    match.received_by_id, match.received_reference = finance.id, f"HWB-{project.reference}"
    past_event(
        "funding.match_received",
        match,
        at(match.received_on),
        finance,
        {"status": "received", "amount_pence": match.amount_pence},
    )


def _enabler(project: Project, rng: random.Random, last_day: date) -> None:
    """The best match with room (the pilot came before wave 1 filled the pool: else the best match),
    from the start; a log of updates until shortly before the end."""
    ranked, _ = rank(project)
    choice = next((match for match in ranked if match.has_capacity), ranked[0] if ranked else None)
    if choice is None:
        return
    db.session.add(
        EnablerAssignment(
            project_id=project.id,
            enabler_id=choice.enabler.id,
            starts_on=project.starts_on,
            reason="Best match for the project's issues",
        )
    )
    db.session.flush()
    _log(project, choice.enabler, rng, until=last_day)


def _reports(
    project: Project, role: str, number: int, last_day: date, officer: User, lead: User, rng: random.Random
) -> None:
    """Every report accepted, up to the end. The final one came in three weeks after the end: accepted
    a week later, or (for the project still closing) waiting for review."""
    reports = db.session.scalars(
        db.select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.sequence)
    ).all()
    measures = db.session.scalars(db.select(OutcomeMeasure).where(OutcomeMeasure.project_id == project.id)).all()
    for index, report in enumerate(reports, start=1):
        if report.is_final:
            if role == "ended_early":
                continue
            submitted = project.ends_on + timedelta(days=20 + number)
            state = ReportStatus.SUBMITTED if role == "closing" else ReportStatus.ACCEPTED
        else:
            if report.period_end >= last_day:
                continue
            submitted, state = report.due_on - timedelta(days=3), ReportStatus.ACCEPTED
        report.narrative = NARRATIVES[(number + index) % len(NARRATIVES)]
        report.partnership_change = CHANGES[(number + index) % len(CHANGES)]
        report.rag = rng.choice(["green", "green", "amber"])
        report.submitted_at, report.submitted_by_id, report.submissions = at(submitted), lead.id, 1
        report.status = state
        past_event("monitoring.report_submitted", report, report.submitted_at, lead, {"status": "submitted"})
        if state == ReportStatus.ACCEPTED:
            report.reviewed_at, report.reviewed_by_id = at(submitted + timedelta(days=7), 14), officer.id
            past_event("monitoring.report_accepted", report, report.reviewed_at, officer, {"status": "accepted"})
        for measure in measures:
            _value(measure, report, index / len(reports), rng, lead)


def _milestones(project: Project, rng: random.Random, last_day: date) -> None:
    for title, month in MILESTONES:
        due = project.starts_on + timedelta(days=month * project.round.project_months * 30 // 12)
        done = min(due + timedelta(days=rng.randint(-20, 15)), last_day) if rng.random() < 0.9 else None
        db.session.add(
            Milestone(
                project_id=project.id,
                title=title,
                due_on=due,
                done_on=done if done and due < last_day else None,
                owner=rng.choice(["The partnership board", "Council lead", "NHS trust lead", "Voluntary sector lead"]),
            )
        )


def _learning(project: Project, role: str, number: int, lead: User, officer: User, themes: dict) -> None:
    """A case study published eight months in (the evidence the last tranche waits for) and the approach
    applied to another issue before the end; the project ended early had not begun either."""
    if role == "ended_early":
        return
    commitments = db.session.scalars(
        db.select(LearningCommitment).where(LearningCommitment.project_id == project.id).order_by(LearningCommitment.id)
    ).all()
    case = next((c for c in commitments if c.kind == "case_study"), None)
    apply = next((c for c in commitments if c.kind == "apply_elsewhere"), None)
    slug = project.application.themes[0].slug if project.application.themes else "older-people"
    place = project.place.name if project.place else "the area"
    if role == "closed_with_reasons":  # drafted, never finished
        _item(project, lead, officer, slug, place, "draft", case, number, themes)
        if case is not None:
            case.status = "in_progress"
    else:
        item = _item(project, lead, officer, slug, place, "published", case, number, themes)
        if case is not None:
            _progress(case, "done", project.ends_on, project, item)
    if apply is not None:
        _apply(apply, "in_progress" if role == "closing" else "done", project.ends_on, project, slug, themes, {}, place)


def _self_assessments(project: Project, role: str, number: int, lead: User, officer: User, rng: random.Random) -> None:
    """Participants answered at the start, halfway and at the end, each stage closed a few weeks after
    (the end's stage still open while the project is closing); the project ended early only began."""
    with happening_at(at(project.starts_on - timedelta(days=14))):
        framework = ensure_framework()
    behaviours = [(domain.name, behaviour) for domain in framework.domains for behaviour in domain.behaviours]
    growth = {domain.name: rng.uniform(0.5, 1.3) for domain in framework.domains}
    stages = [("baseline", project.starts_on + timedelta(days=20), 0.0)]
    if role != "ended_early":
        stages.append(("midpoint", add_months(project.starts_on, 9) + timedelta(days=5), 0.5))
        stages.append(("final", project.ends_on - timedelta(days=20), 1.0))
    for person in range(5 + number % 2):
        first = FIRST_NAMES[(number * 5 + person) % len(FIRST_NAMES)]
        name = f"{first} {LAST_NAMES[(number + person * 3) % len(LAST_NAMES)]}"
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
        start = {behaviour.id: rng.choice([1, 2, 2, 3, 3, 3]) for _, behaviour in behaviours}
        for stage, day, share in stages:
            when = at(day + timedelta(days=rng.randint(0, 6)))
            response = AssessmentResponse(
                participant_id=participant.id, stage=stage, framework_id=framework.id, submitted_at=when
            )
            response.scores = [
                AssessmentScore(
                    behaviour_id=behaviour.id,
                    value=_rating(start[behaviour.id] + growth[domain] * share + rng.uniform(-0.5, 0.5)),
                )
                for domain, behaviour in behaviours
            ]
            invitation = AssessmentInvitation(
                participant_id=participant.id,
                stage=stage,
                framework_id=framework.id,
                token_digest=digest(f"demo-{participant.id}-{stage}-{rng.random()}"),
                sent_at=at(day - timedelta(days=4)),
                used_at=when,
            )
            db.session.add_all([invitation, response])
    keep_shift(project.id)  # as submitting through the service keeps them
    for stage, day, _ in stages:
        if stage == "final" and role == "closing":
            continue  # closed with the project
        closer = officer if stage == "final" else lead
        closed_at = at(day + timedelta(days=30 if stage != "final" else 32), 12)
        db.session.add(StageClosure(project_id=project.id, stage=stage, closed_at=closed_at, closed_by_id=closer.id))
        past_event("leadership.stage_closed", project, closed_at, closer, {"stage": stage})


# --- The ends, through the service ------------------------------------------------------------------------


@contextmanager
def _as_of(project: Project, when: datetime) -> Iterator[None]:
    """Run one of the service's end steps as of ``when``: what it records is dated then, not today (its
    audit events, the project's end, its tranches cancelled, its enabler's support ended, its stages of
    self-assessment closed), and the enabler's log stops there."""
    db.session.flush()
    unpaid = list(
        db.session.scalars(
            db.select(Tranche.id).where(
                Tranche.project_id == project.id,
                Tranche.status.not_in([TrancheStatus.RELEASED, TrancheStatus.CANCELLED]),
            )
        )
    )
    assignment = current_assignment(project)
    with happening_at(when):
        yield
    if not project.is_finished:
        return
    project.finished_at = when
    for tranche in db.session.scalars(db.select(Tranche).where(Tranche.id.in_(unpaid))):
        if tranche.status == TrancheStatus.CANCELLED:
            tranche.cancelled_at = when
    if assignment is not None and assignment.ends_on is not None:
        assignment.ends_on = max(when.date(), assignment.starts_on)
    closed_with_it = db.select(StageClosure).where(StageClosure.project_id == project.id, StageClosure.closed_at > when)
    for closure in db.session.scalars(closed_with_it):  # its self-assessment stages still open, closed with it
        closure.closed_at = when
    _forget_updates_after(project, when.date())


def _dated(ending: ProjectEnding, *, proposed: datetime | None = None, decided: datetime | None = None) -> None:
    if proposed is not None:
        ending.proposed_at = proposed
    if decided is not None:
        ending.decided_at = decided
    db.session.flush()


def _forget_updates_after(project: Project, day: date) -> None:
    """The enabler's log stops when the project does (the story logged up to today)."""
    for update in db.session.scalars(
        db.select(ProjectUpdate).where(ProjectUpdate.project_id == project.id, ProjectUpdate.happened_on > day)
    ):
        db.session.delete(update)
    db.session.flush()
    refresh_rag(project)


def _pilot_ends_early(project: Project, officer: User, finance: User) -> None:
    """Proposed by the officer with a repayment of what was unspent, confirmed by finance two days later;
    the repayment came back five weeks after."""
    day = _early_end_day(project)
    proposed = at(day, 11)
    with happening_at(proposed):
        ending = propose_early_end(project, reason=EARLY_END_REASONS["pilot"], repayment_pence=235_000, actor=officer)
    _dated(ending, proposed=proposed)
    decided = at(day + timedelta(days=2), 15)
    with _as_of(project, decided):
        confirm_ending(ending, actor=finance, note="Agreed with the partnership's own statement of what it spent.")
    _dated(ending, decided=decided)
    received = day + timedelta(days=40)
    with happening_at(at(received + timedelta(days=1))):
        repayment_received(ending, received_on=received, reference=f"REP-{project.reference}", actor=finance)


def _start_closings(pilot: dict[str, Project]) -> None:
    """The periodic job, the day after the pilot's end: every project past its end date to close-out."""
    ended = [project for project in pilot.values() if project.status == ProjectStatus.ACTIVE]
    if not ended:
        return
    day = min(project.ends_on for project in ended) + timedelta(days=1)
    db.session.flush()
    with happening_at(at(day, 6)):
        start_due_closings(today=today())


def _close(project: Project, officer: User, day: date, note: str) -> None:
    """The officer closes it with a note, and says why each thing left will not happen."""
    if project.status != ProjectStatus.CLOSING:
        return
    db.session.flush()
    left = [item for item in closeout_items(project) if not item.done]
    exceptions = {item.key: REASONS.get(item.key, UNFORESEEN) for item in left}
    with _as_of(project, at(day, 14)):
        close_project(project, note=note, exceptions=exceptions, actor=officer)


def _give_up(project: Project, officer: User) -> None:
    """The lead applicant records it three weeks ago; an officer confirms it four days later."""
    lead = project.application.lead_applicant
    recorded = at(today() - timedelta(days=24), 10)
    db.session.flush()
    with happening_at(recorded):
        ending = record_withdrawal(project, reason=GIVE_UP_REASON, actor=lead)
    _dated(ending, proposed=recorded)
    decided = at(today() - timedelta(days=20), 16)
    with _as_of(project, decided):
        confirm_ending(
            ending, actor=officer, note="Confirmed after a call with the council's director of public health."
        )
    _dated(ending, decided=decided)


def _offer_the_place(given_up: Project, chairs: list[User], officer: User) -> None:
    """A chair approves the highest-ranked reserve bid into the place given up, ten days ago, when the
    round has the room for it; otherwise the reserve list waits."""
    round_ = given_up.round
    waiting = [a for a in review_queries.round_assessment(round_) if a.status == ApplicationStatus.RESERVE]
    if not waiting or not chairs:
        return
    application_id = waiting[0].application_id
    conflicted = set(
        db.session.scalars(
            db.select(ConflictDeclaration.reviewer_id).where(
                ConflictDeclaration.application_id == application_id, ConflictDeclaration.has_conflict
            )
        )
    )
    chair = next((chair for chair in chairs if chair is not None and chair.id not in conflicted), None)
    if chair is None:
        return
    when = at(today() - timedelta(days=10), 16)
    db.session.flush()
    try:
        with happening_at(when):
            project = approve_reserve(
                round_,
                application_id,
                rationale=f"The highest-ranked bid on the reserve list, into the place {given_up.reference} gave up.",
                actor=chair,
                now=when,
            )
    except DecisionError:  # no room in the round (refused before anything changed): the reserve waits
        return
    _issue(project, officer, today() - timedelta(days=5))


def _wave1_ends_early(project: Project, officer: User, finance: User) -> None:
    """Proposed by the officer last week, confirmed by finance two days later; the amount to repay,
    from the partnership's statement of what it spent, recorded since and not yet received."""
    proposed = at(today() - timedelta(days=6), 11)
    db.session.flush()
    with happening_at(proposed):
        ending = propose_early_end(project, reason=EARLY_END_REASONS["wave1"], repayment_pence=None, actor=officer)
    _dated(ending, proposed=proposed)
    decided = at(today() - timedelta(days=4), 15)
    with _as_of(project, decided):
        confirm_ending(ending, actor=finance)
    _dated(ending, decided=decided)
    with happening_at(at(today() - timedelta(days=2), 12)):
        record_repayment(ending, repayment_pence=315_000, actor=finance)


# --- Setting up ---------------------------------------------------------------------------------------


def _setting_up(projects: list[Project], officer: User) -> None:
    """The first has its agreement to sign and an enabler; the second waits for both."""
    if not projects:
        return
    first = projects[0]
    _issue(first, officer, today() - timedelta(days=12))
    ranked, _ = rank(first)
    choice = next((match for match in ranked if match.has_capacity), None)
    if choice is not None:
        db.session.add(
            EnablerAssignment(
                project_id=first.id,
                enabler_id=choice.enabler.id,
                starts_on=first.starts_on,
                reason="Best match for the project's issues",
                assigned_by_id=officer.id,
            )
        )
        past_event(
            "enabler.assigned", first, at(today() - timedelta(days=9)), officer, {"enabler_id": choice.enabler.id}
        )
    db.session.flush()


def _issue(project: Project, officer: User, day: date) -> None:
    agreement = db.session.scalar(
        db.select(GrantAgreement).where(
            GrantAgreement.project_id == project.id, GrantAgreement.status == AgreementStatus.DRAFT
        )
    )
    if agreement is None:
        return
    write_words(agreement, project)
    agreement.status, agreement.issued_at, agreement.issued_by_id = "issued", at(day), officer.id
    past_event("funding.agreement_issued", agreement, agreement.issued_at, officer, {"status": "issued", "version": 1})
    db.session.flush()
