"""The safety net under every route: a service's refusal that the route did not catch, or a second copy of
something the database refused, is rolled back, recorded once in the audit trail and answered with a
409 page that says what happened and where to go, never a 500."""

from __future__ import annotations

from unittest import mock

import pytest
from sqlalchemy.exc import IntegrityError

from grants.applications import services
from grants.applications.models import Application
from grants.core.audit import AuditEvent
from grants.core.errors import GrantsError, InvalidTransition
from grants.extensions import db as _db
from tests.factories import ApplicationFactory, complete_bid
from tests.helpers import h1, text


@pytest.fixture
def bid(db):
    bid = complete_bid(ApplicationFactory())
    services.submit_application(bid, actor=bid.lead_applicant)
    _db.session.commit()
    return bid


@pytest.fixture
def lead(client_for, bid):
    return client_for(bid.lead_applicant)


def refusals() -> list[AuditEvent]:
    return _db.session.scalars(_db.select(AuditEvent).where(AuditEvent.action == "request.refused")).all()


def withdrawing_raises(make_error):
    """The withdrawal page's own check (before the action path) changes the bid, then refuses: nothing of
    the change may be kept. Changes that go through the action path are refused there
    (``tests/core/test_action_path.py``, and each area's tests); this is the net under everything else."""

    def refusal(application):
        application.title = "Changed before the refusal"
        _db.session.flush()
        return make_error(application)

    return mock.patch.object(services, "withdrawal_refusal", refusal)


@pytest.mark.parametrize(
    "make_error",
    [
        lambda application: GrantsError("The steering group is meeting about this bid."),
        lambda application: InvalidTransition(
            "application", "submitted", "withdrawn", "The steering group is meeting about this bid."
        ),
    ],
)
def test_a_refusal_the_route_did_not_catch_is_a_409_page_with_its_message(db, bid, lead, make_error):
    title = bid.title
    with withdrawing_raises(make_error):
        response = lead.post(f"/applications/{bid.id}/withdraw", data={"reason": "x"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert h1(html) == "This could not be done"
    assert "The steering group is meeting about this bid." in text(html)
    assert f'href="/applications/{bid.id}/withdraw"' in html  # back to the page, which shows how things stand
    stored = _db.session.get(Application, bid.id)
    assert (stored.title, stored.status) == (title, "submitted")
    [refusal] = refusals()
    assert refusal.actor_id == bid.lead_applicant_id
    assert refusal.request_path == f"/applications/{bid.id}/withdraw"
    assert refusal.after["status"] == 409
    assert refusal.after["reason"] == "The steering group is meeting about this bid."
    assert refusal.after["endpoint"] == "applications.withdraw"
    assert refusal.after["arguments"] == {"application_id": str(bid.id)}
    assert _db.session.scalars(_db.select(AuditEvent).where(AuditEvent.action == "application.withdrawn")).all() == []


def test_a_second_copy_the_database_refuses_is_a_409_after_rollback(db, bid, lead):
    def duplicate(application):
        _db.session.add(
            Application(
                round_id=application.round_id,
                lead_organisation_id=application.lead_organisation_id,
                lead_applicant_id=application.lead_applicant_id,
                status="draft",
                section_states={},
            )
        )
        _db.session.flush()  # the second live bid of one organisation in one round: a unique index refuses it

    with withdrawing_raises(duplicate):
        response = lead.post(f"/applications/{bid.id}/withdraw", data={"reason": "x"})
    assert response.status_code == 409
    assert "Someone made the same change at the same moment, so yours was not saved." in text(
        response.get_data(as_text=True)
    )
    assert _db.session.scalar(_db.select(_db.func.count(Application.id))) == 1
    assert _db.session.get(Application, bid.id).title != "Changed before the refusal"
    [refusal] = refusals()
    assert refusal.after["error"] == "IntegrityError" and refusal.after["status"] == 409


def test_any_other_broken_database_rule_is_still_a_fault(db, bid, lead):
    def no_organisation(application):
        application.lead_organisation_id = None
        _db.session.flush()

    with withdrawing_raises(no_organisation), pytest.raises(IntegrityError):
        lead.post(f"/applications/{bid.id}/withdraw", data={"reason": "x"})
    _db.session.rollback()
    assert refusals() == []


def test_a_post_only_address_offers_the_page_it_was_sent_from(db, bid, lead, app):
    from grants.main.errors import page_to_go_back_to

    with app.test_request_context(
        "/applications/1/partners/2/remove",
        method="POST",
        headers={"Referer": "http://localhost/applications/1/partnership"},
    ):
        assert page_to_go_back_to() == "/applications/1/partnership"
    with app.test_request_context(
        "/applications/1/partners/2/remove", method="POST", headers={"Referer": "https://elsewhere.example/x"}
    ):
        assert page_to_go_back_to() is None
    for path in ("//elsewhere.example/x", "/\\elsewhere.example/x"):  # a path a browser reads as another site
        with app.test_request_context(
            "/applications/1/partners/2/remove", method="POST", headers={"Referer": f"http://localhost{path}"}
        ):
            assert page_to_go_back_to() is None, path
    with app.test_request_context("/applications/1/check", method="POST"):
        assert page_to_go_back_to() == "/applications/1/check"


def test_a_refused_move_reads_as_english():
    assert InvalidTransition("application", "draft", "approved").message == (
        "An application that is draft cannot become approved."
    )
    assert InvalidTransition("round", "open", "draft").message == "A round that is open cannot become draft."


def test_the_api_answers_a_refusal_in_json(app):
    from grants.main.errors import render_error

    with app.test_request_context("/api/v1/projects", method="GET"):
        response = render_error(409, "The project changed a moment ago.")
    assert response.status_code == 409
    assert response.get_json() == {
        "error": {"status": 409, "code": "conflict", "message": "The project changed a moment ago."}
    }
