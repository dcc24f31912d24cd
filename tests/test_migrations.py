"""The migrations build the schema the models describe, on PostgreSQL and on SQLite."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from grants.core.db import compare_type
from grants.extensions import db
from tests.conftest import make_test_app


def test_models_and_migrations_agree_on_postgresql(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
            differences = compare_metadata(context, db.metadata)
    assert differences == [], f"run `flask --app wsgi db migrate`: the models have changed: {differences}"


def test_migrations_build_the_embedded_sqlite_database(tmp_path, app):
    url = f"sqlite:///{tmp_path / 'grants.sqlite'}"
    sqlite_app = make_test_app(url)
    with sqlite_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "user_roles", "audit_events", "notifications", "organisations", "places", "themes"} <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        db.engine.dispose()


def test_audit_trigger_exists_on_sqlite_too(tmp_path, app):
    url = f"sqlite:///{tmp_path / 'grants.sqlite'}"
    sqlite_app = make_test_app(url)
    with sqlite_app.app_context():
        upgrade()
        db.engine.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO audit_events (occurred_at, action) VALUES ('2026-01-01', 'x')")
    with engine.connect() as connection:
        try:
            connection.exec_driver_sql("DELETE FROM audit_events")
        except Exception as error:  # noqa: BLE001
            assert "append-only" in str(error)
        else:
            raise AssertionError("deleting an audit event was allowed")
    engine.dispose()


def test_the_database_accepts_every_role_the_code_knows(db):
    """Alembic does not compare CHECK constraints: adding a role without a migration fails here."""
    from grants.accounts.models import UserRole
    from grants.core.permissions import Role
    from tests.factories import UserFactory

    user = UserFactory()
    for role in Role:
        db.session.add(UserRole(user_id=user.id, role=role.value))
    db.session.flush()
    assert {grant.role for grant in db.session.scalars(db.select(UserRole))} == {role.value for role in Role}
