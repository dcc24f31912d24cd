"""Learning at the end of a project: close-out waits for every learning commitment done, listing those
that are not; once the project has finished (closed, its award given up, or ended early) its
commitments are kept as they stood, while its case studies and insights can still be written, sent for
review and published."""

from datetime import date, timedelta

import pytest

from grants.core.audit import AuditEvent
from grants.core.times import format_date
from grants.extensions import db as _db
from grants.learning import services
from grants.learning.models import LearningCommitment, LearningItem
from grants.projects import ending
from grants.projects.models import ProjectStatus
from tests.factories import funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import text
from tests.learning.test_learning import commitment_of, item_form, write_item
from tests.projects.endings import ENDS, an_officer, finish


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def lead(app, project):
    return sign_in_client(app, project.application.lead_applicant)


def commitments_item(project):
    [item] = [item for item in ending.closeout_items(project) if item.key == "commitments"]
    return item


def done(commitment, by):
    services.record_progress(
        commitment, services.Progress(status="done", evidence_url="https://example.org/it", evidence_note=""), actor=by
    )
    _db.session.commit()


def test_close_out_lists_the_commitments_not_done_until_every_one_is(db, project):
    team = project.application.lead_applicant
    first = commitment_of(project)
    event = LearningCommitment(  # carried over from a bid that gave no date
        project_id=project.id, kind="learning_event", description="Host a session for the region's councils."
    )
    db.session.add(event)
    db.session.commit()
    item = commitments_item(project)
    assert (item.title, item.done, item.endpoint, item.order) == (
        "Learning commitments done",
        False,
        "learning.project",
        30,
    )
    assert item.detail == (
        f"Publish a case study: Publish what we learn. (due {format_date(first.due_on)}, planned); "
        f"{event.kind_label}: Host a session for the region's councils. (no date, planned)"
    )

    done(first, team)
    assert commitments_item(project).detail == (
        f"{event.kind_label}: Host a session for the region's councils. (no date, planned)"
    )
    done(event, team)
    item = commitments_item(project)
    assert (item.done, item.detail) == (True, "2 of 2 done")


def test_a_long_description_is_cut_short_in_the_list(db, project):
    commitment = commitment_of(project)
    commitment.description = "Share " + "what we learn " * 20
    db.session.commit()
    detail = commitments_item(project).detail
    assert detail.startswith("Publish a case study: Share what we learn") and "… (due " in detail
    assert len(detail) < 140


def test_a_project_that_made_no_commitments_has_nothing_left_here(db, project):
    _db.session.delete(commitment_of(project))
    db.session.commit()
    item = commitments_item(project)
    assert (item.done, item.detail) == (True, "The project made no learning commitments")


def _ended(project) -> str:
    return {
        ProjectStatus.CLOSED: f"{project.reference} has closed",
        ProjectStatus.WITHDRAWN: f"The award to {project.reference} has been given up",
        ProjectStatus.ENDED_EARLY: f"{project.reference} has ended early",
    }[project.status]


@pytest.mark.parametrize("outcome", ENDS)
def test_the_commitments_of_a_finished_project_are_kept_as_they_stood(db, app, project, lead, outcome):
    commitment = commitment_of(project)
    finish(project, outcome)
    team, by = project.application.lead_applicant, an_officer()
    plan = services.CommitmentPlan("case_study", "Something else.", date.today())
    progress = services.Progress(status="done", evidence_url="https://example.org/it", evidence_note="")
    for change in (
        lambda: services.add_commitment(project, plan, actor=team),
        lambda: services.revise_commitment(commitment, plan, actor=by),
        lambda: services.record_progress(commitment, progress, actor=team),
    ):
        with pytest.raises(services.LearningError) as refused:
            change()
        assert refused.value.message == (
            f"{_ended(project)}: the project's learning commitments are kept as a record and can no longer change. "
            "Its case studies and insights can still be written and published."
        )
        db.session.rollback()
    kept = db.session.get(LearningCommitment, commitment.id)
    assert (kept.description, kept.status) == ("Publish what we learn.", "planned")

    # No button offers a change; a form asked for goes back, saying why; one sent anyway is refused.
    kept.due_on = date.today() - timedelta(days=10)  # overdue, were the project still running
    db.session.commit()
    page = text(lead.get(f"/projects/{project.id}/learning").get_data(as_text=True))
    assert "Add a commitment" not in page and "Overdue" not in page
    assert "The commitments are kept as they stood at the project's end" in page
    assert "Write a case study or insight" in page
    response = lead.get(f"/projects/{project.id}/commitments/new")
    assert response.status_code == 303 and response.location.endswith(f"/projects/{project.id}/learning#commitments")
    page = lead.get(f"/projects/{project.id}/commitments/{commitment.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' not in page, "no progress form"
    response = lead.post(
        f"/projects/{project.id}/commitments/{commitment.id}",
        data={"status": "done", "evidence_url": "https://example.org/it", "evidence_note": ""},
    )
    assert response.status_code == 302
    assert "can no longer change" in text(lead.get(response.location).get_data(as_text=True))
    assert db.session.get(LearningCommitment, commitment.id).status == "planned"
    refusal = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "learning.commitment_refused")).one()
    assert refusal.object_id == str(commitment.id)


@pytest.mark.parametrize("outcome", ENDS)
def test_learning_is_still_written_and_published_once_the_project_has_finished(
    db, app, project, lead, officer, client, outcome
):
    commitment = commitment_of(project)
    finish(project, outcome)
    theme = project.application.themes[0]
    response = lead.post(
        f"/projects/{project.id}/learning/items/new",
        data=item_form(themes=str(theme.id), commitment=str(commitment.id)),
    )
    assert response.status_code == 302
    item = db.session.scalars(db.select(LearningItem).where(LearningItem.project_id == project.id)).one()
    assert item.status == "submitted"
    response = sign_in_client(app, officer).post(
        f"/projects/{project.id}/learning/items/{item.id}/review", data={"decision": "publish", "comment": ""}
    )
    assert response.status_code == 302
    assert db.session.get(LearningItem, item.id).status == "published"
    assert client.get(f"/learning/items/{item.id}").status_code == 200
    # The commitment follows its evidence: the case study it promised, published, makes it done.
    assert db.session.get(LearningCommitment, commitment.id).status == "done"


def test_the_enabler_whose_support_ended_with_the_project_no_longer_writes_its_learning(db, project):
    from tests.funding.conftest import give_enabler

    enabler = give_enabler(project, an_officer())
    write_item(project, enabler, submit=False)
    finish(project, ProjectStatus.CLOSED)
    with pytest.raises(services.LearningError, match="Only the project team or the project's enabler"):
        write_item(project, enabler, submit=False)
    db.session.rollback()
    write_item(project, project.application.lead_applicant)  # the team still can
