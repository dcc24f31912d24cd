"""A form that creates something is carried out once, however often it is sent (``grants.core.once``):
the same page sent twice adds one learning item or one log entry and sends the repeat where the first
led; two sent at the same moment on PostgreSQL add one; a refused first attempt leaves the key free; a
page drawn again is a new submission; keys of other people, odd keys and old keys are handled."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from flask import url_for

from grants.core import once
from grants.core.db import utcnow
from grants.core.once import ALREADY, FormSubmission
from grants.extensions import db as _db
from grants.learning.models import LearningItem
from grants.projects.models import ProjectUpdate
from tests.factories import EnablerProfileFactory, assign, funded_project
from tests.fixtures.clients import sign_in_client
from tests.helpers import form_key, text

ROUNDS = 6


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def lead(app, project):
    return sign_in_client(app, project.application.lead_applicant)


def key_on(client, path: str) -> str:
    """The key of the form as the page draws it."""
    return form_key(client.get(path).get_data(as_text=True))


def item_form(key: str | None, **changes) -> dict:
    form = {
        "kind": "case_study",
        "title": "Getting home safely",
        "summary": "How four agencies agreed one plan.",
        "body": "The partnership mapped twelve journeys home.",
        "what_worked": "Fortnightly meetings.",
        "what_did_not": "Data sharing came late.",
        "place": "",
        "commitment": "",
        "consent": "y",
        "save": "Save",
        **({"submission": key} if key is not None else {}),
        **changes,
    }
    return {name: value for name, value in form.items() if value is not None}


def items(project) -> list[LearningItem]:
    _db.session.expire_all()
    return _db.session.scalars(_db.select(LearningItem).where(LearningItem.project_id == project.id)).all()


def test_a_learning_item_sent_twice_is_added_once_and_the_repeat_goes_where_the_first_led(db, project, lead):
    new = f"/projects/{project.id}/learning/items/new"
    key = key_on(lead, new)
    first = lead.post(new, data=item_form(key))
    assert first.status_code == 302
    [item] = items(project)
    assert first.headers["Location"] == f"/projects/{project.id}/learning/items/{item.id}"

    again = lead.post(new, data=item_form(key))
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert len(items(project)) == 1
    assert ALREADY in text(lead.get(again.headers["Location"]).get_data(as_text=True))

    # The page drawn again carries a new key: a second item, on purpose, is added.
    second_key = key_on(lead, new)
    assert second_key != key
    assert lead.post(new, data=item_form(second_key, title="A second story")).status_code == 302
    assert sorted(found.title for found in items(project)) == ["A second story", "Getting home safely"]


def test_a_first_attempt_that_is_not_carried_out_leaves_the_key_free(db, project, lead):
    new = f"/projects/{project.id}/learning/items/new"
    key = key_on(lead, new)
    refused = lead.post(new, data=item_form(key, title=" "))  # the form's own check
    assert refused.status_code == 400 and items(project) == []
    assert lead.post(new, data=item_form(key, consent=None, submit="Submit for review")).status_code == 400
    assert items(project) == []  # refused by the service: consent is needed to submit
    assert lead.post(new, data=item_form(key)).status_code == 302
    assert len(items(project)) == 1


def test_a_form_without_a_usable_key_is_carried_out_as_before(db, project, lead):
    new = f"/projects/{project.id}/learning/items/new"
    for key in (None, "", "short", "x" * 65, "<script>alert(1)</script>-and-more-text", "ключ" * 8):
        assert lead.post(new, data=item_form(key)).status_code == 302
        assert lead.post(new, data=item_form(key)).status_code == 302
    assert len(items(project)) == 12
    assert _db.session.scalar(_db.select(_db.func.count(FormSubmission.id))) == 0


def test_editing_is_not_held_to_one_submission(db, project, lead):
    new = f"/projects/{project.id}/learning/items/new"
    lead.post(new, data=item_form(key_on(lead, new)))
    [item] = items(project)
    edit = f"/projects/{project.id}/learning/items/{item.id}/edit"
    key = key_on(lead, edit)
    assert lead.post(edit, data=item_form(key, title="Renamed once")).status_code == 302
    assert lead.post(edit, data=item_form(key, title="Renamed twice")).status_code == 302
    assert [found.title for found in items(project)] == ["Renamed twice"]


def test_one_persons_key_does_not_stand_for_anothers(db, app, project, lead):
    colleague = sign_in_client(app, _colleague(project))
    new = f"/projects/{project.id}/learning/items/new"
    key = key_on(lead, new)
    assert lead.post(new, data=item_form(key)).status_code == 302
    assert colleague.post(new, data=item_form(key, title="Theirs")).status_code == 302
    assert sorted(found.title for found in items(project)) == ["Getting home safely", "Theirs"]


def _colleague(project):
    from tests.factories import ApplicantFactory

    return ApplicantFactory(organisation=project.application.lead_organisation)


def log_form(key: str) -> dict:
    day = date.today() - timedelta(days=3)
    return {
        "submission": key,
        "happened_on": [str(day.day), str(day.month), str(day.year)],
        "kind": "workshop",
        "hours": "3.5",
        "what_happened": "A workshop with every partner.",
        "shifting": "Police and NHS now plan together.",
        "risks": "",
        "rag": "green",
        "next_steps": "Map the journey home.",
        "private_note": "",
    }


def test_an_enablers_update_sent_twice_is_logged_once(db, app, project):
    user = EnablerProfileFactory().user
    assign(project, user)
    enabler = sign_in_client(app, user)
    new = f"/projects/{project.id}/updates/new"
    key = key_on(enabler, new)
    assert enabler.post(new, data=log_form(key)).status_code == 302
    again = enabler.post(new, data=log_form(key))
    assert again.status_code == 303 and again.headers["Location"] == f"/projects/{project.id}"
    count = _db.select(_db.func.count(ProjectUpdate.id)).where(ProjectUpdate.project_id == project.id)
    assert _db.session.scalar(count) == 1


def test_two_sent_at_the_same_moment_add_one_item(app, committed_db):
    """On PostgreSQL with real commits: the second claim waits for the first transaction, then finds it."""
    project = funded_project()
    project_id = project.id
    clients = [sign_in_client(app, project.application.lead_applicant) for _ in range(2)]
    committed_db.session.commit()
    committed_db.session.remove()
    for attempt in range(1, ROUNDS + 1):
        key = once.new_key()
        barrier = threading.Barrier(2)
        answers: list[tuple[int, str]] = []

        def send(client, key=key, barrier=barrier, answers=answers):
            barrier.wait(10)
            response = client.post(f"/projects/{project_id}/learning/items/new", data=item_form(key))
            answers.append((response.status_code, response.headers.get("Location", "")))

        threads = [threading.Thread(target=send, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        stored = committed_db.session.scalars(
            committed_db.select(LearningItem).where(LearningItem.project_id == project_id).order_by(LearningItem.id)
        ).all()
        assert len(stored) == attempt
        assert sorted(code for code, _ in answers) == [302, 303]
        assert {location for _, location in answers} == {f"/projects/{project_id}/learning/items/{stored[-1].id}"}
        committed_db.session.remove()
    assert committed_db.session.scalar(committed_db.select(committed_db.func.count(FormSubmission.id))) == ROUNDS


def test_old_keys_are_forgotten(db, project, lead):
    new = f"/projects/{project.id}/learning/items/new"
    key = key_on(lead, new)
    lead.post(new, data=item_form(key))
    claim = _db.session.scalars(_db.select(FormSubmission)).one()
    claim.created_at = utcnow() - timedelta(days=once.KEEP_DAYS, minutes=1)
    fresh = FormSubmission(user_id=claim.user_id, key=once.new_key(), created_at=utcnow() - timedelta(days=1))
    _db.session.add(fresh)
    _db.session.commit()
    assert once.prune() == 1
    assert _db.session.scalars(_db.select(FormSubmission.key)).all() == [fresh.key]
    assert lead.post(new, data=item_form(key)).status_code == 302  # two days on, it is a new submission
    assert len(items(project)) == 2


def test_the_daily_task_that_forgets_them_is_scheduled(app):
    from grants.core.schedule import PERIODIC

    assert {entry["task"] for entry in PERIODIC.values()} >= {"core.forget_form_submissions"}
    with app.test_request_context():
        assert url_for("static", filename="grants.js")  # the script that stops double clicks is served
    script = (app.static_folder and open(f"{app.static_folder}/grants.js").read()) or ""
    assert "preventDoubleClick: true" in script
