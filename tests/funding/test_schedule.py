"""The tranche schedule: from the round's plan, exact to the penny, and changed only before signature."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.core.audit import AuditEvent
from grants.core.money import MAX_PENCE
from grants.funding.services import FundingError
from grants.funding.services.schedule import TrancheChange, change_schedule, plan_amounts
from tests.funding.conftest import agreement_of, issue_and_sign, tranches


@st.composite
def plans(draw):
    """Whole percentages, each above 0, adding up to 100: one to ten tranches."""
    count = draw(st.integers(min_value=1, max_value=10))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=count - 1, max_size=count - 1, unique=True)))
    bounds = [0, *cuts, 100]
    return [upper - lower for lower, upper in zip(bounds, bounds[1:], strict=False)]


@settings(max_examples=400, deadline=None)
@given(award=st.integers(min_value=1, max_value=MAX_PENCE), plan=plans())
def test_a_schedule_always_sums_exactly_to_the_award_with_no_negative_tranche(award, plan):
    try:
        amounts = plan_amounts(award, plan)
    except FundingError as error:
        assert "too small" in error.message
        shares = [award * percentage // 100 for percentage in plan[:-1]]
        assert min([*shares, award - sum(shares)]) <= 0  # refused only when a tranche would be £0
        return
    assert sum(amounts) == award
    assert all(amount > 0 for amount in amounts)
    assert len(amounts) == len(plan)
    for amount, percentage in zip(amounts[:-1], plan[:-1], strict=True):
        assert amount == award * percentage // 100  # each but the last is its share, rounded down


def test_the_default_plan_of_27000_is_13500_8100_and_5400(db, project):
    assert [t.amount_pence for t in tranches(project)] == [1_350_000, 810_000, 540_000]
    assert [t.percentage for t in tranches(project)] == [50, 30, 20]


def test_an_award_that_does_not_divide_puts_the_remainder_in_the_last_tranche():
    assert plan_amounts(2_700_001, [50, 30, 20]) == [1_350_000, 810_000, 540_001]
    assert plan_amounts(100, [33, 33, 34]) == [33, 33, 34]


def test_an_award_too_small_to_split_is_refused():
    with pytest.raises(FundingError, match="too small to pay in 3 tranches"):
        plan_amounts(2, [50, 30, 20])


def _changes(project, amounts, dates=None):
    rows = tranches(project)
    dates = dates or [t.due_on for t in rows]
    return [TrancheChange(t.id, amount, due) for t, amount, due in zip(rows, amounts, dates, strict=True)]


def test_the_officer_changes_amounts_and_dates_before_signature(db, project, officer):
    later = project.starts_on + timedelta(days=40)
    rows = tranches(project)
    change_schedule(
        project,
        _changes(project, [1_000_000, 1_160_000, 540_000], [later, rows[1].due_on, rows[2].due_on]),
        actor=officer,
    )
    db.session.commit()
    assert [(t.amount_pence, t.percentage) for t in tranches(project)] == [
        (1_000_000, None),
        (1_160_000, None),
        (540_000, 20),
    ]
    assert tranches(project)[0].due_on == later
    assert "Tranche 1: £10,000.00" in agreement_of(project).terms  # the draft's words follow the schedule
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.schedule_changed")).one()
    assert event.before["tranches"][0][1] == 1_350_000 and event.after["tranches"][0][1] == 1_000_000


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ([1_350_000, 810_000, 540_001], "they must add up to the award of £27,000.00 (£0.01 too much)"),
        ([1_350_000, 800_000, 540_000], "(£100.00 short)"),
        ([2_160_000, 0, 540_000], "Tranche 2 must be more than £0"),
    ],
)
def test_a_schedule_that_is_not_the_award_is_refused(db, project, officer, amounts, message):
    with pytest.raises(FundingError) as refused:
        change_schedule(project, _changes(project, amounts), actor=officer)
    assert message in refused.value.message
    db.session.rollback()
    assert sum(t.amount_pence for t in tranches(project)) == project.award_pence


def test_dates_stay_within_the_project_and_in_order(db, project, officer):
    rows = tranches(project)
    with pytest.raises(FundingError, match="while the project runs"):
        change_schedule(
            project,
            _changes(
                project,
                [t.amount_pence for t in rows],
                [project.ends_on + timedelta(days=1), rows[1].due_on, rows[2].due_on],
            ),
            actor=officer,
        )
    db.session.rollback()
    with pytest.raises(FundingError, match="on or after the one before it"):
        change_schedule(
            project,
            _changes(project, [t.amount_pence for t in rows], [rows[1].due_on, rows[0].due_on, rows[2].due_on]),
            actor=officer,
        )


def test_a_signed_schedule_cannot_be_changed(db, project, officer):
    issue_and_sign(project, officer)
    with pytest.raises(FundingError, match="Start a variation"):
        change_schedule(project, _changes(project, [1_000_000, 1_160_000, 540_000]), actor=officer)
    db.session.rollback()
    assert [t.amount_pence for t in tranches(project)] == [1_350_000, 810_000, 540_000]


def test_the_schedule_page_explains_what_is_wrong_and_keeps_nothing(db, project, programme_officer_client):
    rows = tranches(project)
    data = {"tranches-0-amount": "13,500", "tranches-1-amount": "8,100", "tranches-2-amount": "5,000"}
    for index, tranche in enumerate(rows):
        data[f"tranches-{index}-tranche_id"] = str(tranche.id)
        data[f"tranches-{index}-due_on"] = [
            str(tranche.due_on.day),
            str(tranche.due_on.month),
            str(tranche.due_on.year),
        ]
    response = programme_officer_client.post(f"/projects/{project.id}/funding/schedule", data=data)
    assert response.status_code == 400
    from tests.helpers import field_error

    assert "£400.00 short" in field_error(response.get_data(as_text=True), "tranches-0-amount")
    assert [t.amount_pence for t in tranches(project)] == [1_350_000, 810_000, 540_000]
    data["tranches-2-amount"] = "5,400"
    data["tranches-0-due_on"] = ["31", "2", str(date.today().year)]
    html = programme_officer_client.post(f"/projects/{project.id}/funding/schedule", data=data).get_data(as_text=True)
    assert field_error(html, "tranches-0-due_on") == "Due from must be a real date, like 27 3 2027"
