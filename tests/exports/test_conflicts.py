"""Conflicts of interest hold in downloads as on the assessment pages: a reviewer who declared a conflict
has their scores left out, and no one downloads a bid they are conflicted with."""

from grants.core.permissions import Role
from grants.reviews import services
from tests.exports.conftest import csv_table
from tests.factories import PartnerFactory, UserFactory, decide, funded_project, submitted_review
from tests.helpers import text


def test_a_reviewer_who_declared_a_conflict_has_their_scores_left_out(programme, programme_officer_client, db):
    conflicted = UserFactory(name="Conflicted Reviewer", roles=[Role.STEERING_MEMBER])
    assignment = submitted_review(programme.bid, [0, 0], reviewer=conflicted)
    url = f"/exports/scores.csv?round={programme.round.id}"
    assert {row["Reviewer"] for row in csv_table(programme_officer_client.get(url))} == {
        "Asha Reviewer",
        "Conflicted Reviewer",
    }
    services.declare(assignment, has_conflict=True, nature="My sister leads the bid.", actor=conflicted)
    db.session.commit()
    rows = csv_table(programme_officer_client.get(url))
    assert [(row["Reviewer"], row["Score"]) for row in rows] == [("Asha Reviewer", "4"), ("Asha Reviewer", "3")]


def test_a_chair_does_not_download_a_bid_they_are_conflicted_with(programme, client_for, db):
    """Nor its scores, its decision or its project; another chair, and the officers, still do."""
    other_bid = funded_project(programme.round, title="Active lives").application
    submitted_review(other_bid, [5, 5])
    decide(other_bid, "approved")
    conflicted_chair = UserFactory(name="Conflicted Chair", roles=[Role.STEERING_CHAIR])
    services.declare_chair_conflict(programme.bid, "I chair its board.", actor=conflicted_chair)
    db.session.commit()
    chair, other_chair = client_for(conflicted_chair), client_for(programme.chair)
    for dataset, column in [
        ("applications", "Reference"),
        ("scores", "Application reference"),
        ("decisions", "Application reference"),
        ("projects", "Reference"),
    ]:
        url = f"/exports/{dataset}.csv?round={programme.round.id}"
        assert programme.bid.reference not in {row[column] for row in csv_table(chair.get(url))}, dataset
        assert other_bid.reference in {row[column] for row in csv_table(chair.get(url))}, dataset
        assert programme.bid.reference in {row[column] for row in csv_table(other_chair.get(url))}, dataset
    page = chair.get("/exports/").get_data(as_text=True)
    assert "Bids you have a conflict of interest with" in text(page)
    assert "left out of your downloads, with their scores and decisions and their projects." in text(page)
    assert "conflict of interest with" not in text(other_chair.get("/exports/").get_data(as_text=True))


def test_a_chair_downloads_only_bids_under_assessment_or_decided(programme, steering_chair_client):
    rows = csv_table(steering_chair_client.get(f"/exports/applications.csv?round={programme.round.id}"))
    assert [row["Reference"] for row in rows] == [programme.bid.reference]  # not the withdrawn bid or the draft


def test_a_steering_member_does_not_download_the_projects_of_bids_their_organisation_is_part_of(
    programme, client_for, db
):
    partner = PartnerFactory(application=programme.other_project.application)
    member = UserFactory(roles=[Role.STEERING_MEMBER], organisation_id=partner.organisation_id)
    rows = csv_table(client_for(member).get("/exports/projects.csv"))
    assert [row["Reference"] for row in rows] == [programme.project.reference]
    # Programme staff see every project, whatever their organisation.
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER], organisation_id=partner.organisation_id)
    rows = csv_table(client_for(officer).get("/exports/projects.csv"))
    assert [row["Reference"] for row in rows] == [programme.project.reference, programme.other_project.reference]
