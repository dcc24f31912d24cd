"""The end of a grant, through the services: every move of a project's workflow and every refusal, the
sweep that starts close-outs, the enabler's support ending, and who is told."""

from datetime import date, timedelta

import pytest

from grants.core.audit import AuditEvent
from grants.core.errors import InvalidTransition, PermissionDenied
from grants.core.permissions import Role
from grants.core.times import london_today
from grants.funding.models import AgreementStatus, GrantAgreement, TrancheStatus
from grants.projects import ending, queries, services
from grants.projects.models import (
    EnablerAssignment,
    EndingKind,
    EndingStatus,
    ProjectStatus,
    ProjectUpdate,
)
from grants.projects.services import ProjectAlreadyDone, ProjectError
from grants.projects.workflow import PROJECT_WORKFLOW
from tests.factories import ApplicantFactory, PartnerFactory, UserFactory, funded_project
from tests.projects.helpers import (
    begin_closeout,
    emails,
    give_enabler,
    pay_first_tranche,
    reasons_for_everything_left,
    start,
    tranches,
)

WHY = "The council withdrew its support after the election."


def give_up(project, lead, officer):
    """An award given up: recorded by the lead applicant, confirmed by the officer."""
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    ending.confirm_ending(recorded, actor=officer)
    return recorded


def end_early(project, officer, finance, repayment_pence=None):
    proposed = ending.propose_early_end(project, reason=WHY, repayment_pence=repayment_pence, actor=officer)
    ending.confirm_ending(proposed, actor=finance)
    return proposed


def close(project, officer, note="The partnership met its aims."):
    return ending.close_project(project, note=note, exceptions=reasons_for_everything_left(project), actor=officer)


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(ProjectError) as error:
        call(*args, **kwargs)
    return error.value.message


# --- Every move of the workflow ---------------------------------------------------------------------


def test_the_workflow_allows_exactly_the_documented_moves():
    allowed = {(source, target) for source in ProjectStatus for target in PROJECT_WORKFLOW.targets(source)}
    assert allowed == {
        (ProjectStatus.SETUP, ProjectStatus.ACTIVE),
        (ProjectStatus.SETUP, ProjectStatus.WITHDRAWN),
        (ProjectStatus.ACTIVE, ProjectStatus.CLOSING),
        (ProjectStatus.ACTIVE, ProjectStatus.WITHDRAWN),
        (ProjectStatus.ACTIVE, ProjectStatus.ENDED_EARLY),
        (ProjectStatus.CLOSING, ProjectStatus.CLOSED),
        (ProjectStatus.CLOSING, ProjectStatus.WITHDRAWN),
        (ProjectStatus.CLOSING, ProjectStatus.ENDED_EARLY),
    }


@pytest.mark.parametrize("finished", [ProjectStatus.CLOSED, ProjectStatus.WITHDRAWN, ProjectStatus.ENDED_EARLY])
def test_a_finished_project_moves_nowhere(db, project, finished):
    project.status = finished
    for target in ProjectStatus:
        with pytest.raises(InvalidTransition):
            PROJECT_WORKFLOW.check(project, target)


def test_setup_to_active_when_the_agreement_is_signed(db, project, officer):
    assert project.status == ProjectStatus.SETUP
    start(project, officer)
    assert project.status == ProjectStatus.ACTIVE


def test_setup_to_withdrawn_withdraws_the_unsigned_agreement_and_cancels_every_tranche(db, project, lead, officer):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    db.session.commit()
    assert (recorded.kind, recorded.status, recorded.proposed_by_id) == (
        EndingKind.WITHDRAWN,
        EndingStatus.PROPOSED,
        lead.id,
    )
    assert project.status == ProjectStatus.SETUP  # nothing happens until an officer confirms
    ending.confirm_ending(recorded, actor=officer, note="Agreed with the lead on the phone.")
    db.session.commit()
    assert project.status == ProjectStatus.WITHDRAWN
    assert (project.finished_at is not None, project.finished_by_id) == (True, officer.id)
    assert (recorded.status, recorded.decided_by_id, recorded.decision_note) == (
        EndingStatus.CONFIRMED,
        officer.id,
        "Agreed with the lead on the phone.",
    )
    assert {tranche.status for tranche in tranches(project)} == {TrancheStatus.CANCELLED}
    agreement = db.session.scalar(db.select(GrantAgreement).where(GrantAgreement.project_id == project.id))
    assert agreement.status == AgreementStatus.WITHDRAWN


def test_active_to_withdrawn_before_any_payment(db, active_project, lead, officer):
    def as_signed(agreement):
        return (agreement.terms, agreement.schedule, agreement.signed_name, agreement.signed_by_id, agreement.signed_at)

    signed = db.session.scalar(db.select(GrantAgreement).where(GrantAgreement.project_id == active_project.id))
    before = as_signed(signed)
    give_up(active_project, lead, officer)
    db.session.commit()
    assert active_project.status == ProjectStatus.WITHDRAWN
    assert {tranche.status for tranche in tranches(active_project)} == {TrancheStatus.CANCELLED}
    db.session.expire_all()
    agreement = db.session.scalar(db.select(GrantAgreement).where(GrantAgreement.project_id == active_project.id))
    assert agreement.status == AgreementStatus.ENDED  # no longer in force, and never signed again
    assert as_signed(agreement) == before
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "funding.agreement_ended")).one()
    assert (event.actor_id, event.object_id) == (officer.id, str(agreement.id))
    assert event.before == {"status": "signed"} and event.after["status"] == "ended"
    assert event.after["reason"] == WHY


def test_active_to_closing_by_an_officer_before_the_end_date(db, active_project, officer):
    ending.start_closing(active_project, actor=officer)
    db.session.commit()
    assert active_project.status == ProjectStatus.CLOSING
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "project.closing")).one()
    assert event.after["because"] == f"{officer.name} started it"


def test_active_to_ended_early_keeps_what_was_paid_and_cancels_the_rest(db, paid_project, officer, finance):
    paid = tranches(paid_project)[0]
    proposed = end_early(paid_project, officer, finance, repayment_pence=500_000)
    db.session.commit()
    assert paid_project.status == ProjectStatus.ENDED_EARLY
    assert (proposed.status, proposed.decided_by_id, proposed.repayment_pence) == (
        EndingStatus.CONFIRMED,
        finance.id,
        500_000,
    )
    assert [tranche.status for tranche in tranches(paid_project)] == [
        TrancheStatus.RELEASED,
        TrancheStatus.CANCELLED,
        TrancheStatus.CANCELLED,
    ]
    assert ending.paid_pence(paid_project) == paid.amount_pence


def test_closing_to_closed_once_nothing_is_left_unexplained(db, active_project, officer):
    begin_closeout(active_project, officer)
    left = close(active_project, officer)
    db.session.commit()
    assert active_project.status == ProjectStatus.CLOSED
    assert active_project.closeout_note == "The partnership met its aims."
    assert active_project.closeout_exceptions == {item.key: f"{item.title}: will not happen." for item in left}
    assert {tranche.status for tranche in tranches(active_project)} == {TrancheStatus.CANCELLED}
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "project.closed")).one()
    assert event.actor_id == officer.id and event.after["note"] == "The partnership met its aims."


def test_closing_to_withdrawn_when_nothing_was_paid(db, active_project, lead, officer):
    begin_closeout(active_project, officer)
    give_up(active_project, lead, officer)
    db.session.commit()
    assert active_project.status == ProjectStatus.WITHDRAWN


def test_closing_to_ended_early_after_a_payment(db, paid_project, officer, finance):
    begin_closeout(paid_project, officer)
    end_early(paid_project, officer, finance)
    db.session.commit()
    assert paid_project.status == ProjectStatus.ENDED_EARLY


def test_the_projects_history_lists_each_move(db, active_project, officer):
    begin_closeout(active_project, officer)
    close(active_project, officer)
    db.session.commit()
    assert [what for _, what in queries.history(active_project.id)] == [
        "Project set up",
        "Agreement signed: the project is active",
        "Close-out started",
        "Project closed",
    ]


# --- Close-out: its refusals --------------------------------------------------------------------------


def test_only_an_officer_starts_or_closes(db, active_project, lead, finance):
    with pytest.raises(PermissionDenied):
        ending.start_closing(active_project, actor=lead)
    with pytest.raises(PermissionDenied):
        ending.close_project(active_project, note="Done", exceptions={}, actor=finance)
    assert active_project.status == ProjectStatus.ACTIVE


def test_starting_a_close_out_is_refused_unless_the_project_is_active(db, project, lead, officer):
    reference = project.reference
    assert refused(ending.start_closing, project, actor=officer) == (
        f"{reference} has not started yet (its agreement is not signed), so you cannot start its close-out."
    )
    start(project, officer)
    begin_closeout(project, officer)
    with pytest.raises(ProjectAlreadyDone, match=f"The close-out of {reference} has already started."):
        ending.start_closing(project, actor=officer)
    db.session.rollback()
    give_up(project, lead, officer)
    db.session.commit()
    assert refused(ending.start_closing, project, actor=officer) == (
        f"The award to {reference} has been given up, so you cannot start its close-out."
    )


def test_closing_is_refused_before_the_close_out_and_after_it(db, project, officer):
    reference = project.reference
    assert refused(close, project, officer) == (
        f"{reference} has not started yet (its agreement is not signed), so you cannot close it."
    )
    start(project, officer)
    assert refused(close, project, officer) == (
        f"{reference} is not in close-out. A project is closed after its end date, once its close-out has started."
    )
    begin_closeout(project, officer)
    close(project, officer)
    db.session.commit()
    with pytest.raises(ProjectAlreadyDone, match=f"{reference} has already been closed."):
        close(project, officer)


def test_closing_is_refused_with_each_thing_left_and_the_missing_note(db, active_project, officer):
    begin_closeout(active_project, officer)
    left = [item for item in ending.closeout_items(active_project) if not item.done]
    assert "tranches" in {item.key for item in left}
    with pytest.raises(ending.CloseoutProblems) as error:
        ending.close_project(active_project, note="  ", exceptions={}, actor=officer)
    tranches_item = next(item for item in left if item.key == "tranches")
    assert f"{len(left)} thing" in error.value.message
    assert f"{tranches_item.title} ({tranches_item.detail})" in error.value.message
    assert [(problem.field, problem.message) for problem in error.value.problems] == [
        *((item.key, f"Say why “{item.title}” will not happen, or finish it first") for item in left),
        ("closeout_note", "Write the close-out note"),
    ]
    db.session.rollback()
    assert active_project.status == ProjectStatus.CLOSING
    assert {tranche.status for tranche in tranches(active_project)} != {TrancheStatus.CANCELLED}


def test_a_reason_for_some_things_left_is_not_enough(db, active_project, officer):
    begin_closeout(active_project, officer)
    left = [item for item in ending.closeout_items(active_project) if not item.done]
    reasons = {left[0].key: "Not needed."}
    with pytest.raises(ending.CloseoutProblems) as error:
        ending.close_project(active_project, note="Done.", exceptions=reasons, actor=officer)
    assert [problem.field for problem in error.value.problems] == [item.key for item in left[1:]]


def test_the_note_alone_is_asked_for_once_nothing_is_left(db, active_project, officer):
    begin_closeout(active_project, officer)
    reasons = reasons_for_everything_left(active_project)
    message = refused(ending.close_project, active_project, note="", exceptions=reasons, actor=officer)
    assert message == "Write the close-out note"


def test_closing_waits_for_a_proposal_to_end_the_project(db, active_project, lead, officer):
    begin_closeout(active_project, officer)
    ending.record_withdrawal(active_project, reason=WHY, actor=lead)
    db.session.commit()
    assert refused(close, active_project, officer) == (
        "A proposal to give up the award is waiting for confirmation. Confirm or cancel it before closing the project."
    )


# --- The sweep ------------------------------------------------------------------------------------------


def test_the_sweep_moves_past_end_active_projects_to_closing_once(db, officer):
    active = funded_project()
    start(active, officer)
    running = funded_project(active.round)
    start(running, officer)
    running.ends_on = active.ends_on + timedelta(days=30)
    setup = funded_project(active.round)  # never signed
    setup.ends_on = active.ends_on
    given_up = funded_project(active.round)
    give_up(given_up, given_up.application.lead_applicant, officer)
    given_up.ends_on = active.ends_on
    db.session.commit()

    assert ending.start_due_closings(active.ends_on) == []  # its last day: still running
    day_after = active.ends_on + timedelta(days=1)
    assert ending.start_due_closings(day_after) == [active.id]
    db.session.commit()
    assert ending.start_due_closings(day_after) == []
    assert ending.start_due_closings(day_after + timedelta(days=7)) == []
    db.session.commit()
    assert active.status == ProjectStatus.CLOSING
    assert (running.status, setup.status, given_up.status) == (
        ProjectStatus.ACTIVE,
        ProjectStatus.SETUP,
        ProjectStatus.WITHDRAWN,
    )
    moves = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "project.closing")).all()
    assert [(event.object_id, event.actor_id, event.after["because"]) for event in moves] == [
        (str(active.id), None, "its end date has passed")
    ]
    assert emails("project_closing") == [active.application.lead_applicant.email, officer.email]


def test_the_sweep_runs_as_a_job_from_the_command_line(db, app, active_project):
    active_project.ends_on = london_today() - timedelta(days=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "start-closeouts"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert active_project.status == ProjectStatus.CLOSING


# --- An award given up: its refusals ---------------------------------------------------------------------


def test_only_the_team_or_an_officer_records_an_award_given_up(db, project, finance):
    stranger = ApplicantFactory()
    enabler = give_enabler(project)
    for person in (stranger, enabler, finance):
        with pytest.raises(PermissionDenied):
            ending.record_withdrawal(project, reason=WHY, actor=person)
    colleague = ApplicantFactory(organisation=project.lead_organisation)
    recorded = ending.record_withdrawal(project, reason=WHY, actor=colleague)
    assert recorded.proposed_by_id == colleague.id


def test_an_award_given_up_is_refused_after_a_payment_or_when_waiting(db, paid_project, lead, officer):
    assert refused(ending.record_withdrawal, paid_project, reason=WHY, actor=lead) == (
        f"Money has already been paid to {paid_project.reference}, so its award cannot be given up. A programme "
        "officer can end the project early instead."
    )
    db.session.rollback()
    ending.propose_early_end(paid_project, reason=WHY, repayment_pence=None, actor=officer)
    db.session.commit()
    assert refused(ending.record_withdrawal, paid_project, reason=WHY, actor=lead) == (
        "A proposal to end the project early is waiting for confirmation. Confirm or cancel it first."
    )


def test_an_award_given_up_twice_is_recorded_once(db, project, lead, officer):
    ending.record_withdrawal(project, reason=WHY, actor=lead)
    db.session.commit()
    with pytest.raises(
        ProjectAlreadyDone, match="Giving up the award has already been recorded and is waiting for confirmation."
    ):
        ending.record_withdrawal(project, reason="Again", actor=officer)


def test_an_award_given_up_needs_a_reason_and_a_running_project(db, project, lead, officer):
    with pytest.raises(ProjectError, match="Give the reason the award is being given up") as error:
        ending.record_withdrawal(project, reason="   ", actor=lead)
    assert error.value.field == "reason"
    db.session.rollback()
    give_up(project, lead, officer)
    db.session.commit()
    with pytest.raises(PermissionDenied):  # no longer running: nobody may
        ending.record_withdrawal(project, reason=WHY, actor=officer)


def test_confirming_an_award_given_up_is_for_an_officer(db, project, lead, finance, officer):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    db.session.commit()
    for person in (lead, finance):
        with pytest.raises(PermissionDenied, match="Only a programme officer can confirm that an award is given up."):
            ending.confirm_ending(recorded, actor=person)
    assert project.status == ProjectStatus.SETUP
    ending.confirm_ending(recorded, actor=officer)
    db.session.commit()
    with pytest.raises(ProjectAlreadyDone, match="This has already been confirmed."):
        ending.confirm_ending(recorded, actor=officer)


def test_an_award_given_up_is_not_confirmed_once_money_has_been_paid(db, project, lead, officer, finance):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    db.session.commit()
    pay_first_tranche(project, officer, finance)
    assert refused(ending.confirm_ending, recorded, actor=officer) == (
        f"Money has been paid to {project.reference} since this was recorded: cancel it, and end the project early "
        "instead."
    )
    db.session.rollback()
    assert recorded.status == EndingStatus.PROPOSED and project.status == ProjectStatus.ACTIVE


# --- An early end: its refusals ---------------------------------------------------------------------------


def test_only_an_officer_proposes_an_early_end(db, paid_project, lead, finance):
    for person in (lead, finance):
        with pytest.raises(PermissionDenied, match="Only a programme officer can propose to end a project early."):
            ending.propose_early_end(paid_project, reason=WHY, repayment_pence=None, actor=person)


def test_an_early_end_needs_a_payment_a_running_project_and_a_reason(db, project, officer, finance):
    assert refused(ending.propose_early_end, project, reason=WHY, repayment_pence=None, actor=officer) == (
        f"{project.reference} has not started yet (its agreement is not signed), so you cannot end it early."
    )
    start(project, officer)
    assert refused(ending.propose_early_end, project, reason=WHY, repayment_pence=None, actor=officer) == (
        f"Nothing has been paid to {project.reference} yet: record that its award is given up instead."
    )
    db.session.rollback()
    pay_first_tranche(project, officer, finance)
    with pytest.raises(ProjectError, match="Give the reason the project is ending early") as error:
        ending.propose_early_end(project, reason="", repayment_pence=None, actor=officer)
    assert error.value.field == "reason"


@pytest.mark.parametrize(
    ("repayment", "message"),
    [
        (0, "The amount to be repaid must be more than £0"),
        (-100, "The amount to be repaid must be more than £0"),
        (1_350_001, "The amount to be repaid must be no more than the £13,500.00 paid"),
    ],
)
def test_a_repayment_is_between_nothing_and_what_was_paid(db, paid_project, officer, repayment, message):
    with pytest.raises(ProjectError, match=message) as error:
        ending.propose_early_end(paid_project, reason=WHY, repayment_pence=repayment, actor=officer)
    assert error.value.field == "repayment_pence"


def test_an_early_end_is_confirmed_by_a_finance_approver_who_did_not_propose_it(db, paid_project, officer, finance):
    both = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER])
    proposed = ending.propose_early_end(paid_project, reason=WHY, repayment_pence=None, actor=both)
    db.session.commit()
    for person in (both, officer):
        with pytest.raises(PermissionDenied, match="A finance approver who did not propose it confirms an early end."):
            ending.confirm_ending(proposed, actor=person)
    assert paid_project.status == ProjectStatus.ACTIVE
    ending.confirm_ending(proposed, actor=finance)
    db.session.commit()
    assert paid_project.status == ProjectStatus.ENDED_EARLY


def test_an_early_end_proposed_twice_is_proposed_once(db, paid_project, officer):
    ending.propose_early_end(paid_project, reason=WHY, repayment_pence=None, actor=officer)
    db.session.commit()
    with pytest.raises(ProjectAlreadyDone, match="Ending the project early has already been recorded"):
        ending.propose_early_end(paid_project, reason=WHY, repayment_pence=None, actor=officer)


def test_a_proposal_is_not_confirmed_once_the_project_has_ended(db, paid_project, officer, finance):
    proposed = ending.propose_early_end(paid_project, reason=WHY, repayment_pence=None, actor=officer)
    db.session.commit()
    paid_project.status, paid_project.finished_at = ProjectStatus.CLOSED, paid_project.created_at  # as if closed
    db.session.commit()
    assert refused(ending.confirm_ending, proposed, actor=finance) == (
        f"{paid_project.reference} is closed, so you cannot end it now."
    )


# --- Cancelling and declining ---------------------------------------------------------------------------------


def test_the_proposer_withdraws_without_a_note_and_nobody_is_told(db, project, lead):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    ending.cancel_ending(recorded, actor=lead)
    db.session.commit()
    assert (recorded.status, recorded.decided_by_id, recorded.decision_note) == (EndingStatus.CANCELLED, lead.id, None)
    assert emails("ending_cancelled") == []
    with pytest.raises(ProjectAlreadyDone, match="This proposal has already been cancelled."):
        ending.cancel_ending(recorded, actor=lead)
    db.session.rollback()
    assert refused(ending.confirm_ending, recorded, actor=UserFactory(roles=[Role.PROGRAMME_OFFICER])) == (
        "This proposal was cancelled. Record a new one if it is still needed."
    )


def test_declining_needs_a_note_and_tells_the_proposer(db, paid_project, officer, finance):
    proposed = ending.propose_early_end(paid_project, reason=WHY, repayment_pence=None, actor=officer)
    db.session.commit()
    with pytest.raises(ProjectError, match="Say why you are declining it") as error:
        ending.cancel_ending(proposed, actor=finance, note=" ")
    assert error.value.field == "decision_note"
    db.session.rollback()
    ending.cancel_ending(proposed, actor=finance, note="The partnership has a recovery plan.")
    db.session.commit()
    assert proposed.status == EndingStatus.CANCELLED and paid_project.status == ProjectStatus.ACTIVE
    assert emails("ending_cancelled") == [officer.email]


def test_a_stranger_cannot_cancel_and_a_confirmed_ending_stays(db, project, lead, officer):
    recorded = ending.record_withdrawal(project, reason=WHY, actor=lead)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        ending.cancel_ending(recorded, actor=UserFactory(roles=[Role.FINANCE_APPROVER]), note="No")
    ending.confirm_ending(recorded, actor=officer)
    db.session.commit()
    assert refused(ending.cancel_ending, recorded, actor=officer, note="Undo") == (
        "This has been confirmed and taken effect: it cannot be cancelled."
    )


# --- Repayment ------------------------------------------------------------------------------------------------


def test_a_repayment_is_recorded_changed_and_received(db, paid_project, officer, finance):
    proposed = end_early(paid_project, officer, finance)
    db.session.commit()
    ending.record_repayment(proposed, repayment_pence=300_000, actor=officer)
    db.session.commit()
    with pytest.raises(ProjectAlreadyDone, match="£3,000.00 to be repaid had already been recorded."):
        ending.record_repayment(proposed, repayment_pence=300_000, actor=finance)
    db.session.rollback()
    ending.record_repayment(proposed, repayment_pence=250_000, actor=finance)
    db.session.commit()
    assert proposed.repayment_outstanding
    ending.repayment_received(proposed, received_on=london_today(), reference=" BACS-IN-7 ", actor=finance)
    db.session.commit()
    assert (proposed.repayment_pence, proposed.repayment_received_on, proposed.repayment_reference) == (
        250_000,
        london_today(),
        "BACS-IN-7",
    )
    assert not proposed.repayment_outstanding
    with pytest.raises(ProjectAlreadyDone, match="The repayment was recorded as received on"):
        ending.repayment_received(proposed, received_on=london_today(), reference="Again", actor=finance)
    db.session.rollback()
    assert refused(ending.record_repayment, proposed, repayment_pence=100, actor=officer) == (
        "The repayment has been received: it cannot change now."
    )
    actions = db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action.like("project.repayment%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["project.repayment_recorded", "project.repayment_recorded", "project.repayment_received"]


def test_a_repayment_is_only_for_a_confirmed_early_end_and_only_for_staff(db, paid_project, lead, officer):
    proposed = ending.propose_early_end(paid_project, reason=WHY, repayment_pence=None, actor=officer)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        ending.record_repayment(proposed, repayment_pence=100, actor=lead)
    assert refused(ending.record_repayment, proposed, repayment_pence=100, actor=officer) == (
        "A repayment is recorded once a project's early end is confirmed."
    )
    assert refused(ending.repayment_received, proposed, received_on=london_today(), reference="X", actor=officer) == (
        "There is no repayment waiting for this project."
    )


@pytest.mark.parametrize(
    ("received_on", "reference", "field", "message"),
    [
        (lambda: london_today() + timedelta(days=1), "BACS-1", "repayment_received_on", "must be today or in the past"),
        (lambda: date(2000, 1, 1), "BACS-1", "repayment_received_on", "must be on or after"),
        (london_today, "  ", "repayment_reference", "Enter the payment reference"),
    ],
)
def test_a_repayment_received_is_dated_and_referenced(
    db, paid_project, officer, finance, received_on, reference, field, message
):
    proposed = end_early(paid_project, officer, finance, repayment_pence=100_000)
    db.session.commit()
    with pytest.raises(ProjectError, match=message) as error:
        ending.repayment_received(proposed, received_on=received_on(), reference=reference, actor=finance)
    assert error.value.field == field


# --- What ends with the project ------------------------------------------------------------------------------


def test_the_enablers_support_ends_at_close(db, active_project, officer):
    enabler = give_enabler(active_project)
    begin_closeout(active_project, officer)
    close(active_project, officer)
    db.session.commit()
    assignment = db.session.scalars(
        db.select(EnablerAssignment).where(EnablerAssignment.project_id == active_project.id)
    ).one()
    assert (assignment.enabler_id, assignment.ends_on, assignment.end_reason) == (
        enabler.id,
        max(london_today(), assignment.starts_on),
        "The project closed.",
    )
    ended = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "enabler.ended")).one()
    assert ended.object_id == str(active_project.id)


def test_a_finished_project_takes_no_update_and_no_rag(db, active_project, officer):
    enabler = give_enabler(active_project)
    begin_closeout(active_project, officer)
    close(active_project, officer)
    db.session.commit()
    values = {
        "happened_on": london_today(),
        "kind": "workshop",
        "hours": 2,
        "what_happened": "Met.",
        "shifting": "",
        "risks": "",
        "rag": "green",
        "next_steps": "",
        "private_note": None,
    }
    reference = active_project.reference
    assert refused(services.log_update, active_project, values, actor=enabler) == (
        f"{reference} is closed, so you cannot add to its log."
    )
    assert refused(services.override_rag, active_project, "red", "At risk", actor=officer) == (
        f"{reference} is closed, so you cannot change its RAG."
    )
    assert db.session.scalar(db.select(db.func.count(ProjectUpdate.id))) == 0


# --- Who is told -------------------------------------------------------------------------------------------------


def test_a_close_tells_the_team_the_enabler_and_finance_once_each(db, active_project, lead, officer, finance):
    colleague = ApplicantFactory(organisation=active_project.lead_organisation)
    enabler = give_enabler(active_project)
    also_finance = UserFactory(roles=[Role.FINANCE_APPROVER, Role.PROGRAMME_OFFICER])
    begin_closeout(active_project, officer)
    assert sorted(emails("project_closing")) == sorted([lead.email, colleague.email, officer.email, also_finance.email])
    close(active_project, officer)
    db.session.commit()
    assert sorted(emails("project_closed")) == sorted(
        [lead.email, colleague.email, enabler.email, finance.email, also_finance.email]
    )


def test_a_close_out_started_early_says_who_started_it(db, active_project, officer):
    begin_closeout(active_project, officer)
    from grants.notifications.models import Notification

    body = db.session.scalars(
        db.select(Notification.body_text).where(Notification.template == "project_closing")
    ).first()
    assert f"{officer.name} has started the close-out of {active_project.reference}" in body


def test_an_award_given_up_tells_officers_then_the_partnership_and_enabler(db, project, lead, officer):
    other_officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    enabler = give_enabler(project)
    confirmed = project.application.partners[0]
    invited = PartnerFactory(application=project.application, status="invited")
    recorded = ending.record_withdrawal(project, reason=WHY, actor=officer)
    assert emails("award_given_up_recorded") == [other_officer.email]  # not the officer who recorded it
    db.session.commit()
    ending.confirm_ending(recorded, actor=officer)
    db.session.commit()
    sent = emails("award_given_up")
    assert sorted(sent) == sorted([lead.email, enabler.email, confirmed.contact_email])
    assert invited.contact_email not in sent
    from grants.notifications.models import Notification

    bodies = {
        row.recipient_email: row.body_text
        for row in db.session.scalars(db.select(Notification).where(Notification.template == "award_given_up"))
    }
    assert WHY in bodies[lead.email] and "Thank you for the work" in bodies[lead.email]
    assert "Your support for the project has ended" in bodies[enabler.email]
    assert WHY not in bodies[confirmed.contact_email] and "confirmed partner" in bodies[confirmed.contact_email]


def test_an_early_end_tells_finance_then_everyone_once(db, paid_project, lead, officer, finance):
    enabler = db.session.scalars(
        db.select(EnablerAssignment.enabler_id).where(EnablerAssignment.project_id == paid_project.id)
    ).one()
    second_finance = UserFactory(roles=[Role.FINANCE_APPROVER])
    proposed = ending.propose_early_end(paid_project, reason=WHY, repayment_pence=200_000, actor=officer)
    assert sorted(emails("early_end_proposed")) == sorted([finance.email, second_finance.email])
    db.session.commit()
    ending.confirm_ending(proposed, actor=second_finance)
    db.session.commit()
    from grants.accounts.models import User

    enabler_email = db.session.get(User, enabler).email
    assert sorted(emails("project_ended_early")) == sorted(
        [lead.email, enabler_email, finance.email, second_finance.email, officer.email]
    )
