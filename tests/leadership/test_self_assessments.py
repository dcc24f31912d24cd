"""Leadership self-assessments: the framework, participants' one-use links, the change from baseline
to final on pairs only, and small groups kept from project teams (who see closed stages only: see
``test_stage_closure.py``)."""

import re

import pytest

from grants.core.permissions import Role
from grants.leadership import queries, services
from grants.leadership.kept import keep_shift
from grants.leadership.models import (
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentScore,
    Participant,
    StageClosure,
)
from grants.notifications.models import Notification
from tests.factories import ApplicantFactory, EnablerProfileFactory, UserFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter, error_summary, field_error, text


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


def _participant(db, project, number):
    person = Participant(project_id=project.id, name=f"Person {number}", email=f"p{number}@example.org")
    db.session.add(person)
    db.session.commit()
    return person


def _answer(db, framework, person, stage, by_domain):
    """A response rating every behaviour of each domain as given (a list gives each behaviour its own)."""
    response = AssessmentResponse(participant_id=person.id, stage=stage, framework_id=framework.id)
    for domain in framework.domains:
        values = by_domain.get(domain.name, 3)
        values = values if isinstance(values, list) else [values] * len(domain.behaviours)
        response.scores += [
            AssessmentScore(behaviour_id=behaviour.id, value=value)
            for behaviour, value in zip(domain.behaviours, values, strict=True)
        ]
    db.session.add(response)
    keep_shift(person.project_id)  # as submitting through the service keeps them
    db.session.commit()
    return response


def _close(db, project, *stages):
    """The project's stages closed, so that their results are shown beyond the programme staff."""
    db.session.add_all([StageClosure(project_id=project.id, stage=stage) for stage in stages or ("baseline", "final")])
    db.session.commit()


def _token_from(message):
    """The one-use token in an invitation, as the participant receives it (it is not kept once sent)."""
    return re.search(r"/self-assessment/([A-Za-z0-9_-]+)", message.get_body(("plain",)).get_content()).group(1)


def test_the_default_framework_has_the_seven_domains(db, framework):
    assert [d.name for d in framework.domains] == [
        "Working across boundaries",
        "Building relationships and trust",
        "Shared purpose and vision",
        "Distributed leadership",
        "Asset- and strength-based working",
        "Learning and adapting",
        "Community and citizen voice",
    ]
    assert len(framework.scale) == 5 and all(len(d.behaviours) == 3 for d in framework.domains)


def test_a_participant_is_invited_and_answers_once(smtp_app, mailbox, db, app, project, lead, framework):
    lead.post(
        f"/projects/{project.id}/leadership/participants/new", data={"name": "Ada Obi", "email": "Ada@Example.org"}
    )
    person = db.session.scalars(db.select(Participant)).one()
    assert person.email == "ada@example.org"
    response = lead.post(
        f"/projects/{project.id}/leadership/invite", data={"stage": "baseline", "participants": [person.id]}
    )
    assert response.status_code == 302
    email = db.session.scalars(
        db.select(Notification).where(Notification.template == "self_assessment_invitation")
    ).one()
    assert email.recipient_email == "ada@example.org" and email.sensitive
    message = mailbox.wait_for(1)[-1]
    assert message["To"] == "ada@example.org"
    token = _token_from(message)
    assert token not in (email.body_text + email.body_html)  # the link is not kept once sent
    visitor = app.test_client()  # no account needed
    page = visitor.get(f"/self-assessment/{token}")
    assert page.status_code == 200 and "Working across boundaries" in text(page.get_data(as_text=True))
    behaviours = [b for d in framework.domains for b in d.behaviours]
    partial = {f"behaviour_{b.id}": "4" for b in behaviours[1:]}
    html = visitor.post(f"/self-assessment/{token}", data=partial).get_data(as_text=True)
    assert field_error(html, f"behaviour_{behaviours[0].id}") == "Choose a rating for this statement"
    assert db.session.scalars(db.select(AssessmentResponse)).all() == []
    answers = {f"behaviour_{b.id}": "4" for b in behaviours}
    assert "Thank you" in text(visitor.post(f"/self-assessment/{token}", data=answers).get_data(as_text=True))
    again = visitor.post(f"/self-assessment/{token}", data=answers)
    assert again.status_code == 410 and "already answered" in text(again.get_data(as_text=True))
    assert visitor.get(f"/self-assessment/{token}").status_code == 410
    assert len(db.session.scalars(db.select(AssessmentResponse)).all()) == 1
    assert visitor.get("/self-assessment/not-a-real-link").status_code == 404


def test_sending_again_replaces_the_link_and_skips_those_who_answered(smtp_app, mailbox, db, project, framework):
    team = project.application.lead_applicant
    first, second = _participant(db, project, 1), _participant(db, project, 2)
    services.invite(project, [first, second], "baseline", actor=team)
    db.session.commit()
    old = _token_from(next(message for message in mailbox.wait_for(2) if message["To"] == first.email))
    _answer(db, framework, second, "baseline", {})
    invited, answered = services.invite(project, [first, second], "baseline", actor=team)
    db.session.commit()
    assert (invited, answered) == (1, 1)
    with pytest.raises(Exception, match="a newer one has been sent"):
        services.invitation_for(old)


def test_the_change_is_computed_on_pairs_only(db, project, framework):
    boundaries, trust = framework.domains[0].name, framework.domains[1].name
    a, b, c, d = (_participant(db, project, n) for n in range(4))
    _answer(db, framework, a, "baseline", {boundaries: 2, trust: [1, 2, 3]})  # trust 2.0
    _answer(db, framework, a, "final", {boundaries: 4, trust: [3, 3, 3]})
    _answer(db, framework, b, "baseline", {boundaries: 3, trust: [2, 2, 5]})  # trust 3.0
    _answer(db, framework, b, "final", {boundaries: 4, trust: [4, 4, 4]})
    _answer(db, framework, c, "baseline", {boundaries: 1})  # baseline only: not compared
    _answer(db, framework, d, "final", {boundaries: 5})  # final only: not compared
    _answer(db, framework, d, "midpoint", {boundaries: 5})
    scores = queries.domain_scores([project.id])
    changes = {change.domain: change for change in queries.paired_change(scores, [boundaries, trust])}
    # By hand: boundaries, pairs a and b: start (2 + 3) / 2 = 2.5, end (4 + 4) / 2 = 4.0, change +1.5.
    assert (changes[boundaries].pairs, changes[boundaries].baseline, changes[boundaries].final) == (2, 2.5, 4.0)
    assert changes[boundaries].change == pytest.approx(1.5)
    # Trust: start (2.0 + 3.0) / 2 = 2.5, end (3 + 4) / 2 = 3.5.
    assert (changes[trust].baseline, changes[trust].final) == (pytest.approx(2.5), pytest.approx(3.5))
    assert queries.pairs_count(scores) == 2
    assert queries.respondents(scores) == {"baseline": 3, "midpoint": 1, "final": 3}


def _pairs(db, project, framework, count, start=0):
    for number in range(start, start + count):
        person = _participant(db, project, number)
        _answer(db, framework, person, "baseline", {})
        _answer(db, framework, person, "final", {framework.domains[0].name: 5})


def test_fewer_than_five_pairs_are_kept_from_the_project_team(
    db, app, project, lead, framework, programme_officer_client
):
    _pairs(db, project, framework, 4)
    _close(db, project)
    team_page = text(lead.get(f"/projects/{project.id}/leadership").get_data(as_text=True))
    assert "Results are shown once at least 5 people have answered" in team_page and "+2.0" not in team_page
    staff_page = text(programme_officer_client.get(f"/projects/{project.id}/leadership").get_data(as_text=True))
    assert "Working across boundaries 3.0 5.0 +2.0 4" in staff_page
    enabler = EnablerProfileFactory().user
    assign(project, enabler)
    assert "+2.0" not in text(
        sign_in_client(app, enabler).get(f"/projects/{project.id}/leadership").get_data(as_text=True)
    )
    # Another project of the same team, with five pairs: enough to show them.
    bigger = funded_project(
        lead_organisation=project.application.lead_organisation, lead_applicant=project.application.lead_applicant
    )
    _pairs(db, bigger, framework, 5, start=10)
    _close(db, bigger)
    team_page = text(lead.get(f"/projects/{bigger.id}/leadership").get_data(as_text=True))
    assert "Working across boundaries 3.0 5.0 +2.0 5" in team_page


def test_individual_answers_are_for_programme_staff_only(db, app, project, lead, framework, programme_officer_client):
    person = _participant(db, project, 1)
    _answer(db, framework, person, "baseline", {framework.domains[0].name: 2})
    url = f"/projects/{project.id}/leadership/participants/{person.id}"
    assert lead.get(url).status_code == 403
    assert "Working across boundaries 2.0 Not answered" in text(
        programme_officer_client.get(url).get_data(as_text=True)
    )
    assert f'href="{url}"' not in lead.get(f"/projects/{project.id}/leadership").get_data(as_text=True)


def test_only_the_team_adds_and_invites_participants(db, app, project, framework):
    stranger = sign_in_client(app, ApplicantFactory())
    assert stranger.get(f"/projects/{project.id}/leadership").status_code == 404
    steering = sign_in_client(app, UserFactory(roles=[Role.STEERING_MEMBER]))
    assert (
        steering.post(
            f"/projects/{project.id}/leadership/participants/new", data={"name": "X", "email": "x@example.org"}
        ).status_code
        == 403
    )
    assert db.session.scalars(db.select(Participant)).all() == []


def test_a_participant_is_added_once(db, project, lead):
    data = {"name": "Ada Obi", "email": "ada@example.org"}
    lead.post(f"/projects/{project.id}/leadership/participants/new", data=data)
    html = lead.post(f"/projects/{project.id}/leadership/participants/new", data=data).get_data(as_text=True)
    assert field_error(html, "email") == "ada@example.org is already a participant in this project"


def test_a_framework_sent_out_keeps_its_words(db, project, framework, programme_officer_client):
    domain = framework.domains[0]
    url = f"/leadership/framework/domains/{domain.id}"
    data = {"name": "Working across boundaries", "behaviours": "I cross boundaries.\nI share resources."}
    assert programme_officer_client.post(url, data=data).status_code == 302
    services.invite(project, [_participant(db, project, 1)], "baseline", actor=project.application.lead_applicant)
    db.session.commit()
    html = programme_officer_client.post(url, data={**data, "behaviours": "Changed"}).get_data(as_text=True)
    assert "Start a new version to change it" in error_summary(html)[0]
    assert programme_officer_client.post("/leadership/framework/new-version").status_code == 302
    current = services.current_framework()
    assert current.version == 2 and current.id != framework.id
    assert [b.text for b in current.domains[0].behaviours] == ["I cross boundaries.", "I share resources."]
    invitation = db.session.scalars(db.select(AssessmentInvitation)).one()
    assert invitation.framework_id == framework.id  # the link sent still asks the words it was sent with


def test_the_project_and_wave_views_run_a_fixed_number_of_queries(db, app, framework, programme_officer_client):
    def count(people):
        project = funded_project()
        _pairs(db, project, framework, people, start=people * 100)
        with QueryCounter() as project_view:
            assert programme_officer_client.get(f"/projects/{project.id}/leadership").status_code == 200
        with QueryCounter() as wave_view:
            assert programme_officer_client.get(f"/rounds/{project.round_id}/leadership").status_code == 200
        return len(project_view.statements), len(wave_view.statements)

    assert count(2) == count(12)


def test_the_wave_view_pools_pairs_and_leaves_out_conflicted_projects(db, app, framework):
    from grants.reviews.models import ConflictDeclaration

    first = funded_project()
    second = funded_project(first.round)
    _pairs(db, first, framework, 5)
    _pairs(db, second, framework, 5, start=50)
    _close(db, first)
    _close(db, second)
    chair = UserFactory(roles=[Role.STEERING_CHAIR])
    page = text(sign_in_client(app, chair).get(f"/rounds/{first.round_id}/leadership").get_data(as_text=True))
    assert "Compared: 10 people" in page and "Working across boundaries 3.0 5.0 +2.0 10" in page
    db.session.add(
        ConflictDeclaration(
            application_id=second.application_id, reviewer_id=chair.id, has_conflict=True, nature="Trustee"
        )
    )
    db.session.commit()
    page = text(sign_in_client(app, chair).get(f"/rounds/{first.round_id}/leadership").get_data(as_text=True))
    assert second.reference not in page and "Compared: 5 people" in page
    assert sign_in_client(app, ApplicantFactory()).get(f"/rounds/{first.round_id}/leadership").status_code == 403


def test_a_domain_with_fewer_than_five_pairs_is_kept_from_the_project_team(
    db, app, project, lead, framework, programme_officer_client
):
    """Six pairs in all, but only three answered the last domain at the end: that row is staff-only."""
    _pairs(db, project, framework, 6)
    last = framework.domains[-1]
    behaviours = [behaviour.id for behaviour in last.behaviours]
    finals = db.session.scalars(
        db.select(AssessmentResponse).where(AssessmentResponse.stage == "final").order_by(AssessmentResponse.id)
    ).all()
    for response in finals[:3]:
        db.session.execute(
            db.delete(AssessmentScore).where(
                AssessmentScore.response_id == response.id, AssessmentScore.behaviour_id.in_(behaviours)
            )
        )
    db.session.commit()
    _close(db, project)
    team_page = text(lead.get(f"/projects/{project.id}/leadership").get_data(as_text=True))
    assert "Working across boundaries 3.0 5.0 +2.0 6" in team_page
    assert f"{last.name} 3.0 3.0" not in team_page
    staff_page = text(programme_officer_client.get(f"/projects/{project.id}/leadership").get_data(as_text=True))
    assert f"{last.name} 3.0 3.0 0.0 3" in staff_page or f"{last.name} 3.0 3.0 +0.0 3" in staff_page


def test_the_wave_counts_only_projects_big_enough_to_show_for_the_steering_group(db, app, framework):
    """Otherwise the wave's averages less a shown project's would give away a small project's answers."""
    big = funded_project()
    small = funded_project(big.round)
    _pairs(db, big, framework, 5)
    person = _participant(db, small, 99)
    _answer(db, framework, person, "baseline", {framework.domains[0].name: 1})
    _answer(db, framework, person, "final", {framework.domains[0].name: 1})
    _close(db, big)
    _close(db, small)
    member = UserFactory(roles=[Role.STEERING_MEMBER])
    page = text(sign_in_client(app, member).get(f"/rounds/{big.round_id}/leadership").get_data(as_text=True))
    assert "Working across boundaries 3.0 5.0 +2.0 5" in page
    staff = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    page = text(sign_in_client(app, staff).get(f"/rounds/{big.round_id}/leadership").get_data(as_text=True))
    assert "Working across boundaries 2.7 4.3 +1.7 6" in page


def test_refused_links_are_audited_without_the_signed_in_person(db, app, project, framework):
    from grants.core.audit import AuditEvent

    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    client = sign_in_client(app, officer)
    assert client.get("/self-assessment/not-a-real-link").status_code == 404
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "leadership.link_refused")).one()
    assert event.actor_id is None and event.after == {"reason": "unknown link"}


# --- Correcting a participant's details -------------------------------------------------------------------


def test_the_team_corrects_a_participants_details_and_a_new_address_needs_a_new_link(
    smtp_app, mailbox, db, app, project, lead, framework
):
    team = project.application.lead_applicant
    person, other = _participant(db, project, 1), _participant(db, project, 2)
    services.invite(project, [person, other], "baseline", actor=team)
    db.session.commit()
    old_link = _token_from(next(message for message in mailbox.wait_for(2) if message["To"] == person.email))
    _answer(db, framework, person, "baseline", {})
    services.invite(project, [person], "midpoint", actor=team)
    db.session.commit()
    midpoint_link = _token_from([message for message in mailbox.wait_for(3) if message["To"] == person.email][-1])
    assert midpoint_link != old_link

    change = f"/projects/{project.id}/leadership/participants/{person.id}/change"
    page = lead.get(f"/projects/{project.id}/leadership").get_data(as_text=True)
    assert f'href="{change}"' in page
    form = lead.get(change).get_data(as_text=True)
    assert 'value="Person 1"' in form and 'value="p1@example.org"' in form and 'name="submission"' not in form

    response = lead.post(
        change, data={"name": "Person One", "email": "Person.One@Example.org", "organisation_name": "NHS"}
    )
    assert response.status_code == 302
    stored = db.session.get(Participant, person.id)
    assert (stored.name, stored.email, stored.organisation_name) == ("Person One", "person.one@example.org", "NHS")
    assert "no longer work: invite them again" in text(lead.get(response.headers["Location"]).get_data(as_text=True))
    # The unused midpoint link to the old address stops working; the baseline answer stays.
    with pytest.raises(Exception, match="a newer one has been sent"):
        services.invitation_for(midpoint_link)
    assert services.invitation_for(old_link).stage == "baseline"  # the answered stage's link is history, kept
    assert db.session.scalars(
        db.select(AssessmentResponse.stage).where(AssessmentResponse.participant_id == person.id)
    ).all() == ["baseline"]
    assert queries.stages_of([person.id])[person.id] == {"baseline": "answered"}

    from grants.core.audit import AuditEvent

    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "leadership.participant_changed")).one()
    assert event.before == {"email": "p1@example.org", "name": "Person 1", "organisation_name": ""}
    assert event.after["links_withdrawn"] == 1 and event.after["email"] == "person.one@example.org"

    # The other participant's link still works.
    other_link = _token_from(next(message for message in mailbox.wait_for(3) if message["To"] == other.email))
    assert services.invitation_for(other_link).participant_id == other.id


def test_a_name_only_change_keeps_the_links(smtp_app, mailbox, db, project, lead, framework):
    person = _participant(db, project, 1)
    services.invite(project, [person], "baseline", actor=project.application.lead_applicant)
    db.session.commit()
    link = _token_from(mailbox.wait_for(1)[-1])
    change = f"/projects/{project.id}/leadership/participants/{person.id}/change"
    assert lead.post(change, data={"name": "Person Uno", "email": "p1@example.org"}).status_code == 302
    assert services.invitation_for(link).participant_id == person.id
    assert db.session.get(Participant, person.id).name == "Person Uno"


def test_a_change_that_is_refused_changes_nothing(db, app, project, lead):
    person, other = _participant(db, project, 1), _participant(db, project, 2)
    change = f"/projects/{project.id}/leadership/participants/{person.id}/change"
    response = lead.post(change, data={"name": "Person 1", "email": "P2@example.org"})
    assert response.status_code == 400
    assert (
        field_error(response.get_data(as_text=True), "email")
        == "p2@example.org is already a participant in this project"
    )
    html = lead.post(change, data={"name": " ", "email": "not an address"}).get_data(as_text=True)
    assert field_error(html, "name") == "Enter their full name"
    assert field_error(html, "email").startswith("Enter an email address in the correct format")
    db.session.expire_all()
    assert (db.session.get(Participant, person.id).email, db.session.get(Participant, other.id).email) == (
        "p1@example.org",
        "p2@example.org",
    )


def test_only_the_team_and_officers_change_participants(db, app, project):
    person = _participant(db, project, 1)
    change = f"/projects/{project.id}/leadership/participants/{person.id}/change"
    data = {"name": "Someone else", "email": "someone@example.org"}
    outsider = sign_in_client(app, ApplicantFactory())
    assert outsider.post(change, data=data).status_code == 404  # another organisation's project is not there
    enabler_user = EnablerProfileFactory().user
    assign(project, enabler_user)
    assert sign_in_client(app, enabler_user).post(change, data=data).status_code == 403
    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))
    other_project = funded_project()
    assert officer.get(f"/projects/{other_project.id}/leadership/participants/{person.id}/change").status_code == 404
    assert officer.post(change, data=data).status_code == 302
    assert db.session.get(Participant, person.id).email == "someone@example.org"


@pytest.mark.parametrize(
    ("stage", "words"),
    [
        ("baseline", "at the start of the project"),
        ("midpoint", "halfway through the project"),
        ("final", "at the end of the project"),
    ],
)
def test_the_invitation_says_when_in_the_project_it_is(app, stage, words):
    from grants.leadership.models import STAGE_PHRASES
    from grants.notifications.services import render_email

    context = {"name": "Ada", "reference": "LV1-0001", "project_title": "Home", "stage": STAGE_PHRASES[stage]}
    with app.test_request_context():
        _, body_text, body_html = render_email(
            "self_assessment_invitation", {**context, "token": "t", "inviter": "Sam"}
        )
    for body in (body_text, body_html):
        assert f"systems leadership {words} LV1-0001" in body and " of of " not in body


# --- Refusals are recorded once ------------------------------------------------------------------------


def _events(db, action: str):
    from grants.core.audit import AuditEvent

    return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_participant_refused_is_recorded_once(db, project, lead):
    _participant(db, project, 1)
    response = lead.post(
        f"/projects/{project.id}/leadership/participants/new", data={"name": "Again", "email": "p1@example.org"}
    )
    assert response.status_code == 400
    [refusal] = _events(db, "leadership.participant_refused")
    assert refusal.object_id == str(project.id) and refusal.actor_id == lead.user.id
    assert _events(db, "access.refused") == []
    assert len(db.session.scalars(db.select(Participant)).all()) == 1


def test_a_change_to_a_framework_sent_out_is_refused_once(db, project, framework, programme_officer_client):
    services.invite(project, [_participant(db, project, 1)], "baseline", actor=project.application.lead_applicant)
    db.session.commit()
    domain = framework.domains[0]
    response = programme_officer_client.post(
        f"/leadership/framework/domains/{domain.id}/remove", data={}, follow_redirects=True
    )
    assert response.status_code == 200 and "Start a new version to change it" in text(response.get_data(as_text=True))
    [refusal] = _events(db, "leadership.framework_refused")
    assert refusal.object_id == str(framework.id)
    assert len(services.current_framework().domains) == 7


def test_a_refused_answer_is_recorded_once_and_names_no_one_signed_in(
    smtp_app, mailbox, db, app, project, framework, monkeypatch
):
    person = _participant(db, project, 1)
    services.invite(project, [person], "baseline", actor=project.application.lead_applicant)
    db.session.commit()
    token = _token_from(mailbox.wait_for(1)[-1])

    def refused(token, answers):
        raise services.LeadershipError("Choose a rating for every statement", field=f"behaviour:{behaviour.id}")

    behaviour = framework.domains[0].behaviours[1]
    monkeypatch.setattr(services, "submit_self_assessment", refused)
    officer = sign_in_client(app, UserFactory(roles=[Role.PROGRAMME_OFFICER]))  # signed in on the same browser
    answers = {f"behaviour_{b.id}": "4" for d in framework.domains for b in d.behaviours}
    response = officer.post(f"/self-assessment/{token}", data=answers)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), f"behaviour_{behaviour.id}") == (
        "Choose a rating for every statement"
    )
    [refusal] = _events(db, "leadership.link_refused")
    assert refusal.actor_id is None and refusal.after == {"reason": "Choose a rating for every statement"}


def test_a_domain_removed_twice_is_removed_once(db, framework, programme_officer_client):
    url = f"/leadership/framework/domains/{framework.domains[-1].id}/remove"
    assert programme_officer_client.post(url, data={}).status_code == 302
    assert programme_officer_client.post(url, data={}).status_code == 404  # gone: not a fault
    assert len(services.current_framework().domains) == 6
    assert len(_events(db, "leadership.domain_removed")) == 1
