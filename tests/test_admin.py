from grants.accounts.models import User
from grants.core import audit
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from tests.factories import PASSWORD, UserFactory
from tests.fixtures.clients import sign_in_client
from tests.helpers import QueryCounter, field_error, text


def test_an_admin_changes_someones_roles_and_it_is_audited(db, admin_client):
    person = UserFactory(roles=[Role.STEERING_MEMBER])
    response = admin_client.post(
        f"/admin/people/{person.id}/roles", data={"roles": ["steering_member", "steering_chair"], "password": PASSWORD}
    )
    assert response.headers["Location"] == "/admin/people"
    assert db.session.get(User, person.id).roles == {Role.STEERING_MEMBER, Role.STEERING_CHAIR}
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "user.roles_changed")).one()
    assert event.actor_id == admin_client.user.id
    assert event.before == {"roles": ["steering_member"]}
    assert event.after == {"roles": ["steering_chair", "steering_member"]}


def test_an_admin_cannot_remove_their_own_admin_role(db, admin_client):
    me = admin_client.user
    response = admin_client.post(
        f"/admin/people/{me.id}/roles", data={"roles": ["programme_officer"], "password": PASSWORD}
    )
    html = response.get_data(as_text=True)
    assert field_error(html, "roles") == "You cannot remove your own administrator role. Ask another administrator."
    assert db.session.get(User, me.id).roles == {Role.ADMIN}


def test_an_unknown_role_is_refused(db, admin_client):
    person = UserFactory(roles=[Role.ENABLER])
    html = admin_client.post(f"/admin/people/{person.id}/roles", data={"roles": ["superuser"]}).get_data(as_text=True)
    assert field_error(html, "roles") is not None
    assert db.session.get(User, person.id).roles == {Role.ENABLER}


def test_a_programme_officer_cannot_change_roles(db, programme_officer_client):
    person = UserFactory(roles=[Role.ENABLER])
    response = programme_officer_client.post(f"/admin/people/{person.id}/roles", data={"roles": ["admin"]})
    assert response.status_code == 403
    assert db.session.get(User, person.id).roles == {Role.ENABLER}


def test_people_list_is_ordered_searchable_and_paginated(app, db, admin_client, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for name in ("Zara Ahmed", "Ben Carter", "Chloe Davies"):
        UserFactory(name=name)
    first_page = text(admin_client.get("/admin/people").get_data(as_text=True))
    assert first_page.index("Administrator Person") < first_page.index("Ben Carter")
    assert "Zara Ahmed" not in first_page and "Next" in first_page
    assert "Zara Ahmed" in text(admin_client.get("/admin/people?page=2").get_data(as_text=True))
    found = text(admin_client.get("/admin/people?q=chloe").get_data(as_text=True))
    assert "Chloe Davies" in found and "Ben Carter" not in found


def test_audit_trail_loads_in_a_fixed_number_of_queries(db, programme_officer_client):
    def queries_for(events: int) -> int:
        for _ in range(events):
            audit.record("thing.happened", object_type="thing", object_id=1, actor=UserFactory())
        db.session.commit()
        with QueryCounter() as counter:
            response = programme_officer_client.get("/admin/audit")
        assert response.status_code == 200
        return counter.count

    assert queries_for(3) == queries_for(30)


def test_audit_trail_filters(db, programme_officer_client):
    audit.record("round.opened", object_type="round", object_id=1)
    audit.record("user.created", object_type="user", object_id=2)
    db.session.commit()
    page = text(programme_officer_client.get("/admin/audit?action=round.").get_data(as_text=True))
    assert "1 event" in page and "System or anonymous round.opened" in page
    page = text(programme_officer_client.get("/admin/audit?object_type=user&object_id=2").get_data(as_text=True))
    assert "1 event" in page and "System or anonymous user.created" in page


def test_changing_roles_needs_the_admins_password_again(db, admin_client):
    person = UserFactory(roles=[Role.ENABLER])
    response = admin_client.post(
        f"/admin/people/{person.id}/roles", data={"roles": ["enabler", "admin"], "password": "not-my-password"}
    )
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "password") == (
        "The password is not right. Enter your own password to change roles"
    )
    assert db.session.get(User, person.id).roles == {Role.ENABLER}
    failed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "auth.reauthentication_failed")).one()
    assert failed.actor_id == admin_client.user.id and failed.after == {"purpose": "change roles"}
    assert failed.object_id == str(person.id)


def test_wrong_passwords_entered_again_are_limited_per_account(db, admin_client):
    person = UserFactory(roles=[Role.ENABLER])
    url = f"/admin/people/{person.id}/roles"
    answers = [
        admin_client.post(url, data={"roles": ["admin"], "password": f"wrong-{n}"}).status_code for n in range(6)
    ]
    assert answers == [400] * 5 + [429]
    # Now even the right password waits: the limit is on the account, not on the guess.
    assert admin_client.post(url, data={"roles": ["admin"], "password": PASSWORD}).status_code == 429
    assert db.session.get(User, person.id).roles == {Role.ENABLER}
    # Another administrator is not held up.
    other = sign_in_client(admin_client.application, UserFactory(roles=[Role.ADMIN]))
    assert other.post(url, data={"roles": ["enabler", "steering_member"], "password": PASSWORD}).status_code == 302
