"""``flask seed-scale`` at a small size: the rows it says it made are there, valid by the rules that
always hold (money, two signatures, the round being ranked, the busiest project's log), and the
pages the benchmark measures answer on it."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from grants.accounts.models import User
from grants.applications.models import Application
from grants.extensions import db as _db
from grants.funding.models import Payment, Tranche, TrancheCondition
from grants.leadership.models import StageClosure
from grants.learning.models import LearningItem
from grants.monitoring.models import ProgressReport
from grants.projects.models import Project, ProjectEnding, ProjectUpdate
from grants.reviews.models import ReviewAssignment, Score
from grants.rounds.models import Round, RubricCriterion
from tests.fixtures.clients import sign_in_client

SMALL = {
    "applications": 60,
    "projects": 12,
    "updates": 300,
    "ranking-bids": 20,
    "busiest-project-updates": 50,
}


def run_seed(app, **sizes):
    options = [f"--{key}={value}" for key, value in {**SMALL, **sizes}.items()]
    return app.test_cli_runner().invoke(args=["seed-scale", *options])


@pytest.fixture
def seeded(app, db):
    """The command's output, the counts it printed by table, and the ids it printed for benchmarks."""
    result = run_seed(app)
    assert result.exit_code == 0, result.output
    counts = {
        table: int(count.replace(",", ""))
        for table, count in re.findall(r"^  ([a-z_]+) +([\d,]+)$", result.output, re.MULTILINE)
    }
    line = next(line for line in result.output.splitlines() if line.startswith("SCALE-IDS "))
    return result.output, counts, json.loads(line.removeprefix("SCALE-IDS "))


def count(model, *where) -> int:
    table = getattr(model, "__table__", model)
    return _db.session.scalar(_db.select(_db.func.count()).select_from(table).where(*where))


def test_the_counts_printed_are_the_rows_in_the_database(seeded):
    _, counts, _ = seeded
    assert counts["applications"] == 60 and counts["projects"] == 12 and counts["project_updates"] == 300
    assert {"scores", "payments", "learning_items", "progress_reports", "partners", "decisions"} <= set(counts)
    for table, printed in counts.items():
        assert count(_db.metadata.tables[table]) == printed, table


def test_every_projects_money_adds_up_and_every_payment_has_two_signatures(seeded):
    for project in _db.session.scalars(_db.select(Project)):
        tranches = _db.session.scalars(_db.select(Tranche).where(Tranche.project_id == project.id)).all()
        assert len(tranches) == 3
        assert sum(tranche.amount_pence for tranche in tranches) == project.award_pence
        released = [tranche for tranche in tranches if tranche.status == "released"]
        assert sum(tranche.amount_pence for tranche in released) <= project.award_pence
        paid = _db.session.scalars(_db.select(Payment).where(Payment.project_id == project.id)).all()
        assert sorted(payment.tranche_id for payment in paid) == sorted(tranche.id for tranche in released)
    payments = _db.session.scalars(_db.select(Payment)).all()
    assert payments and all(payment.approved_by_id != payment.requested_by_id for payment in payments)
    assert len({payment.approved_by_id for payment in payments}) > 1
    unmet = (
        _db.select(TrancheCondition)
        .join(Tranche)
        .where(Tranche.status.not_in(["scheduled", "cancelled"]), TrancheCondition.met_at.is_(None))
    )
    assert _db.session.scalars(unmet).all() == [], "a tranche is ready to pay with a condition not met"


def test_projects_past_their_end_are_closing_or_closed_and_a_few_ended_before_their_time(seeded):
    projects = _db.session.scalars(_db.select(Project)).all()
    today = date.today()
    by_status = {status: [p for p in projects if p.status == status] for status in {p.status for p in projects}}
    assert {"active", "closed", "withdrawn", "ended_early"} <= set(by_status)
    assert len(by_status["withdrawn"]) + len(by_status["ended_early"]) <= len(projects) // 4, "a small share"
    assert [p.reference for p in projects if p.status in ("setup", "active") and p.ends_on < today] == []
    assert all(p.ends_on < today for p in by_status["closed"] + by_status.get("closing", []))
    for project in projects:
        tranches = _db.session.scalars(_db.select(Tranche).where(Tranche.project_id == project.id)).all()
        paid = sum(
            payment.amount_pence
            for payment in _db.session.scalars(_db.select(Payment).where(Payment.project_id == project.id))
        )
        endings = _db.session.scalars(_db.select(ProjectEnding).where(ProjectEnding.project_id == project.id)).all()
        cancelled = [tranche for tranche in tranches if tranche.status == "cancelled"]
        assert all(t.cancel_reason and t.cancelled_at and t.cancelled_by_id for t in cancelled)
        if not project.is_finished:
            assert project.finished_at is None and not cancelled and not endings, project.reference
            continue
        assert project.finished_at.date() <= today and project.finished_by_id, project.reference
        closures = set(_db.session.scalars(_db.select(StageClosure.stage).where(StageClosure.project_id == project.id)))
        assert closures == {"baseline", "midpoint", "final"}, project.reference
        if project.status == "closed":
            assert project.closeout_note and project.finished_at.date() > project.ends_on
            assert {tranche.status for tranche in tranches} == {"released"} and paid == project.award_pence
            final = _db.session.scalars(
                _db.select(ProgressReport).where(ProgressReport.project_id == project.id, ProgressReport.is_final)
            ).one()
            assert final.status == "accepted"
            continue
        [ending] = endings
        assert (ending.kind, ending.status) == (project.status, "confirmed")
        assert ending.decided_by_id != ending.proposed_by_id and project.finished_at.date() <= project.ends_on
        assert {t.status for t in tranches} <= {"released", "cancelled"} and cancelled
        if project.status == "withdrawn":
            assert paid == 0 and len(cancelled) == 3
        else:
            assert 0 < paid < project.award_pence and (ending.repayment_pence or 0) <= paid


def test_the_ranking_round_has_the_bids_asked_for_each_scored_against_every_criterion(seeded):
    _, _, ids = seeded
    round_ = _db.session.get(Round, ids["ranking_round_id"])
    assert round_.status == "assessing"
    bids = _db.session.scalars(
        _db.select(Application).where(Application.round_id == round_.id, Application.status == "under_review")
    ).all()
    assert len(bids) == ids["ranking_bids"] == 20
    criteria = count(RubricCriterion, RubricCriterion.round_id == round_.id)
    for bid in bids:
        submitted = _db.session.scalars(
            _db.select(ReviewAssignment).where(
                ReviewAssignment.application_id == bid.id, ReviewAssignment.status == "submitted"
            )
        ).all()
        assert len(submitted) >= 2
        for assignment in submitted:
            scores = _db.session.scalars(_db.select(Score).where(Score.assignment_id == assignment.id)).all()
            assert len(scores) == criteria
            assert all(score.value is not None and score.justification for score in scores)


def test_every_wave_asks_the_programmes_form_and_every_bid_answers_its_questions(seeded):
    from grants.bidforms.default import DEFAULT_FORM
    from grants.bidforms.queries import forms_of

    _, counts, ids = seeded
    forms = forms_of(set(ids["round_ids"].values()))
    assert counts["form_pages"] == 5 * len(DEFAULT_FORM) and counts["form_questions"] == 5 * sum(
        len(page[3]) for page in DEFAULT_FORM
    )
    for form in forms.values():
        assert [(page.key, page.title, [q.key for q in page.questions]) for page in form.pages] == [
            (key, title, [question["key"] for question in questions]) for key, title, _, questions in DEFAULT_FORM
        ]
        assert all(question.title for question in form.questions)
    bids = _db.session.scalars(_db.select(Application)).all()
    for bid in bids:
        form = forms[bid.round_id]
        assert set(bid.answers) <= {question.key for question in form.answerable}, bid.id
        assert set(bid.section_states) <= {page.key for page in form.pages}, bid.id
        if bid.reference:
            assert set(bid.answers) == {question.key for question in form.answerable}, bid.reference
            assert all(value.strip() for value in bid.answers.values())
    keys = {tuple(c.question_keys) for c in _db.session.scalars(_db.select(RubricCriterion))}
    assert ("shared_vision",) in keys and all(set(k) <= set(forms[bids[0].round_id].by_key) for k in keys)


def test_the_busiest_project_has_exactly_the_updates_asked_for(seeded):
    _, _, ids = seeded
    project = _db.session.get(Project, ids["busiest_project_id"])
    assert count(ProjectUpdate, ProjectUpdate.project_id == project.id) == ids["busiest_project_updates"] == 50
    assert project.status == "active" and project.rag is not None
    by_project = _db.session.execute(
        _db.select(ProjectUpdate.project_id, _db.func.count()).group_by(ProjectUpdate.project_id)
    ).all()
    assert max(number for _, number in by_project) == 50


def test_the_pages_the_benchmark_measures_answer_for_an_officer_and_the_chair(app, seeded):
    _, _, ids = seeded
    officer = _db.session.scalar(_db.select(User).where(User.email == ids["officer_email"]))
    chair = _db.session.scalar(_db.select(User).where(User.email == ids["chair_email"]))
    assert officer.two_factor_enabled and chair.two_factor_enabled
    as_officer, as_chair = sign_in_client(app, officer), sign_in_client(app, chair)
    reference = _db.session.scalar(
        _db.select(Application.reference).where(Application.round_id == ids["ranking_round_id"]).limit(1)
    )
    busiest = _db.session.get(Project, ids["busiest_project_id"])
    found = _db.session.scalar(
        _db.select(LearningItem)
        .where(LearningItem.status == "published", LearningItem.body.contains(ids["search_term"]))
        .limit(1)
    )
    assert found is not None, "the library has a published item to find"
    pages = [
        (as_officer, "/rounds/", "national wave"),
        (as_officer, "/manage/applications/", "NP"),
        (as_chair, f"/assessment/rounds/{ids['ranking_round_id']}", reference),
        (as_officer, f"/assessment/rounds/{ids['ranking_round_id']}", reference),
        (as_officer, f"/projects/{ids['busiest_project_id']}", busiest.reference),
        (as_officer, "/portfolio/", "Programme"),
        (as_officer, f"/learning/?q={ids['search_term']}", found.title),
    ]
    for client, url, text in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.get_data(as_text=True), url


def test_it_refuses_sizes_that_cannot_make_a_programme(app, db):
    result = run_seed(app, applications=30)
    assert result.exit_code != 0 and "--applications must be at least" in result.output
    assert count(Round) == 0


def test_it_refuses_production_without_force(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = run_seed(app)
    assert result.exit_code != 0 and "--force" in result.output
    assert count(Round) == 0


def test_the_figures_kept_as_the_data_changes_agree_with_a_recomputation(seeded):
    """Written in bulk, not through the services, the kept figures are as the services would keep them."""
    from grants.core.figures import differences, kept_figures
    from grants.leadership import kept

    assert differences() == {figures.name: [] for figures in kept_figures()}
    assert sum(shift.respondents["baseline"] for shift in kept.kept().values()) > 0
