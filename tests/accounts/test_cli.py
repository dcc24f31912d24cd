from grants.accounts.models import User
from grants.core.audit import AuditEvent
from grants.core.permissions import Role
from tests.factories import UserFactory


def test_create_a_staff_account_with_several_roles(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "Chair@Example.org",
            "--name",
            "Margaret Okafor",
            "--role",
            "steering_chair",
            "--role",
            "steering_member",
            "--password",
            "a very long password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(db.select(User).where(User.email == "chair@example.org")).one()
    assert user.roles == {Role.STEERING_CHAIR, Role.STEERING_MEMBER}
    assert user.check_password("a very long password")
    assert db.session.scalars(db.select(AuditEvent.action)).all() == ["user.created"]


def test_the_password_is_asked_for_when_not_given(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "e@example.org", "--name", "E", "--role", "enabler"],
        input="a very long password\na very long password\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalars(db.select(User).where(User.email == "e@example.org")).one().roles == {Role.ENABLER}


def test_refusals_are_clear_and_create_nothing(app, db):
    UserFactory(email="taken@example.org")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "taken@example.org",
            "--name",
            "X",
            "--role",
            "admin",
            "--password",
            "a very long password",
        ]
    )
    assert result.exit_code != 0 and "already exists" in result.output
    result = runner.invoke(
        args=["users", "create", "--email", "new@example.org", "--name", "X", "--role", "admin", "--password", "short"]
    )
    assert result.exit_code != 0 and "12 characters or more" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "new@example.org",
            "--name",
            "X",
            "--role",
            "king",
            "--password",
            "a very long password",
        ]
    )
    assert result.exit_code != 0 and "king" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_roles_can_be_added_and_removed(app, db):
    user = UserFactory(email="p@example.org", roles=[Role.STEERING_MEMBER])
    result = app.test_cli_runner().invoke(
        args=["users", "roles", "--email", "p@example.org", "--add", "steering_chair", "--remove", "steering_member"]
    )
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.roles == {Role.STEERING_CHAIR}
    result = app.test_cli_runner().invoke(args=["users", "list"])
    assert "p@example.org" in result.output and "steering_chair" in result.output


def test_reset_someones_two_factor_from_the_command_line(app, db):
    admin = UserFactory(roles=[Role.ADMIN], email="only.admin@example.org")
    listed = app.test_cli_runner().invoke(args=["users", "list"])
    assert "only.admin@example.org" in listed.output and "two-factor on" in listed.output

    result = app.test_cli_runner().invoke(args=["users", "reset-two-factor", "--email", "only.admin@example.org"])
    assert result.exit_code == 0, result.output
    assert not db.session.get(User, admin.id).two_factor_enabled
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "auth.two_factor_reset")).one()
    assert event.actor_id is None and event.object_id == str(admin.id)

    again = app.test_cli_runner().invoke(args=["users", "reset-two-factor", "--email", "only.admin@example.org"])
    assert again.exit_code != 0 and "is not turned on" in again.output
    unknown = app.test_cli_runner().invoke(args=["users", "reset-two-factor", "--email", "nobody@example.org"])
    assert unknown.exit_code != 0 and "No account" in unknown.output
