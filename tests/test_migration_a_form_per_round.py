"""The migration that gives every round a form (e2b7c9d41a06) moves every bid's answers out of their
columns and back again with nothing lost, on PostgreSQL and on SQLite."""

from __future__ import annotations

import json

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import column, inspect, table

from grants.extensions import db
from tests.conftest import drop_database, make_test_app, new_database

BEFORE, FORMS = "c4e8a1f7d352", "e2b7c9d41a06"
MOVED = ("issue", "shared_vision", "systems_leadership", "outcomes", "learning_plan")
NOW = "2026-01-01 09:00:00"
STAMPS = {"created_at": NOW, "updated_at": NOW}

# The form every bid so far was answered against, as the migration must give it to every round:
# each page's key and title, and each question's key, kind, whether required, limit and public summary.
PROGRAMME_FORM = [
    ("partnership", "The partnership", [("partnership", "partnership", True, None, False)]),
    (
        "issue",
        "The issue and the place",
        [("place_themes", "place_themes", True, None, False), ("issue", "long_text", True, 3000, True)],
    ),
    ("vision", "Shared vision", [("shared_vision", "long_text", True, 2000, True)]),
    ("approach", "Why a systems-leadership approach", [("systems_leadership", "long_text", True, 2000, False)]),
    (
        "outcomes",
        "Outcomes and how they will be measured",
        [("outcomes", "long_text", True, 2000, False), ("measures", "measures", True, None, False)],
    ),
    ("match", "Match funding", [("match_funding", "match_funding", True, None, False)]),
    (
        "learning",
        "Learning commitments",
        [("learning_plan", "long_text", False, 1500, False), ("commitments", "commitments", True, None, False)],
    ),
    ("budget", "Budget", [("budget", "budget", True, None, False)]),
]

LONG = "Délai de sortie de l'hôpital. " * 700  # longer than any limit the form sets: nothing is cut
# Each bid: (id, round id, lead organisation id, status, reference, its five old answers in order).
BIDS = [
    (
        1,
        1,
        1,
        "submitted",
        "LV1-0001",
        (
            "Older people in Wigan wait too long to leave hospital.",
            "Everyone home within a day of being well enough — “home first”.",
            "No one service owns the delay.\n\nIt sits between the hospital, social care and housing.",
            "Fewer delayed discharges; fewer readmissions within 30 days.",
            "Through the learning network.",
        ),
    ),
    (2, 1, 2, "draft", None, ("Half written", "", "", "", "")),
    (3, 1, 3, "draft", None, ("", "", "", "", "")),
    (
        4,
        2,
        1,
        "withdrawn",
        None,
        (
            LONG,
            "Łódź, Cymru: Iechyd da! 健康 ✓ — مرحبا 🏠",
            "   ",  # only spaces: kept as they were
            'It\'s \'quoted\', "double", back\\slash, and {"json": null}; DROP TABLE applications; --',
            "",
        ),
    ),
    (5, 2, 2, "under_review", "LV2-0001", ("0", "null", "{}", "[]", "\t\ttabbed\n")),
]


def _insert(connection, table_name: str, /, **values) -> None:
    connection.execute(table(table_name, *(column(key) for key in values)).insert().values(**values))


def _seed_before_forms(connection) -> None:
    """Two rounds with their rubrics, three organisations and five bids, in the shape before forms."""
    _insert(
        connection, "users", id=1, email="lead@example.org", name="Lead", session_token="t", is_active=True, **STAMPS
    )
    for number, name in enumerate(("Wigan Council", "Cornwall Council", "Hull City Council"), start=1):
        _insert(
            connection,
            "organisations",
            id=number,
            name=name,
            sector="local_government",
            address_line_1="",
            address_line_2="",
            town="",
            postcode="",
            **STAMPS,
        )
    for number, status in ((1, "decided"), (2, "assessing")):
        _insert(
            connection,
            "rounds",
            id=number,
            code=f"LV{number}",
            title=f"Wave {number}",
            summary="",
            guidance="",
            opens_at=NOW,
            closes_at="2026-02-01 09:00:00",
            award_pence=2_700_000,
            match_required_pence=1_000_000,
            match_funder_label="the board",
            budget_pence=2_700_000,
            tranche_plan="[50, 30, 20]",
            eligibility="{}",
            status=status,
            last_reference_number=1,
            **STAMPS,
        )
        for position in (1, 2):
            _insert(
                connection,
                "rubric_criteria",
                round_id=number,
                position=position,
                # The first of each rubric is one of the programme's suggested criteria, the second is not.
                title="Clarity of the shared vision" if position == 1 else f"Criterion {position}",
                guidance="",
                weight=10,
                scale_min=0,
                scale_max=5,
            )
    for bid_id, round_id, organisation_id, status, reference, answers in BIDS:
        _insert(
            connection,
            "applications",
            id=bid_id,
            round_id=round_id,
            lead_organisation_id=organisation_id,
            lead_applicant_id=1,
            status=status,
            reference=reference,
            submitted_at=NOW if reference else None,
            title=f"Bid {bid_id}",
            match_funder="",
            section_states=json.dumps({"issue": "completed"}),
            **dict(zip(MOVED, answers, strict=True)),
            **STAMPS,
        )
    _document(connection, 1, "match_evidence", application_id=1)


def _document(connection, number: int, kind: str, application_id: int) -> None:
    _insert(
        connection,
        "documents",
        id=number,
        application_id=application_id,
        kind=kind,
        original_filename=f"{kind}.pdf",
        stored_name=f"stored-{number}.pdf",
        content_type="application/pdf",
        size_bytes=100,
        sha256="a" * 64,
        uploaded_by_id=1,
        uploaded_at=NOW,
    )


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _forms(connection) -> dict[int, list]:
    """Each round's form as (page key, title, [(question key, kind, required, max_chars, public), ...])."""
    pages = connection.exec_driver_sql(
        "SELECT id, round_id, key, title, description FROM form_pages ORDER BY round_id, position"
    ).all()
    questions = connection.exec_driver_sql(
        "SELECT page_id, round_id, key, kind, title, required, max_chars, public_summary, max_words, "
        "choices, condition_key FROM form_questions ORDER BY page_id, position"
    ).all()
    forms: dict[int, list] = {}
    for page_id, round_id, key, title, _ in pages:
        asked = [q for q in questions if q.page_id == page_id]
        assert all(q.round_id == round_id and q.title for q in asked), "every question belongs to its round"
        assert all(q.max_words is None and _json(q.choices) == [] and q.condition_key is None for q in asked)
        shape = [(q.key, q.kind, bool(q.required), q.max_chars, bool(q.public_summary)) for q in asked]
        forms.setdefault(round_id, []).append((key, title, shape))
    return forms


def _round_trip(url: str) -> None:
    application = make_test_app(url)
    with application.app_context():
        try:
            upgrade(revision=BEFORE)
            with db.engine.begin() as connection:
                _seed_before_forms(connection)

            upgrade(revision=FORMS)
            columns = {c["name"] for c in inspect(db.engine).get_columns("applications")}
            assert "answers" in columns and not columns & set(MOVED)
            with db.engine.connect() as connection:
                assert _forms(connection) == {1: PROGRAMME_FORM, 2: PROGRAMME_FORM}
                answers = dict(connection.exec_driver_sql("SELECT id, answers FROM applications").all())
                kept = dict(connection.exec_driver_sql("SELECT id, section_states FROM applications").all())
                criteria = (
                    connection.exec_driver_sql("SELECT question_keys FROM rubric_criteria ORDER BY round_id, position")
                    .scalars()
                    .all()
                )
            for bid_id, *_, old in BIDS:
                expected = {key: value for key, value in zip(MOVED, old, strict=True) if value != ""}
                assert _json(answers[bid_id]) == expected, bid_id
                assert _json(kept[bid_id]) == {"issue": "completed"}
            assert [_json(keys) for keys in criteria] == [["shared_vision"], [], ["shared_vision"], []]

            with db.engine.begin() as connection:  # a file answering a question, which only a form can hold
                _document(connection, 2, "answer", application_id=5)

            downgrade(revision=BEFORE)
            names = set(inspect(db.engine).get_table_names())
            assert not names & {"form_pages", "form_questions"}
            columns = {c["name"] for c in inspect(db.engine).get_columns("applications")}
            assert set(MOVED) <= columns and "answers" not in columns
            assert "question_keys" not in {c["name"] for c in inspect(db.engine).get_columns("rubric_criteria")}
            with db.engine.connect() as connection:
                rows = connection.exec_driver_sql(
                    "SELECT id, issue, shared_vision, systems_leadership, outcomes, learning_plan, title, "
                    "section_states FROM applications ORDER BY id"
                ).all()
                documents = connection.exec_driver_sql("SELECT id, kind FROM documents").all()
            assert [(row[0], tuple(row[1:6])) for row in rows] == [(bid[0], bid[5]) for bid in BIDS]
            assert all(
                row.title == f"Bid {row.id}" and _json(row.section_states) == {"issue": "completed"} for row in rows
            )
            assert [tuple(row) for row in documents] == [(1, "match_evidence")]

            upgrade(revision=FORMS)  # and up again: the same answers as the first time
            with db.engine.connect() as connection:
                again = dict(connection.exec_driver_sql("SELECT id, answers FROM applications").all())
            assert {key: _json(value) for key, value in again.items()} == {
                key: _json(value) for key, value in answers.items()
            }
        finally:
            db.session.remove()
            db.engine.dispose()


def test_the_migration_round_trips_every_bid_on_sqlite(tmp_path, app):
    _round_trip(f"sqlite:///{tmp_path / 'grants.sqlite'}")


@pytest.fixture
def empty_postgresql_url(postgres_server_url):
    """A PostgreSQL database of its own, created empty for this test and dropped after."""
    url = new_database(postgres_server_url, "grants_migration")
    try:
        yield url
    finally:
        drop_database(url)


def test_the_migration_round_trips_every_bid_on_postgresql(empty_postgresql_url, app):
    _round_trip(empty_postgresql_url)
