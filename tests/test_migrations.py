"""The migrations build the schema the models describe, on PostgreSQL and on SQLite."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from grants.core.db import compare_type, include_object
from grants.extensions import db
from tests.conftest import drop_database, make_test_app, new_database

COMPARE = {"compare_type": compare_type, "include_object": include_object}


def test_models_and_migrations_agree_on_postgresql(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=COMPARE)
            differences = compare_metadata(context, db.metadata)
    assert differences == [], f"run `flask --app wsgi db migrate`: the models have changed: {differences}"


def test_migrations_build_the_embedded_sqlite_database(tmp_path, app):
    url = f"sqlite:///{tmp_path / 'grants.sqlite'}"
    sqlite_app = make_test_app(url)
    with sqlite_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "user_roles", "audit_events", "notifications", "organisations", "places", "themes"} <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=COMPARE)
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        db.engine.dispose()


def test_audit_trigger_exists_on_sqlite_too(tmp_path, app):
    url = f"sqlite:///{tmp_path / 'grants.sqlite'}"
    sqlite_app = make_test_app(url)
    with sqlite_app.app_context():
        upgrade()
        db.engine.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO audit_events (occurred_at, action) VALUES ('2026-01-01', 'x')")
    with engine.connect() as connection:
        try:
            connection.exec_driver_sql("DELETE FROM audit_events")
        except Exception as error:  # noqa: BLE001
            assert "append-only" in str(error)
        else:
            raise AssertionError("deleting an audit event was allowed")
    engine.dispose()


def test_the_database_accepts_every_role_the_code_knows(db):
    """Alembic does not compare CHECK constraints: adding a role without a migration fails here."""
    from grants.accounts.models import UserRole
    from grants.core.permissions import Role
    from tests.factories import UserFactory

    user = UserFactory()
    for role in Role:
        db.session.add(UserRole(user_id=user.id, role=role.value))
    db.session.flush()
    assert {grant.role for grant in db.session.scalars(db.select(UserRole))} == {role.value for role in Role}


def _insert(connection, table: str, **values) -> None:
    from sqlalchemy import column
    from sqlalchemy import table as table_of

    connection.execute(table_of(table, *(column(name) for name in values)).insert().values(**values))


def test_projects_funded_before_conditions_existed_get_them_with_their_agreement_schedule(tmp_path, app):
    """The funding migration gives existing tranches the default conditions and existing agreements the
    schedule their words describe."""
    import json

    url = f"sqlite:///{tmp_path / 'grants.sqlite'}"
    sqlite_app = make_test_app(url)
    now = "2026-01-01 09:00:00"
    stamps = {"created_at": now, "updated_at": now}
    with sqlite_app.app_context():
        upgrade(revision="94d4740bf95d")
        with db.engine.begin() as connection:
            _insert(
                connection,
                "users",
                id=1,
                email="lead@example.org",
                name="Lead",
                session_token="t",
                is_active=1,
                **stamps,
            )
            _insert(
                connection,
                "organisations",
                id=1,
                name="Wigan Council",
                sector="local_government",
                address_line_1="",
                address_line_2="",
                town="",
                postcode="",
                **stamps,
            )
            _insert(
                connection,
                "rounds",
                id=1,
                code="LV1",
                title="Wave 1",
                summary="",
                guidance="",
                opens_at=now,
                closes_at="2026-02-01 09:00:00",
                award_pence=2_700_000,
                match_required_pence=1_000_000,
                match_funder_label="the board",
                budget_pence=2_700_000,
                tranche_plan="[50, 30, 20]",
                eligibility="{}",
                status="decided",
                last_reference_number=1,
                **stamps,
            )
            _insert(
                connection,
                "applications",
                id=1,
                round_id=1,
                lead_organisation_id=1,
                lead_applicant_id=1,
                status="approved",
                reference="LV1-0001",
                submitted_at=now,
                title="Home safely",
                issue="",
                shared_vision="",
                systems_leadership="",
                outcomes="",
                learning_plan="",
                match_funder="",
                section_states="{}",
                **stamps,
            )
            _insert(
                connection,
                "projects",
                id=1,
                application_id=1,
                round_id=1,
                reference="LV1-0001",
                title="Home safely",
                lead_organisation_id=1,
                award_pence=2_700_000,
                starts_on="2026-03-01",
                ends_on="2027-02-28",
                status="setup",
                **stamps,
            )
            for sequence, share, amount, due in [
                (1, 50, 1_350_000, "2026-03-01"),
                (2, 30, 810_000, "2026-08-01"),
                (3, 20, 540_000, "2027-02-01"),
            ]:
                _insert(
                    connection,
                    "tranches",
                    project_id=1,
                    sequence=sequence,
                    percentage=share,
                    amount_pence=amount,
                    due_on=due,
                    status="scheduled",
                    **stamps,
                )
            _insert(
                connection,
                "grant_agreements",
                project_id=1,
                version=1,
                status="draft",
                terms="The terms",
                award_pence=2_700_000,
                **stamps,
            )
        upgrade()
        with db.engine.connect() as connection:
            kinds = connection.exec_driver_sql(
                "SELECT t.sequence, c.kind FROM tranche_conditions c JOIN tranches t ON t.id = c.tranche_id "
                "ORDER BY t.sequence, c.position"
            ).all()
            schedule = connection.exec_driver_sql("SELECT schedule FROM grant_agreements").scalar()
        with db.engine.begin() as connection:  # signed, its words are the database's to keep, on SQLite too
            connection.exec_driver_sql(
                "UPDATE grant_agreements SET status = 'signed', issued_at = '2026-01-02 09:00:00', "
                "signed_at = '2026-01-03 09:00:00', signed_by_id = 1, signed_name = 'Lead'"
            )
        refusals = []
        for statement in ("UPDATE grant_agreements SET terms = 'Other terms'", "DELETE FROM grant_agreements"):
            with db.engine.connect() as connection:
                try:
                    connection.exec_driver_sql(statement)
                except Exception as error:  # noqa: BLE001
                    refusals.append(str(error))
        db.engine.dispose()
    assert len(refusals) == 2 and all("signed grant agreement cannot be" in refusal for refusal in refusals)
    assert [tuple(row) for row in kinds] == [
        (1, "agreement_signed"),
        (1, "match_confirmed"),
        (1, "enabler_assigned"),
        (2, "report_accepted"),
        (3, "report_accepted"),
        (3, "learning_evidenced"),
    ]
    assert json.loads(schedule) == [[1, 1350000, "2026-03-01"], [2, 810000, "2026-08-01"], [3, 540000, "2027-02-01"]]


@contextmanager
def _scratch_databases(request, tmp_path) -> Iterator[Callable[[], str]]:
    """Makes empty databases of the test's own, of the kind the test is run for; dropped after."""
    if request.param == "sqlite":
        yield lambda: f"sqlite:///{tmp_path / f'grants_{uuid.uuid4().hex[:12]}.sqlite'}"
        return
    server = request.getfixturevalue("postgres_server_url")
    urls: list[str] = []

    def new() -> str:
        urls.append(new_database(server, "grants_scratch"))
        return urls[-1]

    yield new
    for url in urls:
        drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_database(request, tmp_path):
    """An empty database of the test's own, of each kind the migrations run on."""
    with _scratch_databases(request, tmp_path) as new:
        yield new()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_scratch_database(request, tmp_path):
    """Makes empty databases of the test's own, of each kind the migrations run on."""
    with _scratch_databases(request, tmp_path) as new:
        yield new


def test_the_kept_bid_scores_are_filled_from_the_scores_given_before(scratch_database, app):
    """Migration d3f1a8b2c6e4 keeps every scored bid's figures as a recomputation gives them: the reviews
    submitted, not a draft, nor the review of someone who declared a conflict after scoring."""
    from grants.reviews import kept
    from tests.factories import ReviewAssignmentFactory, submitted_review, under_review_bid

    scratch = make_test_app(scratch_database)
    with scratch.app_context():
        upgrade()
        bid = under_review_bid()
        submitted_review(bid, [5, 4])
        submitted_review(bid, [2, 1])
        submitted_review(bid, [0, 0]).status = "conflicted"  # its scores no longer count
        other = under_review_bid(bid.round)
        submitted_review(other, [3, 2])
        ReviewAssignmentFactory(application=under_review_bid(bid.round), status="in_progress")
        db.session.commit()
        scored = {bid.id, other.id}
        db.session.remove()  # nothing of this session holds a table the migration drops
        downgrade(revision="fa666dda480c")
        upgrade()
        filled, recomputed = kept.kept(), kept.recomputed(db.true())
        db.session.remove()
        db.engine.dispose()
    assert set(filled) == scored and filled == recomputed
    assert filled[bid.id].weighted == round(100 * (60 * 3.5 / 5 + 40 * 2.5 / 5) / 100, 2)
    assert filled[bid.id].disagreements == 2


def test_the_projects_each_report_lists_are_filled_from_the_reports_compiled_before(scratch_database, app):
    """Migration c3d5f7a9b2e4 keeps, for every finished progress report, the projects its rows list (and
    none for a failed one), so a project's page finds its row of the latest report as before."""
    from grants.progress import queries, services
    from grants.progress.models import CompiledProject, ProgressCompilation
    from tests.factories import funded_project

    scratch = make_test_app(scratch_database)
    with scratch.app_context():
        upgrade()
        first, second = funded_project(), funded_project()
        earlier = services.run_compile()
        third = funded_project()
        latest = services.run_compile()
        db.session.add(ProgressCompilation(status="failed", trigger="cli", finished_at=latest.finished_at, error="x"))
        db.session.commit()
        expected = {(earlier.id, first.id), (earlier.id, second.id)} | {
            (latest.id, project.id) for project in (first, second, third)
        }
        db.session.remove()
        downgrade(revision="b9d2e4f6a8c1")
        upgrade()
        filled = set(db.session.execute(db.select(CompiledProject.compilation_id, CompiledProject.project_id)))
        found = queries.latest_done_listing(third.id)
        db.session.remove()
        db.engine.dispose()
    assert filled == expected
    assert found is not None and found[0] == latest.id


@pytest.mark.parametrize("scratch_database", ["postgresql"], indirect=True)
def test_the_library_search_words_are_filled_from_the_items_written_before(scratch_database, app):
    """Migration a7c4e2f9b1d3 keeps every item's search words: the library finds and ranks the items
    written before it as it did when it parsed their text on each search."""
    from sqlalchemy import text

    from grants.learning import queries
    from grants.learning.models import SEARCH_DOCUMENT, ItemStatus, LearningItem
    from tests.factories import funded_project

    searches = ("befriending", "hospital volunteers", "data -police")
    stories = [
        ("Befriending", "Befriending, befriending and befriending again.", "Sharing data."),
        ("Hospital", "Volunteers ran a befriending service from the hospital.", "The police helped."),
        ("Volunteers", "Volunteers befriended people leaving hospital.", "Sharing data."),
    ]
    scratch = make_test_app(scratch_database)
    with scratch.app_context():
        upgrade()
        project = funded_project()
        for number, (title, body, what_did_not) in enumerate(stories):
            db.session.add(
                LearningItem(
                    project=project,
                    title=title,
                    summary="",
                    body=body,
                    what_worked="",
                    what_did_not=what_did_not,
                    consent_to_publish=True,
                    status=ItemStatus.PUBLISHED,
                    published_at=datetime(2026, 1, 1 + number, tzinfo=UTC),
                )
            )
        db.session.commit()

        def found() -> dict[str, list[int]]:
            statements = {q: queries.library_statement(queries.LibraryFilters(q=q)) for q in searches}
            return {q: [item.id for item in db.session.scalars(statement)] for q, statement in statements.items()}

        def found_parsing_every_item() -> dict[str, list[int]]:  # the library's search before this migration
            query = "websearch_to_tsquery('english'::regconfig, :q)"
            statement = text(
                f"SELECT id FROM learning_items WHERE status = 'published' AND {SEARCH_DOCUMENT} @@ {query} "  # noqa: S608
                f"ORDER BY ts_rank({SEARCH_DOCUMENT}, {query}) DESC, published_at DESC, id DESC"
            )
            with db.engine.connect() as connection:
                return {q: list(connection.scalars(statement, {"q": q})) for q in searches}

        db.session.remove()
        downgrade(revision=_down_revision_of("a7c4e2f9b1d3"))  # whatever migrations follow it
        with db.engine.connect() as connection:
            table = inspect(connection)
            indexes = {index["name"] for index in table.get_indexes("learning_items")}
            columns = {column["name"] for column in table.get_columns("learning_items")}
        assert "ix_learning_items_search" in indexes and "search_words" not in columns
        before = found_parsing_every_item()
        upgrade()
        after = found()
        db.session.remove()
        db.engine.dispose()
    assert all(before.values()) and after == before


def test_the_kept_leadership_shift_is_filled_from_the_answers_given_before(scratch_database, app):
    """Migration e5a2b9c3d7f1 keeps every answered project's leadership figures as a recomputation gives
    them: people who answered the start and the end, the start only, and a project no one answered."""
    from grants.leadership import kept, services
    from grants.leadership.models import AssessmentResponse, AssessmentScore, Participant
    from tests.factories import funded_project

    scratch = make_test_app(scratch_database)
    with scratch.app_context():
        upgrade()
        framework = services.ensure_framework()
        answered, quiet = funded_project(), funded_project()
        for number, stages in enumerate(({"baseline": 2, "final": 4}, {"baseline": 3, "final": 4}, {"baseline": 1})):
            person = Participant(project_id=answered.id, name=f"Person {number}", email=f"p{number}@example.org")
            db.session.add(person)
            db.session.flush()
            for stage, value in stages.items():
                response = AssessmentResponse(participant_id=person.id, stage=stage, framework_id=framework.id)
                response.scores = [
                    AssessmentScore(behaviour_id=behaviour.id, value=value + behaviour.position % 2)
                    for domain in framework.domains
                    for behaviour in domain.behaviours
                ]
                db.session.add(response)
        db.session.commit()
        answered_id, quiet_id, domains = answered.id, quiet.id, len(framework.domains)
        db.session.remove()  # nothing of this session holds a table the migration drops
        downgrade(revision="d3f1a8b2c6e4")
        upgrade()
        filled, recomputed = kept.kept(), kept.recomputed(db.select(Participant.project_id))
        indexes = {index["name"] for index in inspect(db.engine).get_indexes("review_assignments")}
        db.session.remove()
        db.engine.dispose()
    assert set(filled) == {answered_id} and quiet_id not in recomputed
    assert filled[answered_id].agrees_with(recomputed[answered_id])
    assert filled[answered_id].respondents == {"baseline": 3, "midpoint": 0, "final": 2}
    assert filled[answered_id].pairs == 2 and len(filled[answered_id].domains) == domains
    assert "ix_review_assignments_status_due_on" in indexes


def _down_revision_of(revision: str) -> str:
    from pathlib import Path

    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(Path(__file__).resolve().parents[1] / "migrations")).get_revision(revision)
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


def _refusal(statement: str, row_id: int) -> str | None:
    """The database's refusal of the statement on one row, or None when it was allowed (and undone)."""
    with db.engine.connect() as connection:
        try:
            connection.execute(text(statement), {"id": row_id})
        except Exception as error:  # noqa: BLE001
            return str(error)
        finally:
            connection.rollback()
    return None


def test_the_signed_agreement_of_an_award_given_up_ends_and_is_signed_again_going_back(scratch_database, app):
    """Migration f1b6d8e2a9c7 ends the signed agreement of each award already given up, and no other, with its
    words and signature kept; going back, it is signed again. On each dialect the database then lets a signed
    agreement change only its status, to replaced or ended, and an ended one not at all."""
    from grants.core.permissions import Role
    from grants.projects import ending
    from tests.factories import UserFactory, funded_project
    from tests.funding.conftest import issue_and_sign

    before = _down_revision_of("f1b6d8e2a9c7")
    kept = "SELECT id, terms, schedule, signed_name, signed_by_id, signed_at, signed_ip FROM grant_agreements"
    scratch = make_test_app(scratch_database)
    with scratch.app_context():
        try:
            upgrade()
            officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
            given_up, running = funded_project(), funded_project()
            ended_id, signed_id = (issue_and_sign(project, officer).id for project in (given_up, running))
            lead = given_up.application.lead_applicant
            ending.confirm_ending(ending.record_withdrawal(given_up, reason="No longer", actor=lead), actor=officer)
            db.session.commit()
            db.session.remove()

            def statuses() -> dict[int, str]:
                with db.engine.connect() as connection:
                    return dict(connection.exec_driver_sql("SELECT id, status FROM grant_agreements").all())

            with db.engine.connect() as connection:
                as_signed = sorted(tuple(row) for row in connection.exec_driver_sql(kept).all())
            assert statuses() == {ended_id: "ended", signed_id: "signed"}

            downgrade(revision=before)
            assert statuses() == {ended_id: "signed", signed_id: "signed"}
            assert _refusal("UPDATE grant_agreements SET status = 'ended' WHERE id = :id", signed_id) is not None

            upgrade()
            assert statuses() == {ended_id: "ended", signed_id: "signed"}
            with db.engine.connect() as connection:
                assert sorted(tuple(row) for row in connection.exec_driver_sql(kept).all()) == as_signed
            for statement, agreement_id in (
                ("UPDATE grant_agreements SET terms = 'Pay us double' WHERE id = :id", signed_id),
                ("UPDATE grant_agreements SET signed_ip = '198.51.100.1' WHERE id = :id", signed_id),
                ("UPDATE grant_agreements SET status = 'withdrawn' WHERE id = :id", signed_id),
                ("UPDATE grant_agreements SET status = 'ended', terms = 'Other' WHERE id = :id", signed_id),
                ("UPDATE grant_agreements SET status = 'signed' WHERE id = :id", ended_id),
                ("UPDATE grant_agreements SET updated_at = signed_at WHERE id = :id", ended_id),
                ("DELETE FROM grant_agreements WHERE id = :id", ended_id),
            ):
                assert "grant agreement cannot be" in (_refusal(statement, agreement_id) or "allowed"), statement
            for statement in (
                "UPDATE grant_agreements SET status = 'ended' WHERE id = :id",
                "UPDATE grant_agreements SET status = 'superseded', superseded_at = signed_at WHERE id = :id",
            ):
                assert _refusal(statement, signed_id) is None, statement
        finally:
            db.session.remove()
            db.engine.dispose()


TRIGGERS = {
    "sqlite": "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": (
        "SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid) || ' ' || p.prosrc "
        "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
    ),
}


def _triggers(url: str) -> dict[tuple[str, str], str]:
    """Each trigger in the database, (table, trigger), with its definition (and its function's, on PostgreSQL)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(TRIGGERS[engine.dialect.name]).all()
    finally:
        engine.dispose()
    return {(table, name): " ".join(definition.split()) for table, name, definition in rows}


def _build(url: str, *, migrated: bool) -> dict[tuple[str, str], str]:
    """The triggers of a database built by the migrations, or from the models' own declarations."""
    scratch = make_test_app(url)
    with scratch.app_context():
        if migrated:
            upgrade()
        else:
            db.metadata.create_all(db.engine)
        db.engine.dispose()
    return _triggers(url)


def test_the_migrations_create_every_trigger_the_models_declare(new_scratch_database, app):
    """A rule the models give the database (a released tranche, a signed agreement, a sent message, an
    audit event never changes) holds in a migrated database too: on SQLite rebuilding a table drops its
    triggers, so a migration that rebuilds one must create them again, as the models now declare them."""
    declared = _build(new_scratch_database(), migrated=False)
    migrated = _build(new_scratch_database(), migrated=True)
    assert declared, "the models declare no trigger: the comparison proves nothing"
    assert sorted(declared.keys() - migrated.keys()) == [], "triggers the migrations do not create"
    assert sorted(migrated.keys() - declared.keys()) == [], "triggers the migrations create that the models do not"
    assert [name for name in declared if declared[name] != migrated[name]] == [], "triggers defined otherwise"


def test_a_database_built_by_the_migrations_on_sqlite_keeps_a_released_tranche(tmp_path, app):
    """Migration b9d2e4f6a8c1 creates again the tranche triggers SQLite dropped when it rebuilt the table: a
    released tranche can be neither changed nor deleted, one not yet released still can. Going back, they go."""
    from tests.factories import UserFactory, funded_project

    scratch = make_test_app(f"sqlite:///{tmp_path / 'grants.sqlite'}")
    with scratch.app_context():
        try:
            upgrade()
            project, officer = funded_project(), UserFactory()
            released_id, scheduled_id = db.session.scalars(
                text("SELECT id FROM tranches WHERE project_id = :id ORDER BY sequence LIMIT 2"), {"id": project.id}
            )
            db.session.execute(
                text(
                    "UPDATE tranches SET status = 'released', requested_at = CURRENT_TIMESTAMP, "
                    "requested_by_id = :officer, released_at = CURRENT_TIMESTAMP WHERE id = :id"
                ),
                {"officer": officer.id, "id": released_id},
            )
            db.session.commit()
            db.session.remove()
            changes = (
                "UPDATE tranches SET amount_pence = amount_pence + 1 WHERE id = :id",
                "UPDATE tranches SET due_on = '2030-01-01' WHERE id = :id",
                "UPDATE tranches SET status = 'scheduled' WHERE id = :id",
            )
            for statement in changes:
                assert "a released tranche cannot be changed" in (_refusal(statement, released_id) or "allowed")
                assert _refusal(statement, scheduled_id) is None, statement
            deletion = "DELETE FROM tranches WHERE id = :id"
            assert "a released tranche cannot be deleted" in (_refusal(deletion, released_id) or "allowed")
            assert _refusal(deletion, scheduled_id) is None
            assert _refusal("UPDATE tranches SET updated_at = CURRENT_TIMESTAMP WHERE id = :id", released_id) is None

            downgrade(revision=_down_revision_of("b9d2e4f6a8c1"))
            assert _refusal(deletion, released_id) is None
            upgrade()
            assert "a released tranche cannot be deleted" in (_refusal(deletion, released_id) or "allowed")
        finally:
            db.session.remove()
            db.engine.dispose()
