"""The end of a grant, through the services: close-out, an award given up, an early end."""

from datetime import timedelta

import pytest

from grants.core.errors import PermissionDenied
from grants.core.permissions import Role
from grants.funding.models import TrancheStatus
from grants.projects import ending
from grants.projects.models import EndingStatus, ProjectStatus
from grants.projects.services import ProjectAlreadyDone, ProjectError
from tests.factories import UserFactory
from tests.funding.conftest import issue_and_sign, tranches


@pytest.fixture
def officer(db):
    return UserFactory(roles=[Role.PROGRAMME_OFFICER])


@pytest.fixture
def finance(db):
    return UserFactory(roles=[Role.FINANCE_APPROVER])


def test_an_award_given_up_before_any_payment_cancels_its_tranches(db, project, lead, officer):
    recorded = ending.record_withdrawal(project, reason="The council withdrew its support.", actor=lead)
    db.session.commit()
    with pytest.raises(ProjectAlreadyDone):
        ending.record_withdrawal(project, reason="Again", actor=lead)
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        ending.confirm_ending(recorded, actor=lead)
    ending.confirm_ending(recorded, actor=officer)
    db.session.commit()
    assert project.status == ProjectStatus.WITHDRAWN
    assert recorded.status == EndingStatus.CONFIRMED
    assert {tranche.status for tranche in tranches(project)} == {TrancheStatus.CANCELLED}


def test_close_out_is_refused_while_something_is_left_and_lists_it(db, project, officer):
    issue_and_sign(project, officer)
    assert project.status == ProjectStatus.ACTIVE
    assert ending.start_due_closings(project.ends_on) == []
    assert ending.start_due_closings(project.ends_on + timedelta(days=1)) == [project.id]
    assert ending.start_due_closings(project.ends_on + timedelta(days=1)) == []
    db.session.commit()
    assert project.status == ProjectStatus.CLOSING
    with pytest.raises(ProjectError) as refused:
        ending.close_project(project, note="Done.", exceptions={}, actor=officer)
    assert "Every tranche released or cancelled" in refused.value.message
    db.session.rollback()
    left = [item for item in ending.closeout_items(project) if not item.done]
    ending.close_project(
        project, note="Done.", exceptions={item.key: "It will not happen." for item in left}, actor=officer
    )
    db.session.commit()
    assert project.status == ProjectStatus.CLOSED
    assert project.finished_at is not None
    assert {tranche.status for tranche in tranches(project)} == {TrancheStatus.CANCELLED}
