"""A small portfolio to compile: three projects at different points, built with the factories, and the
figures a person would add up by hand from what was built (never with the code under test)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from grants.core.db import utcnow
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.funding.models import MatchFunding, Payment, Tranche
from grants.leadership import services as leadership_services
from grants.leadership.kept import keep_shift
from grants.leadership.models import AssessmentResponse, AssessmentScore, Participant, StageClosure
from grants.learning.models import LearningCommitment
from grants.monitoring.models import OutcomeMeasure, OutcomeValue, ProgressReport
from grants.projects.models import ProjectUpdate
from grants.projects.services import override_rag, refresh_rag
from tests.factories import RoundFactory, UserFactory, funded_project


@pytest.fixture
def framework(db):
    framework = leadership_services.ensure_framework()
    _db.session.commit()
    return framework


# --- Building blocks ------------------------------------------------------------------------------------


def tranches_of(project) -> list[Tranche]:
    return list(
        _db.session.scalars(_db.select(Tranche).where(Tranche.project_id == project.id).order_by(Tranche.sequence))
    )


def release(project, sequences, officer, finance) -> int:
    """Release the project's tranches of these sequences (as two people would), returning the money."""
    released = 0
    now = utcnow()
    officer_id, finance_id = officer.id, finance.id
    for tranche in tranches_of(project):
        if tranche.sequence not in sequences:
            continue
        tranche.status, tranche.requested_at, tranche.requested_by_id = "released", now, officer_id
        tranche.released_at = now
        _db.session.add(
            Payment(
                tranche_id=tranche.id,
                project_id=project.id,
                amount_pence=tranche.amount_pence,
                reference=f"PAY-{project.reference}-{tranche.sequence}",
                requested_by_id=officer_id,
                approved_by_id=finance_id,
            )
        )
        released += tranche.amount_pence
    _db.session.commit()
    return released


def set_match(project, status: str, amount_pence: int, officer) -> None:
    officer_id = officer.id
    record = _db.session.scalar(_db.select(MatchFunding).where(MatchFunding.project_id == project.id))
    with _db.session.no_autoflush:
        record.amount_pence, record.status = amount_pence, status
        if status in ("confirmed", "received"):
            record.confirmed_at, record.confirmed_by_id = utcnow(), officer_id
        if status == "received":
            record.received_on = date.today()
    _db.session.commit()


def log(project, author, rags_and_days: list[tuple[str, int]]) -> None:
    """Updates in the project's log: (RAG, how many days ago)."""
    for rag, days_ago in rags_and_days:
        _db.session.add(
            ProjectUpdate(
                project_id=project.id,
                author_id=author.id,
                happened_on=date.today() - timedelta(days=days_ago),
                kind="workshop",
                what_happened="The partners met.",
                rag=rag,
            )
        )
    _db.session.flush()
    refresh_rag(project)
    _db.session.commit()


def reports_of(project) -> list[ProgressReport]:
    return list(
        _db.session.scalars(
            _db.select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.sequence)
        )
    )


def measures_of(project) -> list[OutcomeMeasure]:
    return list(
        _db.session.scalars(
            _db.select(OutcomeMeasure).where(OutcomeMeasure.project_id == project.id).order_by(OutcomeMeasure.position)
        )
    )


def report_value(report, measure, value: float, status: str, author, reviewer) -> None:
    """A value in one of the project's reports, the report left in ``status``."""
    author_id, reviewer_id = author.id, reviewer.id
    with _db.session.no_autoflush:
        report.status = status
        if status != "due":
            report.submitted_at, report.submitted_by_id = utcnow(), author_id
        if status == "accepted":
            report.reviewed_at, report.reviewed_by_id = utcnow(), reviewer_id
    _db.session.add(
        OutcomeValue(measure_id=measure.id, report_id=report.id, recorded_on=report.period_end, value=value)
    )
    _db.session.commit()


def send_back(report, author, reviewer, *, due_on: date) -> None:
    """The report submitted, then sent back with changes requested."""
    author_id, reviewer_id = author.id, reviewer.id
    with _db.session.no_autoflush:
        report.status, report.due_on, report.review_comment = "changes_requested", due_on, "Say more."
        report.submitted_at, report.submitted_by_id = utcnow(), author_id
        report.reviewed_at, report.reviewed_by_id = utcnow(), reviewer_id
    _db.session.commit()


def add_measure(project, name: str, *, baseline, target, direction="up") -> OutcomeMeasure:
    measure = OutcomeMeasure(
        project_id=project.id,
        position=len(measures_of(project)) + 1,
        name=name,
        unit="people",
        baseline=baseline,
        target=target,
        direction=direction,
    )
    _db.session.add(measure)
    _db.session.commit()
    return measure


def commitments_of(project) -> list[LearningCommitment]:
    return list(
        _db.session.scalars(
            _db.select(LearningCommitment)
            .where(LearningCommitment.project_id == project.id)
            .order_by(LearningCommitment.id)
        )
    )


def answer(framework, project, number: int, baseline: int, final: int) -> Participant:
    """A participant who rated every behaviour ``baseline`` at the start and ``final`` at the end."""
    person = Participant(project_id=project.id, name=f"Person {number}", email=f"p{project.id}-{number}@example.org")
    _db.session.add(person)
    _db.session.flush()
    for stage, value in (("baseline", baseline), ("final", final)):
        response = AssessmentResponse(participant_id=person.id, stage=stage, framework_id=framework.id)
        response.scores = [
            AssessmentScore(behaviour_id=behaviour.id, value=value)
            for domain in framework.domains
            for behaviour in domain.behaviours
        ]
        _db.session.add(response)
    keep_shift(project.id)  # as submitting through the service keeps them
    _db.session.commit()
    return person


def close_stages(project, *stages: str) -> None:
    """The project's stages of self-assessment closed, so that their results are shown beyond the staff."""
    _db.session.add_all([StageClosure(project_id=project.id, stage=stage) for stage in stages])
    _db.session.commit()


# --- The portfolio ---------------------------------------------------------------------------------------


@dataclass
class Portfolio:
    """The projects, and what their figures should be, added up by hand."""

    projects: list
    released: dict[int, int] = field(default_factory=dict)
    match: dict[int, tuple[str, int]] = field(default_factory=dict)
    rag: dict[int, str | None] = field(default_factory=dict)
    updates: dict[int, tuple[int, date | None]] = field(default_factory=dict)
    measure_states: dict[int, list[str]] = field(default_factory=dict)
    commitment_states: dict[int, list[str]] = field(default_factory=dict)
    report_states: dict[int, dict[str, int]] = field(default_factory=dict)  # accepted, submitted, ...
    pairs: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # (baseline, final) of each person

    def by_reference(self, reference: str):
        return next(project for project in self.projects if project.reference == reference)


@pytest.fixture
def portfolio(db, officer, finance, framework) -> Portfolio:
    """Three projects. LV9-0001 is well on: two tranches paid, match funding received, a measure met,
    its commitment done, five people compared (enough to show anyone). LV9-0002 is in trouble: one
    tranche paid, match confirmed, red by its update but amber by the officer's override, a measure off
    track (and a draft value that must not count), its commitment overdue, two people compared (too
    few for the steering group). Both have closed their self-assessments at the start and the end.
    LV9-0003 has only begun: nothing paid, match pledged, no updates."""
    round_ = RoundFactory(code="LV9", status="assessing", assessment_deadline=date.today() + timedelta(days=30))
    a, b, c = (funded_project(round_) for _ in range(3))
    result = Portfolio(projects=[a, b, c])
    enabler = UserFactory(roles=[Role.ENABLER])
    lead_a, lead_b, lead_c = (project.application.lead_applicant for project in (a, b, c))

    result.released = {
        a.id: release(a, {1, 2}, officer, finance),
        b.id: release(b, {1}, officer, finance),
        c.id: 0,
    }
    set_match(a, "received", 1_200_000, officer)
    set_match(b, "confirmed", 1_000_000, officer)
    set_match(c, "pledged", 800_000, officer)
    result.match = {a.id: ("received", 1_200_000), b.id: ("confirmed", 1_000_000), c.id: ("pledged", 800_000)}

    log(a, enabler, [("amber", 20), ("green", 3)])
    log(b, enabler, [("red", 5)])
    override_rag(b, "amber", "The partners have agreed a recovery plan.", actor=officer)
    _db.session.commit()
    result.rag = {a.id: "green", b.id: "amber", c.id: None}
    result.updates = {
        a.id: (2, date.today() - timedelta(days=3)),
        b.id: (1, date.today() - timedelta(days=5)),
        c.id: (0, None),
    }

    # Every bid's measure: "Delayed discharges", baseline 40, target 20, lower is better.
    [a_discharges], [b_discharges], [c_discharges] = (measures_of(p) for p in (a, b, c))
    a_first, a_second = reports_of(a)[:2]
    report_value(a_first, a_discharges, 30, "accepted", lead_a, officer)
    report_value(a_second, a_discharges, 18, "submitted", lead_a, officer)  # latest: 18, at the target of 20
    add_measure(a, "People volunteering", baseline=10, target=50)  # no value yet
    b_first, b_second = reports_of(b)[:2]
    report_value(b_first, b_discharges, 45, "submitted", lead_b, officer)  # worse than the baseline of 40
    report_value(b_second, b_discharges, 10, "due", lead_b, officer)  # a draft: it does not count
    c_first = reports_of(c)[0]
    report_value(c_first, c_discharges, 35, "accepted", lead_c, officer)  # better than 40, short of 20
    add_measure(c, "Stories collected", baseline=None, target=None)
    result.measure_states = {
        a.id: ["met", "not_reported"],
        b.id: ["off_track"],
        c.id: ["on_track", "no_target"],
    }

    # Progress reports: those above, LV9-0002's third sent back for changes and now past its date, and
    # LV9-0003's second still to send, past its date. Every other report is due later.
    for project in (a, b, c):
        for report in reports_of(project):
            report.due_on = date.today() + timedelta(days=30 * report.sequence)
    _db.session.commit()
    send_back(reports_of(b)[2], lead_b, officer, due_on=date.today() - timedelta(days=4))
    reports_of(c)[1].due_on = date.today() - timedelta(days=1)
    _db.session.commit()
    result.report_states = {
        a.id: {"accepted": 1, "submitted": 1, "changes_requested": 0, "overdue": 0},
        b.id: {"accepted": 0, "submitted": 1, "changes_requested": 1, "overdue": 1},
        c.id: {"accepted": 1, "submitted": 0, "changes_requested": 0, "overdue": 1},
    }

    # Every bid's commitment: a case study, planned, due in a year.
    [a_case], [b_case], [c_case] = (commitments_of(p) for p in (a, b, c))
    a_case.status = "done"
    b_case.due_on = date.today() - timedelta(days=10)
    _db.session.add(
        LearningCommitment(
            project_id=c.id, kind="learning_event", description="A learning event.", status="in_progress"
        )
    )
    _db.session.commit()
    result.commitment_states = {a.id: ["done"], b.id: ["overdue"], c.id: ["planned", "in_progress"]}

    result.pairs = {a.id: [(2, 4)] * 5, b.id: [(3, 4), (3, 5)], c.id: []}
    for project in (a, b):
        for number, (start, end) in enumerate(result.pairs[project.id]):
            answer(framework, project, number, start, end)
        close_stages(project, "baseline", "final")  # their results may be shown beyond the staff
    answer_only_baseline = Participant(project_id=c.id, name="Only once", email="once@example.org")
    _db.session.add(answer_only_baseline)
    _db.session.commit()
    return result
