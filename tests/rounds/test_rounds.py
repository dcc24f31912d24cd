"""Programme officers run rounds; the public sees what is open; a round closes by itself."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from grants.bidforms.default import EXPRESSION_OF_INTEREST
from grants.core.audit import AuditEvent
from grants.core.db import utcnow
from grants.rounds.models import Round
from grants.rounds.services import close_due_rounds
from tests.factories import ApplicationFactory, RoundFactory, ThemeFactory
from tests.helpers import QueryCounter, error_summary, field_error, h1, run_task, text


def _boxes(html: str, name: str) -> list[tuple[str, bool]]:
    """Each checkbox called ``name``: its value and whether it is ticked."""
    boxes = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return [(re.search(r'value="([^"]*)"', box).group(1), " checked" in box) for box in boxes]


NEW_ROUND = {
    "title": "Local Vision wave 3",
    "code": "lv3",
    "summary": "Funding for local partnerships.",
    "guidance": "Apply as a partnership.",
    "opens_on": ["1", "3", "2027"],
    "opens_time": "9am",
    "closes_on": ["30", "6", "2027"],
    "closes_time": "12pm",
    "assessment_deadline": ["31", "7", "2027"],
    "award": "27,000",
    "match_required": "£10,000",
    "match_funder_label": "the local health and wellbeing board",
    "places": "25",
    "budget": "",
    "tranche_plan": "50, 30, 20",
    "project_months": "12",
    "report_every_months": "3",
    "min_partner_sectors": "2",
    "min_confirmed_partners": "1",
    "match_at_least_required": "y",
    "min_learning_commitments": "1",
}


def test_a_programme_officer_creates_a_draft_round_with_the_suggested_rubric(db, programme_officer_client):
    theme = ThemeFactory(name="Safeguarding")
    response = programme_officer_client.post("/manage/rounds/new", data={**NEW_ROUND, "themes": [theme.id]})
    round_ = db.session.scalars(db.select(Round)).one()
    assert response.headers["Location"] == f"/manage/rounds/{round_.id}"
    assert (round_.code, round_.status, round_.award_pence, round_.match_required_pence) == (
        "LV3",
        "draft",
        2_700_000,
        1_000_000,
    )
    assert (round_.places, round_.budget_pence, round_.tranche_plan) == (25, 67_500_000, [50, 30, 20])
    assert round_.opens_at == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # GMT in March
    assert round_.closes_at == datetime(2027, 6, 30, 11, 0, tzinfo=UTC)  # midday BST
    assert [t.name for t in round_.themes] == ["Safeguarding"]
    assert len(round_.criteria) == 6 and sum(c.weight for c in round_.criteria) == 100
    assert [c.question_keys for c in round_.criteria] == [
        ["partnership"],
        ["shared_vision"],
        ["systems_leadership"],
        [],
        ["outcomes", "measures"],
        ["learning_plan", "commitments"],
    ]
    assert db.session.scalars(db.select(AuditEvent.action)).all() == ["round.created"]
    page = text(programme_officer_client.get(response.headers["Location"]).get_data(as_text=True))
    assert "30 June 2027 at midday" in page and "£675,000" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"closes_on": ["1", "2", "2027"]}, "closes_on", "The closing time must be after the opening time"),
        ({"places": "", "budget": ""}, "budget", "Enter the number of projects to fund or a total budget"),
        ({"budget": "100,000"}, "budget", "Enter the number of projects to fund or a total budget, not both"),
        ({"places": "", "budget": "20,000"}, "budget", "The budget must allow at least one award of £27,000.00"),
        (
            {"tranche_plan": "50, 30"},
            "tranche_plan",
            "The tranche percentages must each be more than 0 and add up to 100",
        ),
        (
            {"tranche_plan": "half"},
            "tranche_plan",
            "Enter the tranche plan as whole percentages separated by commas, like 50, 30, 20",
        ),
        ({"code": "LV-3!"}, "code", "The reference prefix must be 2 to 8 capital letters or digits, like LV2"),
        ({"award": "   "}, "award", "Enter the award per project"),
        ({"closes_time": "25:00"}, "closes_time", "Closing time must be a time, like 5pm or 17:00"),
        ({"opens_on": ["30", "2", "2027"]}, "opens_on", "Opening date must be a real date, like 27 3 2027"),
        ({"places": "two"}, "places", "Number of projects to fund must be a whole number, like 25"),
    ],
)
def test_bad_round_details_are_explained_and_nothing_is_created(db, programme_officer_client, changes, field, message):
    html = programme_officer_client.post("/manage/rounds/new", data={**NEW_ROUND, **changes}).get_data(as_text=True)
    assert field_error(html, field) == message
    assert message in error_summary(html)
    assert db.session.scalars(db.select(Round)).all() == []


def test_a_round_code_is_used_once(db, programme_officer_client):
    RoundFactory(code="LV3")
    html = programme_officer_client.post("/manage/rounds/new", data=NEW_ROUND).get_data(as_text=True)
    assert field_error(html, "code") == "Another round already uses this code"


def test_a_round_moves_through_its_states_one_step_at_a_time(db, programme_officer_client):
    round_ = RoundFactory(status="draft")
    for target in ["open", "closed", "assessing"]:
        response = programme_officer_client.post(f"/manage/rounds/{round_.id}/status", data={"target": target})
        assert response.status_code == 302
        db.session.refresh(round_)
        assert round_.status == target
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["round.open", "round.closed", "round.assessing"]


def test_a_second_press_of_publish_says_the_round_is_already_open(db, programme_officer_client):
    round_ = RoundFactory(status="draft")
    path = f"/manage/rounds/{round_.id}/status"
    assert programme_officer_client.post(path, data={"target": "open"}).status_code == 302
    again = programme_officer_client.post(path, data={"target": "open"})
    assert again.status_code == 303 and again.headers["Location"] == f"/manage/rounds/{round_.id}"
    page = text(programme_officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert f"Round {round_.code} is already open." in page and "cannot become" not in page
    # Moved once; the second press is on record once, as a refusal.
    assert db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all() == [
        "round.open",
        "round.move_refused",
    ]


def test_the_round_is_locked_while_it_moves(db):
    from unittest import mock

    from grants.rounds import services

    round_ = RoundFactory(status="open")
    with mock.patch.object(services, "lock_and_refresh", wraps=services.lock_and_refresh) as lock:
        services.move_round(round_, "closed", actor=None)
    lock.assert_called_once_with(db.session, round_)
    db.session.rollback()


def test_a_round_form_sent_twice_creates_one_round(db, programme_officer_client):
    from grants.core.once import ALREADY
    from tests.helpers import form_key

    key = form_key(programme_officer_client.get("/manage/rounds/new").get_data(as_text=True))
    first = programme_officer_client.post("/manage/rounds/new", data={**NEW_ROUND, "submission": key})
    again = programme_officer_client.post("/manage/rounds/new", data={**NEW_ROUND, "submission": key})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert ALREADY in text(programme_officer_client.get(again.headers["Location"]).get_data(as_text=True))
    assert db.session.scalar(db.select(db.func.count(Round.id))) == 1


def test_a_criterion_sent_twice_is_added_once_and_a_second_removal_is_explained(db, programme_officer_client):
    round_ = RoundFactory(status="draft")
    path = f"/manage/rounds/{round_.id}/criteria/new"
    data = {"title": "Citizen voice", "guidance": "", "weight": "20", "scale_min": "0", "scale_max": "5"}
    from tests.helpers import form_key

    key = form_key(programme_officer_client.get(path).get_data(as_text=True))
    first = programme_officer_client.post(path, data={**data, "submission": key})
    again = programme_officer_client.post(path, data={**data, "submission": key})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    db.session.refresh(round_)
    added = [c for c in round_.criteria if c.title == "Citizen voice"]
    assert len(added) == 1
    remove = f"/manage/rounds/{round_.id}/criteria/{added[0].id}/remove"
    assert programme_officer_client.post(remove).status_code == 302
    again = programme_officer_client.post(remove)
    assert again.status_code == 303 and again.headers["Location"] == f"/manage/rounds/{round_.id}#rubric"
    page = text(programme_officer_client.get(f"/manage/rounds/{round_.id}").get_data(as_text=True))
    assert "That criterion is no longer in the rubric." in page
    removals = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "round.criterion_removed")).all()
    assert len(removals) == 1


def test_decisions_are_not_made_from_the_round_page(db, programme_officer_client):
    round_ = RoundFactory(status="assessing")
    programme_officer_client.post(f"/manage/rounds/{round_.id}/status", data={"target": "decided"})
    db.session.refresh(round_)
    assert round_.status == "assessing"
    round_.status = "decided"
    db.session.commit()
    programme_officer_client.post(f"/manage/rounds/{round_.id}/status", data={"target": "archived"})
    db.session.refresh(round_)
    assert round_.status == "archived"


def test_a_round_cannot_skip_a_state(db, programme_officer_client):
    round_ = RoundFactory(status="draft")
    response = programme_officer_client.post(f"/manage/rounds/{round_.id}/status", data={"target": "assessing"})
    page = text(programme_officer_client.get(response.headers["Location"]).get_data(as_text=True))
    assert "A round that is draft cannot become assessing." in page
    db.session.refresh(round_)
    assert round_.status == "draft"
    [refusal] = db.session.scalars(db.select(AuditEvent)).all()  # the refusal, once, and nothing else
    assert (refusal.action, refusal.object_type, refusal.object_id) == ("round.move_refused", "round", str(round_.id))
    assert refusal.after == {"reason": "A round that is draft cannot become assessing."}


def test_a_round_without_themes_cannot_be_published(db, programme_officer_client):
    round_ = RoundFactory(status="draft", themes=[])
    programme_officer_client.post(f"/manage/rounds/{round_.id}/status", data={"target": "open"})
    db.session.refresh(round_)
    assert round_.status == "draft"


def test_an_open_round_closes_by_itself_at_its_closing_time(app, db):
    due = RoundFactory(closes_at=utcnow() - timedelta(seconds=1))
    later = RoundFactory()
    assert run_task(app.extensions["celery"].tasks["rounds.close_due"]) == [due.id]
    db.session.expire_all()
    assert (due.status, later.status) == ("closed", "open")
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "round.closed")).one()
    assert (event.actor_id, event.after) == (None, {"status": "closed", "reason": "closing time reached"})
    assert close_due_rounds() == []


def test_once_open_only_wording_and_dates_can_change(db, programme_officer_client):
    round_ = RoundFactory(status="open", award_pence=2_700_000)
    html = programme_officer_client.get(f"/manage/rounds/{round_.id}/edit").get_data(as_text=True)
    assert 'name="award"' not in html and 'name="closes_time"' in html
    later = (round_.closes_at + timedelta(days=7)).astimezone(UTC)
    response = programme_officer_client.post(
        f"/manage/rounds/{round_.id}/edit",
        data={
            "title": "Extended wave",
            "summary": round_.summary,
            "guidance": "",
            "closes_on": [str(later.day), str(later.month), str(later.year)],
            "closes_time": "5pm",
            "award": "1",
        },
    )
    assert response.status_code == 302
    db.session.refresh(round_)
    assert round_.title == "Extended wave" and round_.award_pence == 2_700_000
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "round.updated")).one()
    assert set(event.after) == {"title", "closes_at"}


def test_the_service_refuses_locked_changes(db):
    from grants.rounds import services

    round_ = RoundFactory(status="open")
    with pytest.raises(services.RoundError, match="cannot change once the round is open: award_pence"):
        services.update_round(round_, {"award_pence": 1}, actor=None)


def test_the_rubric_is_edited_until_the_round_closes(db, programme_officer_client):
    round_ = RoundFactory(status="open")
    response = programme_officer_client.post(
        f"/manage/rounds/{round_.id}/criteria/new",
        data={
            "title": "Citizen voice",
            "guidance": "How residents shape it",
            "weight": "20",
            "scale_min": "0",
            "scale_max": "5",
        },
    )
    assert response.status_code == 302
    db.session.refresh(round_)
    assert [c.title for c in round_.criteria][-1] == "Citizen voice"
    html = programme_officer_client.post(
        f"/manage/rounds/{round_.id}/criteria/new",
        data={"title": "Bad", "weight": "1", "scale_min": "5", "scale_max": "5"},
    ).get_data(as_text=True)
    assert field_error(html, "scale_max") == "The highest score must be more than the lowest score"
    round_.status = "closed"  # scoring can begin: the rubric is fixed
    db.session.commit()
    programme_officer_client.post(
        f"/manage/rounds/{round_.id}/criteria/new",
        data={"title": "Late", "weight": "1", "scale_min": "0", "scale_max": "5"},
    )
    criterion = round_.criteria[0]
    programme_officer_client.post(f"/manage/rounds/{round_.id}/criteria/{criterion.id}/remove")
    db.session.refresh(round_)
    assert "Late" not in [c.title for c in round_.criteria] and criterion in round_.criteria


def test_a_criterion_names_the_questions_it_assesses_from_the_rounds_form(db, programme_officer_client):
    round_ = RoundFactory(status="draft", form=EXPRESSION_OF_INTEREST)
    criterion = round_.criteria[0]
    path = f"/manage/rounds/{round_.id}/criteria/{criterion.id}"
    page = programme_officer_client.get(path).get_data(as_text=True)
    offered = [value for value, _ticked in _boxes(page, "question_keys")]
    assert offered == ["place_themes", "idea", "partners_agreed", "partner_names", "budget"]
    assert "Roughly how much you would ask for (budget)" in text(page)
    data = {"title": criterion.title, "weight": "60", "scale_min": "0", "scale_max": "5"}
    response = programme_officer_client.post(path, data={**data, "question_keys": ["partner_names", "idea"]})
    assert response.status_code == 302
    db.session.refresh(criterion)
    assert criterion.question_keys == ["idea", "partner_names"]  # in the form's order
    saved = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "round.criterion_saved")).one()
    assert saved.after["question_keys"] == ["idea", "partner_names"]
    boxes = _boxes(programme_officer_client.get(path).get_data(as_text=True), "question_keys")
    assert [value for value, ticked in boxes if ticked] == ["idea", "partner_names"]
    page = text(programme_officer_client.get(f"/manage/rounds/{round_.id}").get_data(as_text=True))
    assert "Assesses: What would you like to change?; Which organisations have agreed?" in page


@pytest.mark.parametrize("key", ["shared_vision", "IDEA", "idea\x00", "x" * 5000, ""])
def test_a_criterion_refuses_a_question_the_rounds_form_does_not_have(db, programme_officer_client, key):
    round_ = RoundFactory(status="draft", form=EXPRESSION_OF_INTEREST)
    criterion = round_.criteria[0]
    path = f"/manage/rounds/{round_.id}/criteria/{criterion.id}"
    data = {"title": "Changed", "weight": "60", "scale_min": "0", "scale_max": "5"}
    response = programme_officer_client.post(path, data={**data, "question_keys": ["idea", key]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "question_keys") == "Choose only questions on the round's application form"
    db.session.refresh(criterion)
    assert (criterion.title, criterion.question_keys) == ("Strength of the partnership", [])


@pytest.mark.parametrize("role_client", ["applicant_client", "steering_chair_client", "finance_approver_client"])
def test_only_programme_officers_manage_rounds(db, request, role_client):
    client = request.getfixturevalue(role_client)
    assert client.get("/manage/rounds/").status_code == 403
    assert client.post("/manage/rounds/new", data=NEW_ROUND).status_code == 403
    assert db.session.scalars(db.select(Round)).all() == []


def test_the_public_sees_open_and_upcoming_rounds_but_not_drafts(db, client):
    RoundFactory(title="Open wave")
    RoundFactory(title="Coming wave", opens_at=utcnow() + timedelta(days=5), closes_at=utcnow() + timedelta(days=50))
    draft = RoundFactory(title="Secret wave", status="draft")
    page = text(client.get("/rounds/").get_data(as_text=True))
    assert "Open wave" in page and "Coming wave" in page and "Secret wave" not in page
    assert page.index("Open for bids") < page.index("Open wave") < page.index("Opening soon") < page.index("Coming")
    assert client.get(f"/rounds/{draft.id}").status_code == 404


def test_the_round_page_says_what_it_funds_and_how_to_apply(db, client):
    round_ = RoundFactory(title="Local Vision wave 2", closes_at=datetime(2027, 7, 1, 11, 0, tzinfo=UTC))
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    page = text(html)
    assert h1(html) == "Local Vision wave 2"
    assert "£27,000" in page and "£10,000 from the local health and wellbeing board" in page
    assert "1 July 2027 at midday" in page and "Create an account to apply" in page


def test_the_public_round_list_runs_a_fixed_number_of_queries(db, client):
    def queries_for(rounds: int) -> int:
        for _ in range(rounds):
            RoundFactory()
        with QueryCounter() as counter:
            assert client.get("/rounds/").status_code == 200
        return counter.count

    assert queries_for(2) == queries_for(12)


def test_the_officers_round_list_runs_a_fixed_number_of_queries(db, programme_officer_client):
    def queries_for(rounds: int) -> int:
        for _ in range(rounds):
            round_ = RoundFactory()
            ApplicationFactory(round=round_)
        with QueryCounter() as counter:
            assert programme_officer_client.get("/manage/rounds/").status_code == 200
        return counter.count

    assert queries_for(2) == queries_for(10)
