"""The chair moderates, chooses a portfolio within budget, and makes the decisions take effect."""

import re
from datetime import date, timedelta

import pytest

from grants.applications.models import Application
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.funding.models import GrantAgreement, MatchFunding, Tranche
from grants.learning.models import LearningCommitment
from grants.notifications.models import Notification
from grants.projects.models import Project
from grants.reviews.models import Decision, ReviewAssignment
from grants.rounds.models import Round
from tests.factories import (
    RoundFactory,
    UserFactory,
    decide,
    submitted_review,
    under_review_bid,
)
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter, field_error, h1, text


@pytest.fixture
def round_(db):
    # Room for 2 projects of up to £27,000: a budget of £54,000.
    return RoundFactory(
        code="LV7",
        status="assessing",
        places=2,
        budget_pence=5_400_000,
        assessment_deadline=date.today() + timedelta(days=20),
    )


@pytest.fixture
def bids(round_):
    """Three bids, ranked: strong (92), middling (60), weak (32)."""
    strong, middling, weak = (under_review_bid(round_, title=title) for title in ("Strong", "Middling", "Weak"))
    for bid, values in ((strong, [5, 4]), (middling, [3, 3]), (weak, [2, 1])):
        submitted_review(bid, values)
        submitted_review(bid, values)
    return strong, middling, weak


@pytest.fixture
def chair(app, db):
    return sign_in_client(app, UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER]))


def decide_through_page(client, bid, outcome, **extra):
    return client.post(
        f"/assessment/applications/{bid.id}",
        data={"outcome": outcome, "rationale": "The steering group agreed.", **extra},
    )


def test_the_ranking_orders_bids_with_a_running_total(db, round_, bids, chair):
    page = text(chair.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True))
    strong, middling, weak = bids
    assert page.index(strong.reference) < page.index(middling.reference) < page.index(weak.reference)
    assert "92.0" in page and "60.0" in page and "32.0" in page
    assert "£54,000" in page and "£81,000" in page  # running totals: 27k, 54k, 81k


def test_weighted_scores_shown_match_a_hand_computation(db, round_, bids, chair):
    strong = bids[0]
    # Rubric weights 60 and 40, scale 0–5; both reviewers gave 5 and 4: 100 × (60×5/5 + 40×4/5)/100 = 92
    html = chair.get(f"/assessment/applications/{strong.id}").get_data(as_text=True)
    assert "92.0 out of 100" in text(html)


def test_disagreement_is_flagged_with_justifications_side_by_side(db, round_, chair):
    bid = under_review_bid(round_)
    submitted_review(bid, [5, 3], justification="Every sector is there.")
    submitted_review(bid, [2, 3], justification="The police are missing.")
    page = text(chair.get(f"/assessment/applications/{bid.id}").get_data(as_text=True))
    assert "Every sector is there." in page and "The police are missing." in page
    assert "Disagree" in page and "2–5" in page
    assert "1 to moderate" in text(chair.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True))


def test_the_chair_asks_a_reviewer_to_look_again(db, round_, bids, chair):
    strong = bids[0]
    assignment = db.session.scalars(
        db.select(ReviewAssignment).where(ReviewAssignment.application_id == strong.id)
    ).first()
    response = chair.post(
        f"/assessment/assignments/{assignment.id}/look-again", data={"note": "Is the citizen voice really that strong?"}
    )
    assert response.status_code == 302
    db.session.refresh(assignment)
    # The scores keep counting until the reviewer submits new ones.
    assert (assignment.status, assignment.look_again_note) == (
        "submitted",
        "Is the citizen voice really that strong?",
    )
    assert db.session.scalars(db.select(Notification).where(Notification.template == "review_look_again")).one()
    assert "Reviews in" in chair.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True)


def test_approving_over_the_budget_is_refused_and_nothing_changes(db, round_, bids, chair):
    strong, middling, weak = bids
    decide(strong, "approved")
    decide(middling, "approved")
    round_.places = None  # the budget alone decides
    db.session.commit()
    html = decide_through_page(chair, weak, "approved", rank_override_reason="x").get_data(as_text=True)
    assert field_error(html, "outcome") == (
        "These decisions would approve £81,000.00, which is £27,000.00 over the round's budget of £54,000.00."
    )
    assert db.session.scalar(db.select(Decision).where(Decision.application_id == weak.id)) is None


def test_approving_more_projects_than_places_is_refused(db, round_, bids, chair):
    strong, middling, weak = bids
    round_.budget_pence = 100_000_000
    db.session.commit()
    decide(strong, "approved")
    decide(middling, "approved")
    html = decide_through_page(chair, weak, "approved", rank_override_reason="x").get_data(as_text=True)
    assert "would approve 3 projects, 1 more than the round's 2 places" in field_error(html, "outcome")
    assert db.session.scalar(db.select(Decision).where(Decision.application_id == weak.id)) is None


def test_approving_over_both_the_budget_and_the_places_says_both(db, round_, bids, chair):
    strong, middling, weak = bids
    decide(strong, "approved")
    decide(middling, "approved")
    html = decide_through_page(chair, weak, "approved", rank_override_reason="x").get_data(as_text=True)
    assert field_error(html, "outcome") == (
        "These decisions would approve 3 projects costing £81,000.00: £27,000.00 over the round's budget of "
        "£54,000.00, and 1 more than the round's 2 places."
    )
    assert db.session.scalar(db.select(Decision).where(Decision.application_id == weak.id)) is None


@pytest.mark.parametrize(
    ("budget_pence", "refusal"),
    [
        (100_000_000, "These decisions would approve 3 projects, 1 more than the round's 2 places."),
        (
            5_400_000,
            "These decisions would approve 3 projects costing £81,000.00: £27,000.00 over the round's budget of "
            "£54,000.00, and 1 more than the round's 2 places.",
        ),
    ],
)
def test_a_bulk_selection_over_the_places_says_so(db, round_, bids, chair, budget_pence, refusal):
    round_.budget_pence = budget_pence
    db.session.commit()
    data = {"application_ids": [str(b.id) for b in bids], "outcome": "approved", "rationale": "All of them."}
    for confirmed in ({}, {"confirmed": "yes"}):
        response = chair.post(f"/assessment/rounds/{round_.id}/bulk", data={**data, **confirmed})
        assert response.status_code == 400
        assert field_error(response.get_data(as_text=True), "outcome") == refusal
    assert db.session.scalars(db.select(Decision)).all() == []


def test_approving_out_of_rank_order_asks_why(db, round_, bids, chair):
    strong, middling, weak = bids
    html = decide_through_page(chair, middling, "approved").get_data(as_text=True)
    assert field_error(html, "rank_override_reason").startswith(
        f"{middling.reference} is ranked below {strong.reference}"
    )
    assert db.session.scalars(db.select(Decision)).all() == []
    decide_through_page(chair, middling, "approved", rank_override_reason="The only bid from a coastal town.")
    decision = db.session.scalars(db.select(Decision)).one()
    assert decision.rank_override_reason == "The only bid from a coastal town."


@pytest.mark.parametrize("role", [Role.PROGRAMME_OFFICER, Role.STEERING_MEMBER, Role.FINANCE_APPROVER])
def test_only_a_chair_can_decide(db, app, round_, bids, role):
    client = sign_in_client(app, UserFactory(roles=[role]))
    response = decide_through_page(client, bids[0], "approved")
    assert response.status_code == 403
    assert db.session.scalars(db.select(Decision)).all() == []


def test_a_chair_with_a_conflict_cannot_see_or_decide_the_bid(db, round_, bids, chair):
    from grants.reviews.models import ConflictDeclaration

    db.session.add(
        ConflictDeclaration(
            application_id=bids[0].id, reviewer_id=chair.user.id, has_conflict=True, nature="Former employer"
        )
    )
    db.session.commit()
    assert chair.get(f"/assessment/applications/{bids[0].id}").status_code == 404
    assert decide_through_page(chair, bids[0], "approved").status_code == 404
    assert db.session.scalars(db.select(Decision)).all() == []


def test_decisions_in_bulk_are_confirmed_before_they_are_recorded(db, round_, bids, chair):
    strong, middling, weak = bids
    data = {
        "application_ids": [str(strong.id), str(middling.id)],
        "outcome": "approved",
        "rationale": "The two strongest partnerships.",
    }
    page = text(chair.post(f"/assessment/rounds/{round_.id}/bulk", data=data).get_data(as_text=True))
    assert "Confirm these decisions" in page and "2 projects, £54,000 of £54,000" in page
    assert db.session.scalars(db.select(Decision)).all() == []
    chair.post(f"/assessment/rounds/{round_.id}/bulk", data={**data, "confirmed": "yes"})
    assert {d.application_id for d in db.session.scalars(db.select(Decision))} == {strong.id, middling.id}


def test_bulk_decisions_carry_each_outcomes_feedback_to_the_letters(db, app, round_, bids, chair):
    strong, middling, weak = bids
    decide(middling, "reserve", feedback="Written on the bid's own page.", feedback_released=True)
    url = f"/assessment/rounds/{round_.id}/bulk"
    ranking = chair.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True)
    assert 'name="feedback_text"' in ranking and "Feedback for the applicants (optional)" in ranking
    rejection = {
        "application_ids": [str(weak.id)],
        "outcome": "rejected",
        "rationale": "The weakest partnership.",
        "feedback_text": "The police were not yet part of the partnership.",
    }
    page = chair.post(url, data=rejection).get_data(as_text=True)
    assert "You are about to reject 1 bid:" in text(page)
    assert 'name="feedback_text" value="The police were not yet part of the partnership."' in page
    assert chair.post(url, data={**rejection, "confirmed": "yes"}).status_code == 302
    approval = {"application_ids": [str(strong.id)], "outcome": "approved", "rationale": "The strongest."}
    assert "You are about to approve 1 bid:" in text(chair.post(url, data=approval).get_data(as_text=True))
    assert chair.post(url, data={**approval, "confirmed": "yes"}).status_code == 302
    decisions = {d.application_id: d for d in db.session.scalars(db.select(Decision))}
    assert (decisions[weak.id].feedback, decisions[weak.id].feedback_released) == (
        "The police were not yet part of the partnership.",
        True,
    )
    assert decisions[strong.id].feedback is None
    # A bulk decision without feedback keeps what the bid's own page said.
    reserve = {"application_ids": [str(middling.id)], "outcome": "reserve", "rationale": "Next in line."}
    assert "You are about to put 1 bid on the reserve list:" in text(
        chair.post(url, data=reserve).get_data(as_text=True)
    )
    chair.post(url, data={**reserve, "confirmed": "yes"})
    db.session.expire_all()
    assert db.session.get(Decision, decisions[middling.id].id).feedback == "Written on the bid's own page."

    chair.post(f"/assessment/rounds/{round_.id}/apply")
    letters = db.session.scalars(db.select(Notification).where(Notification.template == "decision_rejected")).all()
    assert len(letters) == 2  # the lead and the confirmed partner
    assert all("The police were not yet part of the partnership." in letter.body_text for letter in letters)
    reserve_letters = db.session.scalars(db.select(Notification).where(Notification.template == "decision_reserve"))
    assert all("Written on the bid's own page." in letter.body_text for letter in reserve_letters)
    lead = sign_in_client(app, weak.lead_applicant)
    assert "The police were not yet part of the partnership." in text(
        lead.get(f"/applications/{weak.id}").get_data(as_text=True)
    )


def test_a_bulk_selection_over_budget_is_refused(db, round_, bids, chair):
    data = {
        "application_ids": [str(b.id) for b in bids],
        "outcome": "approved",
        "rationale": "All of them.",
        "confirmed": "yes",
    }
    response = chair.post(f"/assessment/rounds/{round_.id}/bulk", data=data)
    assert response.status_code == 400
    assert "£27,000.00 over the round's budget" in text(response.get_data(as_text=True))
    assert db.session.scalars(db.select(Decision)).all() == []


def test_decisions_take_effect_once(db, app, round_, bids, chair):
    strong, middling, weak = bids
    decide(strong, "approved", feedback="A model partnership.", feedback_released=True)
    decide(middling, "reserve")
    decide(weak, "rejected", feedback="Internal note only.")
    for _ in range(2):
        response = chair.post(f"/assessment/rounds/{round_.id}/apply")
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, round_.id).status == "decided"
    statuses = {a.id: a.status for a in db.session.scalars(db.select(Application))}
    assert statuses == {strong.id: "approved", middling.id: "reserve", weak.id: "rejected"}
    [project] = db.session.scalars(db.select(Project)).all()
    assert (project.application_id, project.reference, project.status, project.award_pence) == (
        strong.id,
        strong.reference,
        "setup",
        2_700_000,
    )
    assert len(db.session.scalars(db.select(GrantAgreement)).all()) == 1
    assert db.session.scalars(db.select(MatchFunding)).one().amount_pence == 1_000_000
    assert [c.kind for c in db.session.scalars(db.select(LearningCommitment))] == ["case_study"]
    letters = db.session.scalars(db.select(Notification).where(Notification.template.like("decision_%"))).all()
    # the lead and the one confirmed partner of each bid, once each
    assert sorted(n.template for n in letters) == sorted(
        ["decision_approved"] * 2 + ["decision_reserve"] * 2 + ["decision_rejected"] * 2
    )
    assert [
        e.action for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "round.decided"))
    ] == ["round.decided"]


def test_tranches_sum_exactly_to_the_award(db, round_, bids, chair):
    strong = bids[0]
    strong.amount_requested_pence = 2_650_001  # does not divide evenly by 50/30/20
    strong.budget_lines[0].amount_pence += 2_650_001 - 2_700_000
    db.session.commit()
    decide(strong, "approved")
    decide(bids[1], "rejected")
    decide(bids[2], "rejected")
    chair.post(f"/assessment/rounds/{round_.id}/apply")
    project = db.session.scalars(db.select(Project)).one()
    tranches = db.session.scalars(db.select(Tranche).order_by(Tranche.sequence)).all()
    assert [t.amount_pence for t in tranches] == [1_325_000, 795_000, 530_001]
    assert sum(t.amount_pence for t in tranches) == project.award_pence == 2_650_001
    assert tranches[0].due_on == project.starts_on and tranches[-1].due_on < project.ends_on


def test_decisions_do_not_take_effect_while_bids_are_undecided(db, round_, bids, chair):
    decide(bids[0], "approved")
    chair.post(f"/assessment/rounds/{round_.id}/apply")
    assert db.session.get(Round, round_.id).status == "assessing"
    assert db.session.scalars(db.select(Project)).all() == []


def test_the_applicant_sees_the_outcome_and_only_released_feedback(db, app, round_, bids, chair):
    strong, middling, weak = bids
    decide(strong, "approved", feedback="A model partnership.", feedback_released=True)
    decide(middling, "rejected", rationale="Not enough", feedback="Internal view.")
    decide(weak, "rejected")
    lead = sign_in_client(app, strong.lead_applicant)
    assert "Approved for funding" not in text(lead.get(f"/applications/{strong.id}").get_data(as_text=True))
    chair.post(f"/assessment/rounds/{round_.id}/apply")
    page = text(lead.get(f"/applications/{strong.id}").get_data(as_text=True))
    assert "Approved for funding" in page and "A model partnership." in page
    other = text(
        sign_in_client(app, middling.lead_applicant).get(f"/applications/{middling.id}").get_data(as_text=True)
    )
    assert "was not able to fund" in other and "Internal view." not in other


def test_the_ranking_page_runs_a_fixed_number_of_queries(db, round_, chair):
    from tests.reviews.bulk import add_scored_bids

    def queries_for(count: int) -> int:
        add_scored_bids(round_, count)
        with QueryCounter() as counter:
            assert chair.get(f"/assessment/rounds/{round_.id}").status_code == 200
        return counter.count

    assert queries_for(10) == queries_for(1_000)


def test_the_heading_of_the_bid_page(db, round_, bids, chair):
    assert h1(chair.get(f"/assessment/applications/{bids[0].id}").get_data(as_text=True)) == "Strong"


def test_feedback_for_one_outcome_never_goes_with_another(db, round_, bids, chair):
    """Rejected in bulk with feedback, then approved in bulk without any: the approval letter does not
    carry the rejection's feedback (between a rejection and the reserve list it is kept: see
    test_review_rules)."""
    strong, _, _ = bids
    url = f"/assessment/rounds/{round_.id}/bulk"
    rejection = {
        "application_ids": [str(strong.id)],
        "outcome": "rejected",
        "rationale": "First thoughts.",
        "feedback_text": "The partnership lacked the health sector.",
        "confirmed": "yes",
    }
    assert chair.post(url, data=rejection).status_code == 302
    approval = {
        "application_ids": [str(strong.id)],
        "outcome": "approved",
        "rationale": "On reflection, the strongest.",
    }
    assert chair.post(url, data={**approval, "confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    decision = db.session.scalars(db.select(Decision).where(Decision.application_id == strong.id)).one()
    assert (decision.outcome, decision.feedback, decision.feedback_released) == ("approved", None, False)


def _ranking_rows(html: str) -> list[str]:
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', html, flags=re.S)
    assert body, "no ranking table"
    return [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), flags=re.S)]


def test_the_ranking_draws_the_budget_line_and_says_which_bids_are_over(db, round_, bids, chair):
    html = chair.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True)
    strong, middling, weak = bids
    rows = _ranking_rows(html)
    assert [index for index, row in enumerate(rows) if row.startswith("Budget line")] == [2]
    assert "the round's budget of £54,000 runs out here" in rows[2]
    assert middling.reference in rows[1] and "Over budget" not in rows[1]
    assert weak.reference in rows[3] and "£81,000 Over budget by £27,000" in rows[3]


def test_when_every_bid_fits_the_line_says_so_under_the_last(db, round_, bids, chair):
    round_.budget_pence = 10_000_000
    db.session.commit()
    rows = _ranking_rows(chair.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True))
    assert rows[-1] == "Budget line: every bid ranked fits within the round's budget of £100,000, with £19,000 left."
    assert not any("Over budget" in row for row in rows)


def test_the_ranking_keeps_the_page_gutters_and_scrolls_its_table_in_a_labelled_region(db, round_, bids, chair):
    html = chair.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True)
    assert "grants-wide" not in html
    region = re.search(
        r'<div class="grants-table-scroll" role="region" aria-label="([^"]+)" tabindex="0">\s*<table', html
    )
    assert region and region.group(1).startswith("Bids, ranked")
