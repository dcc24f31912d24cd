"""Stages of self-assessment close: by the project team or an officer, or when the project ends. A closed
stage takes no more answers nor invitations, its results never change, and only closed stages are shown
beyond the programme staff, so no one can work out a late participant's answers by subtraction."""

import csv
import io
import secrets
import threading

import pytest

from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from grants.extensions import db as _db
from grants.leadership import services
from grants.leadership.kept import keep_shift
from grants.leadership.models import (
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentScore,
    Participant,
    StageClosure,
)
from grants.projects import ending
from grants.projects.models import ProjectStatus
from tests.factories import EnablerProfileFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter, field_error, text


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def lead(app, project):
    return sign_in_client(app, project.application.lead_applicant)


@pytest.fixture
def framework(db):
    framework = services.ensure_framework()
    db.session.commit()
    return framework


def _participant(project, number):
    person = Participant(project_id=project.id, name=f"Person {number}", email=f"p{project.id}-{number}@example.org")
    _db.session.add(person)
    _db.session.commit()
    return person


def _invite(framework, person, stage) -> str:
    """An invitation to ``stage``, as an email would carry it: returns the link's token."""
    token = secrets.token_urlsafe(32)
    _db.session.add(
        AssessmentInvitation(
            participant_id=person.id, stage=stage, framework_id=framework.id, token_digest=services.digest(token)
        )
    )
    _db.session.commit()
    return token


def _answer(framework, person, stage, value):
    """A response rating every behaviour ``value``, given earlier."""
    response = AssessmentResponse(participant_id=person.id, stage=stage, framework_id=framework.id)
    response.scores = [
        AssessmentScore(behaviour_id=behaviour.id, value=value)
        for domain in framework.domains
        for behaviour in domain.behaviours
    ]
    _db.session.add(response)
    keep_shift(person.project_id)  # as submitting through the service keeps them
    _db.session.commit()


def _ratings(framework, value) -> dict[str, str]:
    return {f"behaviour_{b.id}": str(value) for domain in framework.domains for b in domain.behaviours}


def _closures(project) -> dict[str, StageClosure]:
    _db.session.expire_all()
    closures = _db.session.scalars(_db.select(StageClosure).where(StageClosure.project_id == project.id))
    return {closure.stage: closure for closure in closures}


def _events(action: str) -> list[AuditEvent]:
    return list(_db.session.scalars(_db.select(AuditEvent).where(AuditEvent.action == action)))


def _close_url(project, stage):
    return f"/projects/{project.id}/leadership/stages/{stage}/close"


# --- Closing -------------------------------------------------------------------------------------------


def test_the_team_closes_a_stage_once(db, project, lead, framework):
    person = _participant(project, 1)
    _invite(framework, person, "baseline")
    page = lead.get(f"/projects/{project.id}/leadership").get_data(as_text=True)
    assert f'action="{_close_url(project, "baseline")}"' in page
    assert f'action="{_close_url(project, "final")}"' not in page  # no one invited to it yet
    assert "no more answers are taken" in text(page)

    response = lead.post(_close_url(project, "baseline"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/projects/{project.id}/leadership#stages")
    closure = _closures(project)["baseline"]
    assert closure.closed_by_id == lead.user.id
    [event] = _events("leadership.stage_closed")
    assert event.actor_id == lead.user.id and event.after == {"stage": "baseline", "invited": 1, "answered": 0}
    page = text(lead.get(f"/projects/{project.id}/leadership").get_data(as_text=True))
    assert "has closed: it takes no more answers" in page  # the message, once
    assert "At the start 0 of 1 invited Closed on" in page

    again = lead.post(_close_url(project, "baseline"))
    assert again.status_code == 303
    assert "The self-assessment at the start was closed on" in text(lead.get(again.headers["Location"]).text)
    assert len(_closures(project)) == 1 and len(_events("leadership.stage_closed")) == 1
    assert len(_events("leadership.stage_close_refused")) == 1


def test_an_officer_closes_a_stage(db, project, framework, programme_officer_client):
    _invite(framework, _participant(project, 1), "final")
    assert programme_officer_client.post(_close_url(project, "final")).status_code == 302
    assert _closures(project)["final"].closed_by_id == programme_officer_client.user.id


@pytest.mark.parametrize("role", [Role.STEERING_MEMBER, Role.STEERING_CHAIR, Role.FINANCE_APPROVER])
def test_no_one_else_closes_a_stage(db, app, project, framework, role):
    _invite(framework, _participant(project, 1), "baseline")
    assert sign_in_client(app, UserFactory(roles=[role])).post(_close_url(project, "baseline")).status_code == 403
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    assert sign_in_client(app, enabler).post(_close_url(project, "baseline")).status_code == 403
    assert _closures(project) == {}


def test_a_stage_no_one_was_invited_to_is_not_closed(db, project, lead, framework):
    response = lead.post(_close_url(project, "midpoint"), follow_redirects=True)
    assert "No one has been invited to the self-assessment halfway yet." in text(response.get_data(as_text=True))
    assert _closures(project) == {}
    assert lead.post(f"/projects/{project.id}/leadership/stages/later/close").status_code == 404


# --- A closed stage takes nothing more ------------------------------------------------------------------


def test_no_one_is_invited_to_a_closed_stage(db, project, lead, framework):
    person = _participant(project, 1)
    _invite(framework, person, "baseline")
    lead.post(_close_url(project, "baseline"))
    response = lead.post(
        f"/projects/{project.id}/leadership/invite", data={"stage": "baseline", "participants": [person.id]}
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "stage") == (
        "The self-assessment at the start has closed, so no more invitations can be sent for it."
    )
    assert len(_db.session.scalars(_db.select(AssessmentInvitation)).all()) == 1


def test_a_link_to_a_closed_stage_says_so_and_takes_no_answer(db, app, project, lead, framework):
    person = _participant(project, 1)
    token = _invite(framework, person, "baseline")
    lead.post(_close_url(project, "baseline"))
    visitor = app.test_client()
    page = visitor.get(f"/self-assessment/{token}")
    assert page.status_code == 410 and "This self-assessment has closed" in text(page.get_data(as_text=True))
    sent = visitor.post(f"/self-assessment/{token}", data=_ratings(framework, 4))
    assert sent.status_code == 410 and "This self-assessment has closed" in text(sent.get_data(as_text=True))
    assert _db.session.scalars(_db.select(AssessmentResponse)).all() == []
    refusals = _events("leadership.link_refused")
    assert [event.after for event in refusals] == [{"reason": "stage closed"}] * 2
    assert all(event.actor_id is None for event in refusals)


def test_an_answer_begun_before_the_stage_closed_is_refused(db, project, framework):
    """The participant opened the page while the stage was open; it closed before they sent it."""
    token = _invite(framework, _participant(project, 1), "final")
    services.close_stage(project, "final", actor=project.application.lead_applicant)
    _db.session.commit()
    answers = {b.id: 4 for domain in framework.domains for b in domain.behaviours}
    with pytest.raises(services.StageClosedError, match="This self-assessment has closed"):
        services.submit_self_assessment(token, answers)
    _db.session.rollback()
    assert _db.session.scalars(_db.select(AssessmentResponse)).all() == []


# --- Results shown beyond the staff only once closed -------------------------------------------------


def test_a_late_answer_cannot_be_worked_out_from_the_results(db, app, project, lead, framework):
    """Five answered at the end; the stage closes; the sixth is refused and the results do not move.
    Before it closed, the team saw no change at all, so there was nothing to subtract from."""
    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    steering = sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))
    people = [_participant(project, number) for number in range(6)]
    for person in people:
        _invite(framework, person, "baseline")
        _answer(framework, person, "baseline", 3)
    assert lead.post(_close_url(project, "baseline")).status_code == 302
    links = [_invite(framework, person, "final") for person in people]
    visitor = app.test_client()
    for link in links[:5]:
        assert visitor.post(f"/self-assessment/{link}", data=_ratings(framework, 5)).status_code == 200

    url = f"/projects/{project.id}/leadership"
    for viewer in (lead, steering):
        page = text(viewer.get(url).get_data(as_text=True))
        assert "+2.0" not in page and "Compared: 0 people" in page
        assert "The change is shown here once the self-assessments at the start and at the end have both closed" in page
        assert "At the end: still open" in page
    staff_page = text(officer.get(url).get_data(as_text=True))
    assert "Working across boundaries 3.0 5.0 +2.0 5" in staff_page
    assert "At the end: 5 answered so far, still open" in staff_page and "Still open:" in staff_page
    wave = text(steering.get(f"/rounds/{project.round_id}/leadership").get_data(as_text=True))
    assert "Compared: 0 people" in wave and "+2.0" not in wave

    assert lead.post(_close_url(project, "final")).status_code == 302
    lead.get(url)  # the message shown once
    before = {viewer: text(viewer.get(url).get_data(as_text=True)) for viewer in (lead, steering, officer)}
    assert "Working across boundaries 3.0 5.0 +2.0 5" in before[lead]
    assert "Working across boundaries 3.0 5.0 +2.0 5" in before[steering] and "Still open:" not in before[officer]

    sixth = visitor.post(f"/self-assessment/{links[5]}", data=_ratings(framework, 1))
    assert sixth.status_code == 410 and "This self-assessment has closed" in text(sixth.get_data(as_text=True))
    assert (
        _db.session.scalar(
            _db.select(AssessmentResponse.id).where(
                AssessmentResponse.participant_id == people[5].id, AssessmentResponse.stage == "final"
            )
        )
        is None
    )
    after = {viewer: text(viewer.get(url).get_data(as_text=True)) for viewer in (lead, steering, officer)}
    assert after == before
    closure = _events("leadership.stage_closed")[-1]
    assert closure.after == {"stage": "final", "invited": 6, "answered": 5}


def test_the_dashboard_and_progress_report_show_the_steering_group_closed_stages_only(db, app, project, framework):
    from grants.progress import services as progress

    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    steering = sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))
    for number in range(5):
        person = _participant(project, number)
        _answer(framework, person, "baseline", 2)
        _answer(framework, person, "final", 4)
    _db.session.add(StageClosure(project_id=project.id, stage="baseline"))
    _db.session.commit()
    progress.run_compile()
    _db.session.commit()

    dashboard = text(steering.get("/portfolio/").get_data(as_text=True))
    assert "Compared: 0 people" in dashboard and "+2.0" not in dashboard
    assert "Compared: 5 people" in text(officer.get("/portfolio/").get_data(as_text=True))
    report = text(steering.get("/progress/").get_data(as_text=True))
    assert "Compared: 0 people" in report and "+2.0" not in report
    staff_report = text(officer.get("/progress/").get_data(as_text=True))
    assert "+2.0 (5 people), still open" in staff_report

    _db.session.add(StageClosure(project_id=project.id, stage="final"))
    _db.session.commit()
    progress.run_compile()
    _db.session.commit()
    assert "Compared: 5 people" in text(steering.get("/portfolio/").get_data(as_text=True))
    report = text(steering.get("/progress/").get_data(as_text=True))
    assert "+2.0 (5 people)" in report and "still open" not in report


def test_a_report_compiled_before_stages_closed_shows_the_steering_group_no_leadership(db, app, project, framework):
    from grants.progress import services as progress

    for number in range(5):
        person = _participant(project, number)
        _answer(framework, person, "baseline", 2)
        _answer(framework, person, "final", 4)
    compilation = progress.run_compile()
    _db.session.commit()
    rows = [dict(row) for row in compilation.rows]  # as a report compiled before stages closed kept them
    for row in rows:
        del row["leadership_closed"], row["leadership_open"]
    compilation.rows = rows
    compilation.figures = {
        **compilation.figures,
        "leadership": {"all": compilation.figures["leadership"]["all"], "steering": {}},
    }
    _db.session.commit()
    steering = sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))
    report = text(steering.get("/progress/").get_data(as_text=True))
    assert "its leadership results are for programme staff only" in report and "+2.0" not in report
    sheet = steering.get(f"/progress/{compilation.id}.csv").text
    rows = {row["Reference"]: row for row in csv.DictReader(io.StringIO(sheet))}
    assert rows[project.reference]["Leadership: change"] == rows["Portfolio"]["Leadership: change"] == ""
    assert rows[project.reference]["Leadership: people compared"] == ""
    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    assert "+2.0 (5 people)" in text(officer.get("/progress/").get_data(as_text=True))


def test_the_team_view_runs_a_fixed_number_of_queries(db, app, framework):
    def count(people):
        project = funded_project()
        for number in range(people):
            person = _participant(project, number)
            _invite(framework, person, "baseline")
            _answer(framework, person, "baseline", 2)
            _answer(framework, person, "final", 4)
        services.close_stage(project, "baseline", actor=project.application.lead_applicant)
        _db.session.commit()
        client = sign_in_client(app, project.application.lead_applicant)
        client.get(f"/projects/{project.id}/leadership")
        with QueryCounter() as view:
            assert client.get(f"/projects/{project.id}/leadership").status_code == 200
        return len(view.statements)

    assert count(2) == count(12)


# --- At the end of the project -------------------------------------------------------------------------


def test_the_end_of_a_project_closes_every_stage_still_open(db, project, framework):
    lead = project.application.lead_applicant
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    _invite(framework, _participant(project, 1), "baseline")
    services.close_stage(project, "baseline", actor=lead)
    _db.session.commit()
    baseline_closed_at = _closures(project)["baseline"].closed_at

    recorded = ending.record_withdrawal(project, reason="The council withdrew its support.", actor=lead)
    _db.session.commit()
    ending.confirm_ending(recorded, actor=officer)
    _db.session.commit()

    assert project.status == ProjectStatus.WITHDRAWN
    closures = _closures(project)
    assert set(closures) == {"baseline", "midpoint", "final"}
    assert closures["baseline"].closed_by_id == lead.id and closures["baseline"].closed_at == baseline_closed_at
    assert closures["midpoint"].closed_by_id == closures["final"].closed_by_id == officer.id
    ended = [event.after for event in _events("leadership.stage_closed")][1:]
    assert [(after["stage"], after["project_outcome"]) for after in ended] == [
        ("midpoint", "withdrawn"),
        ("final", "withdrawn"),
    ]
    assert services.close_open_stages(project, ProjectStatus.WITHDRAWN, reason="Again", actor=officer) == []


def test_close_out_looks_for_the_final_self_assessment_closed(db, project, framework):
    def item():
        [found] = [left for left in ending.closeout_items(project) if left.key == "final_assessment"]
        return found

    waiting = item()
    assert (waiting.title, waiting.done, waiting.endpoint) == ("Final self-assessment", False, "leadership.project")
    assert waiting.detail == "No one has been invited to the final self-assessment"
    people = [_participant(project, number) for number in range(3)]
    for person in people:
        _invite(framework, person, "final")
    for person in people[:2]:
        _answer(framework, person, "final", 4)
    assert (item().done, item().detail) == (False, "2 of 3 invited have answered; still open")
    services.close_stage(project, "final", actor=project.application.lead_applicant)
    _db.session.commit()
    assert item().done and item().detail.startswith("2 of 3 invited have answered; closed on ")


# --- At the same moment (PostgreSQL, real commits) -------------------------------------------------------

ROUNDS = 3


def _posts_at_once(posts) -> list[int]:
    """Each (client, url, data) posted from a thread of its own, the threads meeting at a barrier."""
    barrier = threading.Barrier(len(posts))
    results: list[int] = []

    def run(client, url, data):
        barrier.wait(10)
        results.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=run, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_closes_at_once_close_once(app, committed_db):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    framework = services.ensure_framework()
    _db.session.commit()
    for _ in range(ROUNDS):
        project = funded_project()
        _invite(framework, _participant(project, 1), "baseline")
        clients = [sign_in_client(app, project.application.lead_applicant), sign_in_client(app, officer)]
        url = _close_url(project, "baseline")
        statuses = _posts_at_once([(client, url, {}) for client in clients])
        assert sorted(statuses) == [302, 303]
        assert len(_closures(project)) == 1


def test_an_answer_sent_as_the_stage_closes_is_counted_or_refused(app, committed_db):
    """Either the answer is in before the stage closes (and counted in it), or it is refused: the closed
    stage's count is the number of answers it keeps."""
    framework = services.ensure_framework()
    _db.session.commit()
    ratings = _ratings(framework, 4)
    for _ in range(ROUNDS):
        project = funded_project()
        token = _invite(framework, _participant(project, 1), "final")
        lead = sign_in_client(app, project.application.lead_applicant)
        visitor = app.test_client()
        statuses = _posts_at_once(
            [(lead, _close_url(project, "final"), {}), (visitor, f"/self-assessment/{token}", ratings)]
        )
        assert 302 in statuses and set(statuses) <= {200, 302, 410}
        _db.session.expire_all()
        kept = _db.session.scalar(
            _db.select(_db.func.count(AssessmentResponse.id))
            .join(Participant, Participant.id == AssessmentResponse.participant_id)
            .where(Participant.project_id == project.id)
        )
        closed = _db.session.scalars(
            _db.select(AuditEvent).where(
                AuditEvent.action == "leadership.stage_closed", AuditEvent.object_id == str(project.id)
            )
        ).one()
        assert closed.after["answered"] == kept
        assert (200 in statuses) == (kept == 1)
