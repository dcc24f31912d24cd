"""A released tranche can be neither changed nor deleted on SQLite too: its two triggers, created again

SQLite rebuilt the tranches table in c4e8a1f7d352 (the end of a grant) to change its check constraints,
which dropped the table's triggers: a database built by the migrations let a released tranche be changed
or deleted. They are created again, as the models declare them. PostgreSQL kept its trigger: nothing to do.

Revision ID: b9d2e4f6a8c1
Revises: a7c4e2f9b1d3
Create Date: 2026-12-08 12:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b9d2e4f6a8c1"
down_revision = "a7c4e2f9b1d3"
branch_labels = None
depends_on = None

# As they stood when this migration was written.
SQLITE_TRIGGERS = {
    "tranches_released_unchanged": """
    CREATE TRIGGER tranches_released_unchanged BEFORE UPDATE ON tranches
    WHEN OLD.status = 'released' AND (NEW.status <> 'released' OR NEW.amount_pence <> OLD.amount_pence
        OR NEW.released_at IS NOT OLD.released_at OR NEW.due_on <> OLD.due_on OR NEW.sequence <> OLD.sequence
        OR NEW.project_id <> OLD.project_id OR NEW.requested_by_id IS NOT OLD.requested_by_id
        OR NEW.requested_at IS NOT OLD.requested_at)
    BEGIN SELECT RAISE(ABORT, 'a released tranche cannot be changed'); END
    """,
    "tranches_released_not_deleted": """
    CREATE TRIGGER tranches_released_not_deleted BEFORE DELETE ON tranches
    WHEN OLD.status = 'released'
    BEGIN SELECT RAISE(ABORT, 'a released tranche cannot be deleted'); END
    """,
}


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, statement in SQLITE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")  # a database someone already mended
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
