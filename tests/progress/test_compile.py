"""Compiling the progress report: its figures are the ones a person adds up by hand from the projects,
read in the same number of queries however many projects there are, kept whole or not at all, and
compiled one at a time."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.extensions import db as _db
from grants.progress import compile as compiling
from grants.progress import queries, services
from grants.progress.models import CompiledProject, ProgressCompilation
from tests.factories import RoundFactory, UserFactory, funded_project
from tests.helpers import QueryCounter
from tests.progress.conftest import answer, log, measures_of, release, report_value, reports_of


def _states(lists) -> Counter:
    return Counter(state for states in lists for state in states)


def test_the_portfolio_figures_are_the_sums_of_what_was_built(db, portfolio):
    compilation = services.run_compile(trigger="cli")

    projects = portfolio.projects
    awarded = sum(project.award_pence for project in projects)
    released = sum(portfolio.released.values())
    match = {"pledged": 0, "confirmed": 0, "received": 0}
    for status, amount in portfolio.match.values():
        match[status] += amount
    rags = Counter(rag or "none" for rag in portfolio.rag.values())
    figures = compilation.figures
    assert compilation.status == "done" and compilation.error is None
    assert compilation.projects_total == compilation.projects_done == 3
    assert figures["projects"] == 3
    assert figures["by_status"] == {
        "setup": 3,
        "active": 0,
        "closing": 0,
        "closed": 0,
        "withdrawn": 0,
        "ended_early": 0,
    }
    assert figures["live"] == 3
    assert figures["by_rag"] == {
        "red": rags["red"],
        "amber": rags["amber"],
        "green": rags["green"],
        "none": rags["none"],
    }
    assert figures["by_rag"] == {"red": 0, "amber": 1, "green": 1, "none": 1}  # the override, not the red update
    assert figures["updates"] == sum(count for count, _ in portfolio.updates.values()) == 3
    assert figures["awarded_pence"] == awarded == 8_100_000
    assert figures["released_pence"] == released == 1_350_000 + 810_000 + 1_350_000
    assert figures["remaining_pence"] == awarded - released
    assert figures["not_paid_pence"] == figures["given_up_pence"] == figures["given_up"] == 0
    assert figures["match_pence"] == match == {"pledged": 800_000, "confirmed": 1_000_000, "received": 1_200_000}
    assert figures["measures"] == dict(_states(portfolio.measure_states.values()))
    assert figures["measures"] == {"met": 1, "on_track": 1, "off_track": 1, "not_reported": 1, "no_target": 1}
    commitments = _states(portfolio.commitment_states.values())
    assert figures["commitments"] == {
        state: commitments[state] for state in ("planned", "in_progress", "done", "overdue")
    }
    assert figures["commitments"] == {"planned": 1, "in_progress": 1, "done": 1, "overdue": 1}
    reports = Counter()
    for states in portfolio.report_states.values():
        reports.update(states)
    assert figures["reports"] == dict(reports)
    assert figures["reports"] == {"accepted": 2, "submitted": 2, "changes_requested": 1, "overdue": 2}


def test_the_leadership_shift_is_on_pairs_and_the_steering_groups_only_on_projects_big_enough(db, portfolio):
    figures = services.run_compile().figures

    everyone = [pair for pairs in portfolio.pairs.values() for pair in pairs]
    shown_alone = [pair for pairs in portfolio.pairs.values() if len(pairs) >= 5 for pair in pairs]
    for key, pairs in (("all", everyone), ("closed", shown_alone)):
        result = figures["leadership"][key]
        assert result["pairs"] == len(pairs)
        assert len(result["changes"]) == 7  # every domain of the framework
        for change in result["changes"]:
            assert change["pairs"] == len(pairs)
            assert change["baseline"] == pytest.approx(sum(start for start, _ in pairs) / len(pairs))
            assert change["final"] == pytest.approx(sum(end for _, end in pairs) / len(pairs))
    assert figures["leadership"]["all"]["pairs"] == 7 and figures["leadership"]["closed"]["pairs"] == 5
    assert figures["leadership"]["all"]["respondents"] == {"baseline": 7, "midpoint": 0, "final": 7}


def test_each_project_has_its_own_row_in_reference_order(db, portfolio):
    rows = services.run_compile().rows

    assert [row["reference"] for row in rows] == sorted(project.reference for project in portfolio.projects)
    for project, row in zip(portfolio.projects, rows, strict=True):
        count, latest = portfolio.updates[project.id]
        status, amount = portfolio.match[project.id]
        assert (row["project_id"], row["title"], row["place"]) == (project.id, project.title, project.place.name)
        assert row["rag"] == portfolio.rag[project.id]
        assert (row["updates"], row["last_update_on"]) == (count, latest.isoformat() if latest else None)
        assert row["award_pence"] == project.award_pence
        assert row["released_pence"] == portfolio.released[project.id]
        assert row["remaining_pence"] == project.award_pence - portfolio.released[project.id]
        assert row["match_pence"][status] == amount and sum(row["match_pence"].values()) == amount
        assert [measure["state"] for measure in row["measures"]] == portfolio.measure_states[project.id]
        assert sorted(state for state, n in row["commitments"].items() for _ in range(n)) == sorted(
            portfolio.commitment_states[project.id]
        )
        assert row["leadership"]["pairs"] == len(portfolio.pairs[project.id])
        assert row["reports"] == portfolio.report_states[project.id]
    first = rows[0]["measures"][0]
    assert (first["baseline"], first["target"], first["latest"], first["direction"]) == (40, 20, 18, "down")


def _typical_project(round_, officer, finance, enabler, framework, number):
    project = funded_project(round_)
    release(project, {1}, officer, finance)
    log(project, enabler, [("green", 2)])
    lead = project.application.lead_applicant
    report_value(reports_of(project)[0], measures_of(project)[0], 30, "submitted", lead, officer)
    answer(framework, project, number, 2, 4)
    return project


def _counted_compile(db) -> tuple[int, ProgressCompilation]:
    compilation = services.queue_compile(None, "cli")
    db.session.commit()
    db.session.expire_all()
    with QueryCounter() as counter:
        compiling.compile_progress(compilation.id)
    return counter.count, db.session.get(ProgressCompilation, compilation.id)


def test_a_compile_takes_the_same_number_of_queries_for_3_projects_or_12(db, officer, finance, framework):
    round_ = RoundFactory(code="LV8", status="assessing")
    enabler = UserFactory()
    for number in range(3):
        _typical_project(round_, officer, finance, enabler, framework, number)
    three, first = _counted_compile(db)
    for number in range(3, 12):
        _typical_project(round_, officer, finance, enabler, framework, number)
    twelve, second = _counted_compile(db)

    assert (len(first.rows), len(second.rows)) == (3, 12)
    assert second.figures["released_pence"] == 12 * 1_350_000
    assert three == twelve, f"{three} queries for 3 projects, {twelve} for 12"
    assert three < 40


def test_progress_is_committed_in_steps_as_the_rows_are_built(db, portfolio, monkeypatch):
    seen = []
    record = compiling._record_progress

    def watching(compilation_id, projects_done):
        record(compilation_id, projects_done)
        stored = db.session.scalar(
            db.select(ProgressCompilation.projects_done).where(ProgressCompilation.id == compilation_id)
        )
        seen.append((projects_done, stored))

    monkeypatch.setattr(compiling, "_record_progress", watching)
    services.run_compile()
    assert seen == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_a_failing_compile_ends_failed_with_its_error_and_no_rows(db, portfolio, monkeypatch):
    def broken():
        raise RuntimeError("the payments table is unreachable")

    monkeypatch.setattr(queries, "released_by_project", broken)
    compilation = services.run_compile()

    assert compilation.status == "failed"
    assert compilation.error == "RuntimeError: the payments table is unreachable"
    assert compilation.rows is None and compilation.figures is None and compilation.finished_at is not None
    stored = db.session.execute(
        db.text("SELECT rows IS NULL, figures IS NULL FROM progress_compilations WHERE id = :id"),
        {"id": compilation.id},
    ).one()
    assert tuple(stored) == (True, True)
    monkeypatch.undo()
    assert services.run_compile().status == "done"  # a failure does not block the next compile


def _listed(compilation_id: int) -> set[int]:
    return set(
        _db.session.scalars(
            _db.select(CompiledProject.project_id).where(CompiledProject.compilation_id == compilation_id)
        )
    )


def test_a_finished_report_keeps_the_projects_it_lists_and_a_failed_one_none(db, portfolio, monkeypatch):
    compilation = services.run_compile()
    assert _listed(compilation.id) == {row["project_id"] for row in compilation.rows}
    assert len(compilation.rows) == 3
    assert queries.latest_done_listing(compilation.rows[0]["project_id"]) == (compilation.id, compilation.finished_at)

    newer = funded_project(portfolio.projects[0].round)  # after the report: not in it, so no link to its row
    assert queries.latest_done_listing(newer.id) is None

    monkeypatch.setattr(queries, "released_by_project", lambda: 1 / 0)
    failed = services.run_compile()
    assert failed.status == "failed" and _listed(failed.id) == set()
    # The latest report is the latest finished one: a failed compile after it changes nothing.
    assert queries.latest_done_listing(compilation.rows[0]["project_id"]) == (compilation.id, compilation.finished_at)


def test_compiling_a_finished_compilation_again_changes_nothing(db, portfolio):
    compilation = services.run_compile()
    finished_at, rows = compilation.finished_at, compilation.rows
    assert compiling.compile_progress(compilation.id).status == "done"
    db.session.refresh(compilation)
    assert (compilation.finished_at, compilation.rows) == (finished_at, rows)
    assert compiling.compile_progress(999_999) is None


def test_a_second_delivery_of_the_job_leaves_a_compile_that_is_running_alone(db, portfolio):
    running = ProgressCompilation(status="running", trigger="cli", started_at=utcnow(), projects_total=3)
    db.session.add(running)
    db.session.commit()
    assert compiling.compile_progress(running.id) is running
    db.session.refresh(running)
    assert (running.status, running.rows, running.projects_done, running.finished_at) == ("running", None, 0, None)


def test_a_second_compile_is_refused_while_one_is_under_way(db, officer):
    running = ProgressCompilation(status="running", trigger="officer", started_at=utcnow(), requested_by_id=officer.id)
    db.session.add(running)
    db.session.commit()

    with pytest.raises(services.CompileUnderWay) as refusal:
        services.start_compile(officer)
    assert refusal.value.compilation == running
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(ProgressCompilation)) == 1


def test_the_database_allows_only_one_active_compile_even_if_two_start_at_once(db, officer, monkeypatch):
    db.session.add(ProgressCompilation(status="queued", trigger="officer"))
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(ProgressCompilation(status="running", trigger="cli", started_at=utcnow()))
    # Two clicks at once: neither sees the other's compile, the database refuses the second.
    monkeypatch.setattr(queries, "active", lambda: None)
    with pytest.raises(services.CompileUnderWay):
        services.queue_compile(officer, "officer")
    assert db.session.scalar(db.select(db.func.count()).select_from(ProgressCompilation)) == 1


def test_a_compile_whose_worker_died_does_not_block_the_next(app, db, officer):
    limit = app.config["CELERY_TASK_TIME_LIMIT"]
    stuck = ProgressCompilation(
        status="running",
        trigger="weekly",
        requested_at=utcnow() - timedelta(seconds=limit + 120),
        started_at=utcnow() - timedelta(seconds=limit + 60),
    )
    db.session.add(stuck)
    db.session.commit()

    compilation = services.start_compile(officer)
    db.session.commit()

    db.session.refresh(stuck)
    assert stuck.status == "failed" and stuck.error.startswith("Stopped without finishing")
    assert compilation.status == "done"  # jobs run in-process in tests
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert ["progress.compile_abandoned", "progress.compile_requested"] == [a for a in actions if "compile" in a]
