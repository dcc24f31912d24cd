"""The end of a grant through its pages, as each person meets it: the close-out page in every state, the
close itself, an award given up, an early end and its repayment, and two confirmations at once."""

import re
import threading
from datetime import timedelta

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.core.times import london_today
from grants.extensions import db as _db
from grants.notifications.models import Notification
from grants.projects import ending, queries
from grants.projects.models import FINISHED_STATUSES, EndingStatus, Project, ProjectEnding, ProjectStatus
from tests.factories import ApplicantFactory, UserFactory, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter, error_summary, field_error, text
from tests.projects.helpers import (
    begin_closeout,
    emails,
    give_enabler,
    reasons_for_everything_left,
)

WHY = "The council withdrew its support after the election."


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return text(response.get_data(as_text=True))


def followed(client, response) -> str:
    """The page a redirect leads to, with its flashed message."""
    assert response.status_code in (302, 303), response.status_code
    return page(client, response.headers["Location"])


def refusals() -> int:
    return _db.session.scalar(
        _db.select(_db.func.count()).select_from(AuditEvent).where(AuditEvent.action.like("%refused"))
    )


def audited(action: str) -> int:
    return _db.session.scalar(_db.select(_db.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def closeout_url(project) -> str:
    return f"/projects/{project.id}/close-out"


def ending_url(project, proposal) -> str:
    return f"/projects/{project.id}/endings/{proposal.id}"


@pytest.fixture
def people(db, project, lead, officer, finance):
    """Everyone who may look at the project (its enabler included) and an applicant of another organisation."""
    current = next((assignment for assignment in queries.assignments_of(project.id) if assignment.is_current), None)
    return {
        "officer": officer,
        "finance": finance,
        "lead": lead,
        "enabler": current.enabler if current else give_enabler(project),
        "steering": UserFactory(roles=[Role.STEERING_MEMBER]),
        "stranger": ApplicantFactory(),
    }


def answers(client_for, people, url) -> dict[str, int]:
    return {who: client_for(person).get(url).status_code for who, person in people.items()}


def give_up_by_lead(project, lead, officer):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    ending.confirm_ending(recorded, actor=officer)
    _db.session.commit()
    return recorded


def end_early(project, officer, finance, repayment_pence=None):
    proposed = ending.propose_early_end(project, reason=WHY, repayment_pence=repayment_pence, actor=officer)
    ending.confirm_ending(proposed, actor=finance)
    _db.session.commit()
    return proposed


def closed(project, officer):
    begin_closeout(project, officer)
    ending.close_project(
        project, note="It met its aims.", exceptions=reasons_for_everything_left(project), actor=officer
    )
    _db.session.commit()


# --- The close-out page in each state, for each person ------------------------------------------------------

SEES_RUNNING = {"officer": 200, "finance": 200, "lead": 200, "enabler": 200, "steering": 200, "stranger": 404}
SEES_FINISHED = SEES_RUNNING | {"enabler": 404}  # the enabler's support has ended with the project


def test_the_close_out_page_of_a_project_being_set_up(db, project, people, client_for):
    assert answers(client_for, people, closeout_url(project)) == SEES_RUNNING
    shown = page(client_for(people["officer"]), closeout_url(project))
    assert "Setting up" in shown and "its grant agreement is not signed yet" in shown
    assert "Start the close-out now" not in shown and "Close the project" not in shown


def test_the_close_out_page_of_an_active_project(db, active_project, people, client_for):
    assert answers(client_for, people, closeout_url(active_project)) == SEES_RUNNING
    for_officer = page(client_for(people["officer"]), closeout_url(active_project))
    assert f"The project runs until {active_project.ends_on.day}" in for_officer
    assert "What close-out looks for" in for_officer and "Every tranche released or cancelled" in for_officer
    assert "Start the close-out now" in for_officer
    for who in ("finance", "lead", "enabler", "steering"):
        assert "Start the close-out now" not in page(client_for(people[who]), closeout_url(active_project))


def test_the_close_out_page_of_a_project_in_close_out(db, active_project, people, client_for):
    begin_closeout(active_project, people["officer"])
    assert answers(client_for, people, closeout_url(active_project)) == SEES_RUNNING
    for_officer = page(client_for(people["officer"]), closeout_url(active_project))
    assert "Closing" in for_officer and "Left to do" in for_officer and "Close the project" in for_officer
    assert "Why will “Every tranche released or cancelled” not happen?" in for_officer
    assert "History" in for_officer and "Close-out started" in for_officer
    for who in ("finance", "lead", "enabler", "steering"):
        shown = page(client_for(people[who]), closeout_url(active_project))
        assert "Left to do" in shown and "Close the project" not in shown


def test_the_close_out_page_of_a_closed_project(db, active_project, people, client_for):
    closed(active_project, people["officer"])
    assert answers(client_for, people, closeout_url(active_project)) == SEES_FINISHED
    for who in ("officer", "lead", "steering"):
        shown = page(client_for(people[who]), closeout_url(active_project))
        assert f"Closed {active_project.finished_at.day}" in shown and "by Sarah Collins" in shown
        assert "It met its aims." in shown and "What did not happen, and why" in shown
        assert "Will not happen" in shown and "Left to do" not in shown
        assert "Close the project" not in shown and "Start the close-out now" not in shown
        assert "Project closed" in shown  # its history


def test_the_close_out_page_of_an_award_given_up(db, project, people, client_for):
    recorded = give_up_by_lead(project, people["lead"], people["officer"])
    assert answers(client_for, people, closeout_url(project)) == SEES_FINISHED
    for_lead = client_for(people["lead"]).get(closeout_url(project)).get_data(as_text=True)
    assert "Award given up on" in text(for_lead) and "the project ended without a close-out" in text(for_lead)
    assert ending_url(project, recorded) in for_lead  # why: for the team and the programme staff
    for_steering = client_for(people["steering"]).get(closeout_url(project)).get_data(as_text=True)
    assert "Award given up on" in text(for_steering) and ending_url(project, recorded) not in for_steering
    assert "What close-out looks for" not in text(for_steering)


def test_the_close_out_page_of_an_early_end(db, paid_project, people, client_for, officer, finance):
    proposed = end_early(paid_project, officer, finance)
    assert answers(client_for, people, closeout_url(paid_project)) == SEES_FINISHED
    for_finance = client_for(finance).get(closeout_url(paid_project)).get_data(as_text=True)
    assert "Ended early on" in text(for_finance) and ending_url(paid_project, proposed) in for_finance


# --- Starting and closing ------------------------------------------------------------------------------------


def test_an_officer_starts_the_close_out_once(db, active_project, lead, officer, client_for):
    url = f"/projects/{active_project.id}/close-out/start"
    as_lead = client_for(lead)
    before = refusals()
    assert as_lead.post(url).status_code == 403
    assert refusals() == before + 1
    as_officer = client_for(officer)
    first = as_officer.post(url)
    assert first.headers["Location"] == closeout_url(active_project)
    assert f"The close-out of {active_project.reference} has started." in followed(as_officer, first)
    again = as_officer.post(url)
    assert again.status_code == 303
    assert f"The close-out of {active_project.reference} has already started." in followed(as_officer, again)
    assert audited("project.closing") == 1
    assert active_project.status == ProjectStatus.CLOSING


def test_closing_is_refused_beside_each_thing_left_then_closes_with_reasons(
    db, active_project, lead, officer, client_for
):
    give_enabler(active_project)
    begin_closeout(active_project, officer)
    left = [item for item in ending.closeout_items(active_project) if not item.done]
    client = client_for(officer)

    response = client.post(closeout_url(active_project), data={"closeout_note": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    expected = [f"Say why “{item.title}” will not happen, or finish it first" for item in left]
    assert error_summary(html) == [*expected, "Write the close-out note"]
    for item, message in zip(left, expected, strict=True):
        assert field_error(html, f"why_{item.key}") == message
    assert field_error(html, "closeout_note") == "Write the close-out note"
    assert f"<title>Error: Close-out of {active_project.reference}" in html
    assert active_project.status == ProjectStatus.CLOSING
    assert audited("project.close_refused") == 1

    data = {"closeout_note": "The partnership met its aims.", **{f"why_{k}": v for k, v in reasons(left).items()}}
    response = client.post(closeout_url(active_project), data=data)
    assert response.status_code == 302
    assert f"{active_project.reference} is closed." in followed(client, response)
    assert active_project.status == ProjectStatus.CLOSED
    sent = len(emails("project_closed"))

    again = client.post(closeout_url(active_project), data=data)
    assert again.status_code == 303
    assert f"{active_project.reference} has already been closed." in followed(client, again)
    assert audited("project.closed") == 1 and len(emails("project_closed")) == sent


def reasons(left) -> dict[str, str]:
    return {item.key: "It will not happen: the partners agreed." for item in left}


def test_only_an_officer_closes(db, active_project, lead, finance, client_for):
    begin_closeout(active_project, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    for person in (lead, finance):
        before = refusals()
        assert client_for(person).post(closeout_url(active_project), data={"closeout_note": "x"}).status_code == 403
        assert refusals() == before + 1
    assert active_project.status == ProjectStatus.CLOSING


# --- An award given up ---------------------------------------------------------------------------------------


def test_the_lead_gives_up_the_award_and_an_officer_confirms_it(db, project, lead, officer, client_for):
    as_lead = client_for(lead)
    form = page(as_lead, f"/projects/{project.id}/give-up")
    assert f"Give up the award for {project.reference}?" in form
    response = as_lead.post(f"/projects/{project.id}/give-up", data={"reason": WHY})
    recorded = _db.session.scalars(_db.select(ProjectEnding).where(ProjectEnding.project_id == project.id)).one()
    assert response.headers["Location"] == ending_url(project, recorded)
    shown = followed(as_lead, response)
    assert "A programme officer will confirm it." in shown and "Waiting for confirmation" in shown
    assert "A programme officer will confirm this." in shown and WHY in shown
    assert emails("award_given_up_recorded") == [officer.email]

    as_officer = client_for(officer)
    assert "Confirm" in page(as_officer, ending_url(project, recorded))
    response = as_officer.post(f"{ending_url(project, recorded)}/confirm", data={"confirm-decision_note": "Agreed."})
    assert response.status_code == 302
    assert f"The award for {project.reference} is given up." in followed(as_officer, response)
    assert project.status == ProjectStatus.WITHDRAWN and recorded.status == EndingStatus.CONFIRMED
    partner = project.application.partners[0]
    assert sorted(emails("award_given_up")) == sorted([lead.email, partner.contact_email])

    again = as_officer.post(f"{ending_url(project, recorded)}/confirm", data={})
    assert again.status_code == 303
    assert "This has already been confirmed." in followed(as_officer, again)
    assert audited("project.withdrawn") == 1


def test_the_lead_cannot_confirm_their_own_award_given_up(db, project, lead, client_for):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    _db.session.commit()
    before = refusals()
    assert client_for(lead).post(f"{ending_url(project, recorded)}/confirm", data={}).status_code == 403
    assert refusals() == before + 1
    assert recorded.status == EndingStatus.PROPOSED and project.status == ProjectStatus.SETUP


def test_a_second_give_up_goes_to_the_one_waiting(db, project, lead, officer, client_for):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    _db.session.commit()
    client = client_for(officer)
    response = client.post(f"/projects/{project.id}/give-up", data={"reason": "Again"})
    assert response.status_code == 303 and response.headers["Location"] == ending_url(project, recorded)
    assert "has already been recorded and is waiting for confirmation" in followed(client, response)


def test_a_give_up_without_a_reason_is_refused_at_the_field(db, project, lead, client_for):
    response = client_for(lead).post(f"/projects/{project.id}/give-up", data={"reason": " "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "reason") == "Give the reason"
    assert f"<title>Error: Give up the award for {project.reference}? –" in html


def test_nobody_gives_up_an_award_once_money_is_paid(db, paid_project, lead, client_for):
    as_lead = client_for(lead)
    opened = as_lead.get(f"/projects/{paid_project.id}/give-up")
    assert opened.status_code == 302 and opened.location.endswith(f"/projects/{paid_project.id}")
    assert "Money has already been paid" in page(as_lead, f"/projects/{paid_project.id}")
    response = as_lead.post(f"/projects/{paid_project.id}/give-up", data={"reason": WHY})
    assert response.status_code == 400
    assert "Money has already been paid" in field_error(response.get_data(as_text=True), "reason")


# --- An early end ----------------------------------------------------------------------------------------------


def test_an_officer_proposes_an_early_end_and_another_person_confirms(db, paid_project, officer, finance, client_for):
    as_officer = client_for(officer)
    assert "Amount to be repaid (optional)" in page(as_officer, f"/projects/{paid_project.id}/end-early")
    response = as_officer.post(
        f"/projects/{paid_project.id}/end-early", data={"reason": WHY, "repayment_pence": "5,000"}
    )
    proposed = _db.session.scalars(_db.select(ProjectEnding).where(ProjectEnding.project_id == paid_project.id)).one()
    assert response.headers["Location"] == ending_url(paid_project, proposed)
    shown = followed(as_officer, response)
    assert "A finance approver other than you confirms this." in shown and "£5,000.00" in shown
    assert emails("early_end_proposed") == [finance.email]

    before = refusals()
    assert as_officer.post(f"{ending_url(paid_project, proposed)}/confirm", data={}).status_code == 403
    assert refusals() == before + 1 and paid_project.status == ProjectStatus.ACTIVE

    as_finance = client_for(finance)
    response = as_finance.post(f"{ending_url(paid_project, proposed)}/confirm", data={})
    assert f"{paid_project.reference} has ended early." in followed(as_finance, response)
    assert paid_project.status == ProjectStatus.ENDED_EARLY and proposed.decided_by_id == finance.id


def test_an_early_end_is_offered_only_to_an_officer_of_a_paid_running_project(
    db, active_project, officer, finance, client_for
):
    assert client_for(finance).get(f"/projects/{active_project.id}/end-early").status_code == 403
    response = client_for(officer).post(f"/projects/{active_project.id}/end-early", data={"reason": WHY})
    assert response.status_code == 400
    assert "Nothing has been paid" in field_error(response.get_data(as_text=True), "reason")


def test_a_repayment_over_what_was_paid_is_refused_at_the_field(db, paid_project, officer, client_for):
    response = client_for(officer).post(
        f"/projects/{paid_project.id}/end-early", data={"reason": WHY, "repayment_pence": "20000"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "repayment_pence") == "The amount to be repaid must be no more than the £13,500.00 paid"
    assert error_summary(html) == ["The amount to be repaid must be no more than the £13,500.00 paid"]


# --- Cancelling and declining ------------------------------------------------------------------------------------


def test_declining_needs_a_note_beside_the_field(db, project, lead, officer, client_for):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    _db.session.commit()
    client = client_for(officer)
    assert "Decline it" in page(client, ending_url(project, recorded))
    response = client.post(f"{ending_url(project, recorded)}/cancel", data={"cancel-decision_note": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "cancel-decision_note") == "Say why you are declining it"
    assert error_summary(html) == ["Say why you are declining it"]
    assert f"<title>Error: Giving up the award: {project.reference} –" in html
    assert recorded.status == EndingStatus.PROPOSED

    response = client.post(
        f"{ending_url(project, recorded)}/cancel", data={"cancel-decision_note": "The partners found the money."}
    )
    assert "The proposal is cancelled." in followed(client, response)
    assert recorded.status == EndingStatus.CANCELLED and emails("ending_cancelled") == [lead.email]
    shown = page(client_for(lead), ending_url(project, recorded))
    assert "Cancelled" in shown and "The partners found the money." in shown


def test_the_proposer_withdraws_their_own_proposal(db, project, lead, client_for):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    _db.session.commit()
    client = client_for(lead)
    assert "Withdraw it" in page(client, ending_url(project, recorded))
    response = client.post(f"{ending_url(project, recorded)}/cancel", data={})
    assert "The proposal is cancelled." in followed(client, response)
    assert recorded.status == EndingStatus.CANCELLED and emails("ending_cancelled") == []


def test_the_ending_page_is_for_the_team_and_the_programme_staff(db, project, people, client_for):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=people["lead"])
    _db.session.commit()
    assert answers(client_for, people, ending_url(project, recorded)) == {
        "officer": 200,
        "finance": 200,
        "lead": 200,
        "enabler": 404,
        "steering": 404,
        "stranger": 404,
    }
    other = funded_project()
    assert client_for(people["officer"]).get(f"/projects/{other.id}/endings/{recorded.id}").status_code == 404


# --- Repayment ----------------------------------------------------------------------------------------------------


def test_a_repayment_is_recorded_then_received(db, paid_project, officer, finance, client_for):
    proposed = end_early(paid_project, officer, finance)
    client = client_for(finance)
    url = ending_url(paid_project, proposed)
    assert "Record an amount to be repaid" in page(client, url)
    response = client.post(f"{url}/repayment", data={"repayment_pence": "3,000"})
    assert "The amount to be repaid is recorded." in followed(client, response)
    assert proposed.repayment_pence == 300_000
    amount_box = re.search(r'<input[^>]*name="repayment_pence"[^>]*>', client.get(url).get_data(as_text=True))
    assert amount_box and 'value="3000.00"' in amount_box.group(0)  # the amount to change, shown

    tomorrow = london_today() + timedelta(days=1)
    future = [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]
    response = client.post(f"{url}/repaid", data={"repayment_received_on": future, "repayment_reference": "BACS-IN-7"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "repayment_received_on") == "The date must be today or in the past"
    assert error_summary(html) == ["The date must be today or in the past"]
    assert proposed.repayment_received_on is None

    today = london_today()
    response = client.post(
        f"{url}/repaid",
        data={
            "repayment_received_on": [str(today.day), str(today.month), str(today.year)],
            "repayment_reference": "BACS-IN-7",
        },
    )
    shown = followed(client, response)
    assert "The repayment is recorded as received." in shown and "reference BACS-IN-7" in shown
    assert proposed.repayment_received_on == today
    assert "Record the repayment received" not in shown


def test_a_repayment_is_for_programme_staff(db, paid_project, lead, officer, finance, client_for):
    proposed = end_early(paid_project, officer, finance)
    response = client_for(lead).post(f"{ending_url(paid_project, proposed)}/repayment", data={"repayment_pence": "1"})
    assert response.status_code == 403 and proposed.repayment_pence is None


# --- The project page ------------------------------------------------------------------------------------------------


def test_the_project_page_shows_each_status_as_a_tag(db, project, officer, client_for):
    client = client_for(officer)
    for status in ProjectStatus:
        _db.session.execute(
            _db.update(Project)
            .where(Project.id == project.id)
            .values(status=status, finished_at=project.created_at if status in FINISHED_STATUSES else None)
        )
        _db.session.commit()
        html = client.get(f"/projects/{project.id}").get_data(as_text=True)
        assert f">{project.status_label}</strong>" in html, status


def test_the_project_page_offers_the_end_to_those_who_may_start_it(db, project, people, client_for):
    offered = {
        who: text(client_for(person).get(f"/projects/{project.id}").get_data(as_text=True))
        for who, person in people.items()
        if who != "stranger"
    }
    assert "Record that the award is given up" in offered["officer"]
    assert "Record that the award is given up" in offered["lead"]
    assert "Close-out" in offered["officer"] and "Close-out" not in offered["lead"]
    for who in ("finance", "enabler", "steering"):
        assert "Record that the award is given up" not in offered[who] and "End the project early" not in offered[who]
    assert all("End the project early" not in shown for shown in offered.values())


def test_a_paid_project_offers_an_early_end_and_lists_its_proposals(
    db, paid_project, lead, officer, finance, client_for
):
    shown = page(client_for(officer), f"/projects/{paid_project.id}")
    assert "End the project early" in shown and "Record that the award is given up" not in shown
    proposed = ending.propose_early_end(paid_project, reason=WHY, repayment_pence=None, actor=officer)
    _db.session.commit()
    for person in (officer, lead, finance):
        html = client_for(person).get(f"/projects/{paid_project.id}").get_data(as_text=True)
        assert ending_url(paid_project, proposed) in html and "Proposals to end the project" in text(html)
        assert "Ending the project early: waiting for confirmation" in text(html)
        assert "End the project early</a>" not in html  # one proposal at a time
    steering = UserFactory(roles=[Role.STEERING_MEMBER])
    assert ending_url(paid_project, proposed) not in client_for(steering).get(f"/projects/{paid_project.id}").get_data(
        as_text=True
    )


def test_a_project_in_close_out_links_everyone_to_it(db, active_project, lead, officer, client_for):
    begin_closeout(active_project, officer)
    assert "Close-out: what is left before the project is closed" in page(
        client_for(lead), f"/projects/{active_project.id}"
    )


def test_a_closed_project_page_says_so_and_offers_no_change(db, active_project, officer, client_for):
    enabler = give_enabler(active_project)
    closed(active_project, officer)
    client = client_for(officer)
    html = client.get(f"/projects/{active_project.id}").get_data(as_text=True)
    shown = text(html)
    assert f"Closed on {active_project.finished_at.day}" in shown and "See the close-out" in shown
    assert "Override the RAG" not in shown and "Record that the award is given up" not in shown
    assert f"/manage/projects/{active_project.id}/enabler" not in html
    assert "declared a link" not in shown
    before = refusals()
    response = client.post(f"/projects/{active_project.id}/rag", data={"rag": "red", "reason": "Late"})
    assert response.status_code == 403 and refusals() == before + 1
    assert active_project.rag_override is None
    as_enabler = client_for(enabler)
    assert as_enabler.get(f"/projects/{active_project.id}/updates/new").status_code == 404


def test_an_award_given_up_page_says_when(db, project, lead, officer, client_for):
    recorded = give_up_by_lead(project, lead, officer)
    html = client_for(lead).get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"Award given up on {project.finished_at.day}" in text(html) and ending_url(project, recorded) in html
    assert "Record that the award is given up" not in text(html)


def test_the_project_page_reads_its_endings_in_a_fixed_number_of_queries(db, app, project, lead, officer, client_for):
    client = client_for(officer)
    url = f"/projects/{project.id}"
    client.get(url)
    with QueryCounter() as without:
        assert client.get(url).status_code == 200
    for _ in range(3):
        recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
        ending.cancel_ending(recorded, actor=lead)
        _db.session.commit()
    with QueryCounter() as with_three:
        html = client.get(url).get_data(as_text=True)
    assert html.count("/endings/") == 3
    assert len(real(with_three.statements)) == len(real(without.statements))


def real(statements):
    return [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))]


# --- The list of projects ---------------------------------------------------------------------------------------------


def test_the_list_filters_by_every_status_and_shows_finished_ones(db, project, lead, officer, client_for):
    give_up_by_lead(project, lead, officer)
    other = funded_project(project.round)
    client = client_for(officer)
    html = client.get("/projects/").get_data(as_text=True)
    for label in ("Setting up", "Active", "Closing", "Closed", "Award given up", "Ended early"):
        assert f">{label}</option>" in html
    shown = text(client.get("/projects/?status=withdrawn").get_data(as_text=True))
    assert project.reference in shown and "Award given up" in shown and other.reference not in shown
    shown = text(client.get("/projects/?status=ended_early").get_data(as_text=True))
    assert "No projects match." in shown


# --- Two confirmations at once, on PostgreSQL with real commits ---------------------------------------------------

ROUNDS = 2


def _confirm_at_once(clients, url) -> list[int]:
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def confirm(client):
        barrier.wait(10)
        statuses.append(client.post(url, data={}).status_code)

    threads = [threading.Thread(target=confirm, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_two_officers_confirming_at_once_give_up_the_award_once(app, committed_db):
    officers = [UserFactory(roles=[Role.PROGRAMME_OFFICER]) for _ in range(2)]
    clients = [sign_in_client(app, officer) for officer in officers]
    round_ = funded_project().round
    for _ in range(ROUNDS):
        project = funded_project(round_)
        lead = project.application.lead_applicant
        recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
        _db.session.commit()
        statuses = _confirm_at_once(clients, f"{ending_url(project, recorded)}/confirm")
        assert sorted(statuses) == [302, 303]
        _db.session.expire_all()
        assert _db.session.get(Project, project.id).status == ProjectStatus.WITHDRAWN
        moves = _db.session.scalars(
            _db.select(AuditEvent).where(
                AuditEvent.action == "project.withdrawn", AuditEvent.object_id == str(project.id)
            )
        ).all()
        assert len(moves) == 1
        told = _db.session.scalars(
            _db.select(Notification.recipient_email).where(
                Notification.template == "award_given_up", Notification.context["project_id"].as_integer() == project.id
            )
        ).all()
        assert sorted(told) == sorted([lead.email, project.application.partners[0].contact_email])
