"""The one action path: a change is committed once; a refusal is rolled back, recorded exactly once and
shown where it belongs; a repeat goes where the first led; a lost race is a 409, never a 500."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict, Forbidden
from wtforms import StringField

from grants.core import actions
from grants.core.audit import AuditEvent
from grants.core.errors import AlreadyDone, GrantsError, PermissionDenied
from grants.extensions import db as _db
from tests.factories import UserFactory


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name")
    email = StringField("Email")


def events(action: str) -> list[AuditEvent]:
    return _db.session.scalars(_db.select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def person(db):
    person = UserFactory(name="Before")
    _db.session.commit()
    return person


@pytest.fixture
def request_context(app):
    with app.test_request_context("/somewhere", method="POST"):
        yield


def renaming(person, to: str, error: GrantsError | None = None):
    def change():
        person.name = to
        _db.session.flush()
        if error is not None:
            raise error
        return person

    return change


def test_a_change_is_committed_once_and_its_message_flashed(person, request_context):
    response = actions.carry_out(
        renaming(person, "After"), refused=("people.rename_refused", person), to="/done", message="Renamed."
    )
    assert response.status_code == 302 and response.location == "/done"
    _db.session.expire_all()
    assert person.name == "After"
    assert get_flashed_messages(with_categories=True) == [("success", "Renamed.")]
    assert events("people.rename_refused") == []


def test_a_refusal_keeps_nothing_and_is_recorded_exactly_once_on_the_form_field(person, request_context):
    form = NameForm(formdata=None)
    outcome = actions.carry_out(
        renaming(person, "After", GrantsError("That email is taken", field="email_address")),
        refused=("people.rename_refused", person),
        to="/done",
        form=form,
        field="name",
        fields={"email_address": "email"},
    )
    assert outcome is None  # the route draws its page again
    assert list(form.email.errors) == ["That email is taken"] and not form.name.errors
    _db.session.expire_all()
    assert person.name == "Before"
    [refusal] = events("people.rename_refused")
    assert refusal.object_id == str(person.id) and refusal.after == {"reason": "That email is taken"}


def test_a_refusal_without_a_form_is_flashed_on_the_page_to_go_back_to(person, request_context):
    response = actions.carry_out(
        renaming(person, "After", GrantsError("Not now")),
        refused=("people.rename_refused", person),
        to="/done",
        back="/person",
    )
    assert response.status_code == 302 and response.location == "/person"
    assert get_flashed_messages(with_categories=True) == [("important", "Not now")]
    assert len(events("people.rename_refused")) == 1


def test_a_refusal_the_service_recorded_itself_is_kept_and_not_recorded_again(person, request_context):
    def wrong_password():
        actions.audit.record("auth.sign_in_failed", person)
        raise GrantsError("The password is not right", field="name", recorded=True)

    form = NameForm(formdata=None)
    assert actions.carry_out(wrong_password, refused=("people.rename_refused", person), to="/", form=form) is None
    assert len(events("auth.sign_in_failed")) == 1
    assert events("people.rename_refused") == []
    assert form.name.errors == ["The password is not right"]


def test_a_repeat_goes_where_the_first_led(person, request_context):
    response = actions.carry_out(
        renaming(person, "After", AlreadyDone("You have already renamed them.")),
        refused=("people.rename_refused", person),
        to="/done",
    )
    assert response.status_code == 303 and response.location == "/done"
    assert len(events("people.rename_refused")) == 1


def test_a_refusal_of_permission_is_left_to_the_403_page(person, request_context):
    with pytest.raises(PermissionDenied):
        actions.carry_out(
            renaming(person, "After", PermissionDenied()), refused=("people.rename_refused", person), to="/"
        )
    _db.session.expire_all()
    assert person.name == "Before" and events("people.rename_refused") == []


def test_a_second_copy_the_database_refuses_is_a_recorded_409(person, request_context):
    def duplicate():
        _db.session.add(UserFactory.build(email=person.email))
        _db.session.flush()

    with pytest.raises(Conflict):
        actions.carry_out(duplicate, refused=("people.add_refused", None), to="/")
    [refusal] = events("people.add_refused")
    assert refusal.object_type == "request" and "same moment" in refusal.after["reason"]


def test_another_database_fault_is_not_hidden(person, request_context):
    def broken():
        raise IntegrityError("UPDATE", {}, Exception("NOT NULL constraint failed"))

    with pytest.raises(IntegrityError):
        actions.carry_out(broken, refused=("people.rename_refused", person), to="/")


def test_a_page_can_be_the_outcome(person, request_context, monkeypatch):
    monkeypatch.setattr(actions, "render_template", lambda template, **context: f"{template}:{context['code']}")
    response = actions.carry_out(
        lambda: "ABC-123", refused=("people.code_refused", person), to=lambda code: actions.page("code.html", code=code)
    )
    assert response.status_code == 200 and response.get_data(as_text=True) == "code.html:ABC-123"


def test_a_page_of_the_routes_own_for_a_refusal(person, request_context):
    shown = actions.carry_out(
        renaming(person, "After", GrantsError("Closed")),
        refused=("people.rename_refused", person),
        to="/",
        show=lambda error: ("closed page: " + error.message, 409),
    )
    assert shown == ("closed page: Closed", 409) and len(events("people.rename_refused")) == 1


def test_forbidden_is_not_caught(person, request_context):
    def forbidden():
        raise Forbidden()

    with pytest.raises(Forbidden):
        actions.carry_out(forbidden, refused=("people.rename_refused", person), to="/")


def test_a_refusal_about_the_signed_in_person_names_them_not_their_proxy(app, person):
    from flask_login import current_user, login_user

    with app.test_request_context("/account", method="POST"):
        login_user(person)
        actions.carry_out(
            renaming(person, "After", GrantsError("Not now")), refused=("people.rename_refused", current_user), to="/"
        )
    [refusal] = events("people.rename_refused")
    assert (refusal.object_type, refusal.object_id) == ("user", str(person.id))


def test_problems_a_route_puts_on_its_form_are_shown_once(person, request_context):
    form = NameForm(formdata=None)

    def every_problem(error):
        form.name.errors = ["Enter a name"]
        form.email.errors = ["Enter an email address"]

    outcome = actions.carry_out(
        renaming(person, "After", GrantsError("Enter a name", field="name")),
        refused=("people.rename_refused", person),
        to="/",
        form=form,
        show=every_problem,
    )
    assert outcome is None
    assert form.name.errors == ["Enter a name"] and form.email.errors == ["Enter an email address"]
