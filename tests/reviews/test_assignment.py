"""Programme officers assign steering members, by hand or automatically, never where there is a conflict."""

from collections import Counter
from datetime import date, timedelta

import pytest

from grants.core.permissions import Role
from grants.notifications.models import Notification
from grants.reviews.models import ConflictDeclaration, ReviewAssignment
from tests.factories import ApplicantFactory, PartnerFactory, UserFactory, under_review_bid
from tests.helpers import field_error

DUE = date.today() + timedelta(days=14)


def due_fields():
    return {"due_on": [str(DUE.day), str(DUE.month), str(DUE.year)]}


def members(count):
    return [UserFactory(roles=[Role.STEERING_MEMBER], name=f"Member {n}") for n in range(count)]


def test_automatic_assignment_gives_each_bid_its_reviewers_evenly(db, programme_officer_client):
    first = under_review_bid()
    bids = [first] + [under_review_bid(first.round) for _ in range(4)]
    people = members(4)
    response = programme_officer_client.post(
        f"/manage/rounds/{first.round_id}/reviewers/auto", data={"per_bid": "3", **due_fields()}
    )
    assert response.status_code == 302
    assignments = db.session.scalars(db.select(ReviewAssignment)).all()
    assert Counter(a.application_id for a in assignments) == {bid.id: 3 for bid in bids}
    load = Counter(a.reviewer_id for a in assignments)
    assert set(load) == {p.id for p in people} and max(load.values()) - min(load.values()) <= 1
    assert all(a.due_on == DUE and a.status == "assigned" for a in assignments)
    assert (
        len(db.session.scalars(db.select(Notification).where(Notification.template == "review_assigned")).all()) == 15
    )


def test_automatic_assignment_skips_conflicts_and_the_partnerships_own_people(db, programme_officer_client):
    bid = under_review_bid()
    conflicted, from_lead, from_partner, free = members(4)
    db.session.add(
        ConflictDeclaration(
            application_id=bid.id, reviewer_id=conflicted.id, has_conflict=True, nature="I chair the lead's board"
        )
    )
    from_lead.organisation_id = bid.lead_organisation_id
    from_partner.organisation_id = bid.partners[0].organisation_id
    db.session.commit()
    programme_officer_client.post(
        f"/manage/rounds/{bid.round_id}/reviewers/auto", data={"per_bid": "3", **due_fields()}
    )
    assert db.session.scalars(db.select(ReviewAssignment.reviewer_id)).all() == [free.id]


def test_running_it_again_keeps_what_is_there(db, programme_officer_client):
    bid = under_review_bid()
    members(3)
    for _ in range(2):
        programme_officer_client.post(
            f"/manage/rounds/{bid.round_id}/reviewers/auto", data={"per_bid": "2", **due_fields()}
        )
    assert len(db.session.scalars(db.select(ReviewAssignment)).all()) == 2


def test_assigning_by_hand_refuses_someone_from_the_partnership(db, programme_officer_client):
    bid = under_review_bid()
    insider = UserFactory(roles=[Role.STEERING_MEMBER], organisation=bid.partners[0].organisation)
    members(1)
    page = programme_officer_client.get(f"/manage/applications/{bid.id}/reviewers").get_data(as_text=True)
    assert f"{insider.name} is from the lead organisation or a partner in this bid" in page
    html = programme_officer_client.post(
        f"/manage/applications/{bid.id}/reviewers", data={"reviewer_id": insider.id, **due_fields()}
    ).get_data(as_text=True)
    assert field_error(html, "reviewer_id") == "Choose a steering group member who can review this bid"
    assert db.session.scalars(db.select(ReviewAssignment)).all() == []


def test_the_service_refuses_a_conflicted_reviewer_whatever_the_form(db):
    from grants.reviews import services

    bid = under_review_bid()
    [member] = members(1)
    db.session.add(
        ConflictDeclaration(application_id=bid.id, reviewer_id=member.id, has_conflict=True, nature="Family")
    )
    db.session.commit()
    with pytest.raises(services.ReviewError, match="has declared a conflict of interest"):
        services.assign_reviewer(bid, member, DUE, actor=UserFactory(roles=[Role.PROGRAMME_OFFICER]))


def test_assigning_by_hand(db, programme_officer_client):
    bid = under_review_bid()
    [member] = members(1)
    response = programme_officer_client.post(
        f"/manage/applications/{bid.id}/reviewers", data={"reviewer_id": member.id, **due_fields()}
    )
    assert response.status_code == 302
    assignment = db.session.scalars(db.select(ReviewAssignment)).one()
    assert (assignment.reviewer_id, assignment.assigned_by_id) == (member.id, programme_officer_client.user.id)


@pytest.mark.parametrize("role", [Role.STEERING_MEMBER, Role.STEERING_CHAIR, Role.APPLICANT])
def test_only_programme_officers_assign(db, client_for, role):
    bid = under_review_bid()
    members(2)
    client = client_for(UserFactory(roles=[role]) if role != Role.APPLICANT else ApplicantFactory())
    assert (
        client.post(f"/manage/rounds/{bid.round_id}/reviewers/auto", data={"per_bid": "2", **due_fields()}).status_code
        == 403
    )
    assert db.session.scalars(db.select(ReviewAssignment)).all() == []


def test_a_partner_organisation_added_later_still_excludes(db, programme_officer_client):
    bid = under_review_bid()
    [member] = members(1)
    extra = PartnerFactory(application=bid)
    member.organisation_id = extra.organisation_id
    db.session.commit()
    programme_officer_client.post(
        f"/manage/rounds/{bid.round_id}/reviewers/auto", data={"per_bid": "1", **due_fields()}
    )
    assert db.session.scalars(db.select(ReviewAssignment)).all() == []


def test_a_bid_left_short_by_a_conflict_is_offered_for_reassignment(db, app, programme_officer_client):
    from grants.reviews import services
    from tests.factories import ReviewAssignmentFactory
    from tests.helpers import text

    first, second = under_review_bid(), None
    second = under_review_bid(first.round)
    for bid in (first, second):
        for _ in range(2):
            ReviewAssignmentFactory(application=bid)
    assignment = db.session.scalars(
        db.select(ReviewAssignment).where(ReviewAssignment.application_id == second.id)
    ).first()
    services.declare(assignment, has_conflict=True, nature="Board member", actor=assignment.reviewer)
    db.session.commit()
    page = text(programme_officer_client.get(f"/manage/rounds/{first.round_id}/reviewers").get_data(as_text=True))
    assert "1 bid has fewer than 2 active reviewers" in page
    assert page.index(second.reference) < page.index("Needs another reviewer")
    assert page.count("Needs another reviewer") == 1


def test_the_assign_list_leaves_out_reviewers_already_on_the_bid_and_those_with_a_conflict(
    db, programme_officer_client
):
    from grants.reviews import services
    from tests.factories import ReviewAssignmentFactory

    bid = under_review_bid()
    reviewing, conflicted, taken_off, free = members(4)
    ReviewAssignmentFactory(application=bid, reviewer=reviewing)
    declared = ReviewAssignmentFactory(application=bid, reviewer=conflicted)
    services.declare(declared, has_conflict=True, nature="Trustee", actor=conflicted)
    ReviewAssignmentFactory(application=bid, reviewer=taken_off, status="withdrawn")
    db.session.commit()
    html = programme_officer_client.get(f"/manage/applications/{bid.id}/reviewers").get_data(as_text=True)
    select = html[html.index('name="reviewer_id"') : html.index("</select>")]
    assert f'value="{free.id}"' in select and f'value="{taken_off.id}"' in select
    assert f'value="{reviewing.id}"' not in select and f'value="{conflicted.id}"' not in select
    response = programme_officer_client.post(
        f"/manage/applications/{bid.id}/reviewers", data={"reviewer_id": reviewing.id, **due_fields()}
    )
    assert field_error(response.get_data(as_text=True), "reviewer_id") == (
        "Choose a steering group member who can review this bid"
    )
