"""An award given up before any payment frees its budget and place in the round for a reserve bid, and
the chairs are told; a project ended early (it was paid) frees nothing. The bid stays approved."""

import re
from datetime import date, timedelta

import pytest

from grants.applications.models import Application, ApplicationStatus
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.funding.services import release
from grants.notifications.models import Notification
from grants.projects import ending
from grants.projects.models import Project, ProjectStatus
from grants.projects.services import ProjectAlreadyDone
from grants.reviews import decisions, given_up, queries
from grants.reviews.models import ConflictDeclaration
from tests.factories import RoundFactory, UserFactory, decide, submitted_review, under_review_bid
from tests.fixtures.clients import sign_in_client
from tests.funding.conftest import ready_to_request
from tests.helpers import text

REASON = "The council's cabinet withdrew its support in May."
FULL = (
    "These decisions would approve 3 projects costing £81,000.00: £27,000.00 over the round's budget of "
    "£54,000.00, and 1 more than the round's 2 places."
)


@pytest.fixture
def round_(db):
    # Two places of up to £27,000: a budget of £54,000.
    return RoundFactory(
        code="LV6",
        status="assessing",
        places=2,
        budget_pence=5_400_000,
        assessment_deadline=date.today() + timedelta(days=20),
    )


@pytest.fixture
def chair(db):
    return UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER])


@pytest.fixture
def officer(db):
    return UserFactory(roles=[Role.PROGRAMME_OFFICER])


@pytest.fixture
def decided(db, round_, chair):
    """Strong and good approved and funded (the round at its budget and places), middling and weak on
    the reserve list, the decisions in effect."""
    bids = [under_review_bid(round_, title=title) for title in ("Strong", "Good", "Middling", "Weak")]
    for bid, values in zip(bids, ([5, 5], [5, 4], [3, 3], [2, 1]), strict=True):
        submitted_review(bid, values)
    for bid, outcome in zip(bids, ("approved", "approved", "reserve", "reserve"), strict=True):
        decide(bid, outcome)
    decisions.apply_decisions(round_, actor=chair)
    db.session.commit()
    return bids


def project_of(bid) -> Project:
    return _db.session.scalar(_db.select(Project).where(Project.application_id == bid.id))


def give_up(project, officer):
    recorded = ending.record_withdrawal(project, reason=REASON, actor=project.application.lead_applicant)
    _db.session.commit()
    ending.confirm_ending(recorded, actor=officer)
    _db.session.commit()
    return recorded


def approve_reserve(round_, bid, chair, **extra):
    project = decisions.approve_reserve(round_, bid.id, rationale="A place is free.", actor=chair, **extra)
    _db.session.commit()
    return project


def refused_reserve(round_, bid, chair) -> str:
    with pytest.raises(decisions.DecisionError) as refused:
        decisions.approve_reserve(round_, bid.id, rationale="A place is free.", rank_override_reason="x", actor=chair)
    _db.session.rollback()
    return refused.value.message


def place_open_letters() -> list[Notification]:
    return list(
        _db.session.scalars(
            _db.select(Notification).where(Notification.template == "place_open").order_by(Notification.id)
        )
    )


def test_an_award_given_up_frees_exactly_its_amount_and_one_place_for_one_reserve(db, round_, decided, chair, officer):
    strong, good, middling, weak = decided
    before = decisions.reserves(round_)
    assert (before.effect.count, before.effect.total_pence, before.given_up) == (2, 5_400_000, [])
    assert refused_reserve(round_, middling, chair) == FULL

    give_up(project_of(strong), officer)
    assert project_of(strong).status == ProjectStatus.WITHDRAWN
    assert db.session.get(Application, strong.id).status == ApplicationStatus.APPROVED  # with its decision
    freed = decisions.reserves(round_)
    assert (freed.effect.count, freed.effect.total_pence) == (1, 2_700_000)
    assert freed.effect.problem() is None
    assert [a.reference for a in freed.given_up] == [strong.reference]
    assert [a.reference for a in freed.reserves] == [middling.reference, weak.reference]
    # The ranking page's counts, worked out by the database, say the same.
    assert queries.ranking_figures(round_) == queries.RankingFigures(
        bids=4, undecided=0, reserves=2, approved=1, approved_pence=2_700_000
    )
    assert sum(queries.selected_balance(round_)["sector"].values()) == 1

    project = approve_reserve(round_, middling, chair)
    assert (project.application_id, project.status, project.award_pence) == (
        middling.id,
        ProjectStatus.SETUP,
        2_700_000,
    )
    full = decisions.reserves(round_)
    assert (full.effect.count, full.effect.total_pence) == (2, 5_400_000)
    # The freed place is taken: the next reserve is refused as before, and nothing changes.
    assert refused_reserve(round_, weak, chair) == FULL
    assert project_of(weak) is None and db.session.get(Application, weak.id).status == ApplicationStatus.RESERVE


def test_each_chair_is_told_once_without_the_reason(db, app, round_, decided, chair, officer):
    strong, good, middling, weak = decided
    co_chair = UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER])
    conflicted = UserFactory(roles=[Role.STEERING_CHAIR, Role.STEERING_MEMBER])
    UserFactory(roles=[Role.STEERING_CHAIR], is_active=False)
    UserFactory(roles=[Role.STEERING_MEMBER])
    db.session.add(
        ConflictDeclaration(application_id=strong.id, reviewer_id=conflicted.id, has_conflict=True, nature="Board.")
    )
    db.session.commit()
    project = project_of(strong)
    recorded = give_up(project, officer)

    letters = place_open_letters()
    assert sorted(letter.recipient_id for letter in letters) == sorted([chair.id, co_chair.id, conflicted.id])
    reserves_link = f"/assessment/rounds/{round_.id}/reserves"
    for letter in letters:
        assert letter.subject == f"{strong.reference} has given up its award: a place is open for a reserve bid"
        body = letter.body_text
        assert REASON not in body and REASON not in letter.body_html
        assert "frees £27,000 of the round's budget and one of its 2 places" in body
        assert "The round now has £27,000 and 1 place left" in body
        assert "2 bids are on the reserve list" in body
        assert reserves_link in body and reserves_link in letter.body_html
        # A chair with a conflict of interest with the bid is told its reference, not its title.
        assert (strong.display_title in body) == (letter.recipient_id != conflicted.id)

    # Confirmed again (refused), or the step run again: nobody is told twice.
    with pytest.raises(ProjectAlreadyDone):
        ending.confirm_ending(recorded, actor=officer)
    db.session.rollback()
    assert given_up.tell_chairs_place_open(project_of(strong), recorded) == 0
    db.session.commit()
    assert len(place_open_letters()) == 3


def test_a_project_ended_early_frees_nothing(db, round_, decided, chair, officer):
    strong, good, middling, weak = decided
    finance = UserFactory(roles=[Role.FINANCE_APPROVER])
    project = project_of(strong)
    first = ready_to_request(project, officer)
    release.request_release(first, actor=officer)
    release.approve_release(first, actor=finance, payment_reference="BACS-1")
    db.session.commit()
    proposed = ending.propose_early_end(
        project, reason="The partnership has dissolved.", repayment_pence=None, actor=officer
    )
    db.session.commit()
    ending.confirm_ending(proposed, actor=finance)
    db.session.commit()
    assert project_of(strong).status == ProjectStatus.ENDED_EARLY

    listed = decisions.reserves(round_)
    assert (listed.effect.count, listed.effect.total_pence, listed.given_up) == (2, 5_400_000, [])
    assert refused_reserve(round_, middling, chair) == FULL
    assert place_open_letters() == []


def test_the_pages_say_the_award_was_given_up(db, app, round_, decided, chair, officer):
    strong, good, middling, weak = decided
    chair_client = sign_in_client(app, chair)
    full = chair_client.get(f"/assessment/rounds/{round_.id}/reserves").get_data(as_text=True)
    assert "No bid on the reserve list can be approved now: every place is taken" in text(full)
    assert 'name="application_id"' not in full  # no form to fill in for nothing
    give_up(project_of(strong), officer)

    page = text(chair_client.get(f"/assessment/rounds/{round_.id}/reserves").get_data(as_text=True))
    assert "No bid on the reserve list can be approved now" not in page
    assert f"Awards given up Bid Amount freed Given up on {strong.reference} £27,000" in page
    assert "1 project of 2 places" in page and "£27,000 of £54,000" in page
    ranking = text(chair_client.get(f"/assessment/rounds/{round_.id}").get_data(as_text=True))
    assert "Approve (award given up)" in ranking and "1 approved of 2 places" in ranking

    lead = sign_in_client(app, strong.lead_applicant)
    bid_page = text(lead.get(f"/applications/{strong.id}").get_data(as_text=True))
    assert "Award given up. This bid was approved for £27,000" in bid_page
    assert "Approved for funding £27,000" not in bid_page  # the panel; its history still says it was
    history = bid_page[bid_page.index("History") :]
    assert history.index("Approved for funding") < history.index("Award given up")
    listing = text(lead.get("/applications").get_data(as_text=True))
    assert f"{strong.reference} {round_.title} Award given up" in listing

    other = sign_in_client(app, good.lead_applicant)
    good_page = text(other.get(f"/applications/{good.id}").get_data(as_text=True))
    assert "Approved for funding £27,000" in good_page and "Award given up" not in good_page

    officer_client = sign_in_client(app, officer)
    officers_list = officer_client.get(f"/manage/applications/?round={round_.id}").get_data(as_text=True)
    tags = sorted(re.findall(r'<strong class="govuk-tag[^"]*">(.*?)</strong>', officers_list))
    assert tags == ["Approved", "Award given up", "Reserve", "Reserve"]
    assert "Award given up" in text(officer_client.get(f"/manage/applications/{strong.id}").get_data(as_text=True))
