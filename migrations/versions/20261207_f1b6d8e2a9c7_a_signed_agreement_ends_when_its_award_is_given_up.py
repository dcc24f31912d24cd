"""A signed agreement ends when its award is given up: the status 'ended', and the database rules for it

A signed agreement may now change only its status, to 'superseded' or 'ended', and keeps everything else
(its words, schedule, signature and issue); an ended one never changes, like one replaced or withdrawn.
The signed agreements of projects whose award was already given up are ended.

SQLite rebuilds grant_agreements to change its check constraints, which drops its triggers: they are
created again last, in both directions.

Revision ID: f1b6d8e2a9c7
Revises: e5a2b9c3d7f1
Create Date: 2026-12-07 13:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "f1b6d8e2a9c7"
down_revision = "e5a2b9c3d7f1"
branch_labels = None
depends_on = None

STATUSES = "'draft', 'issued', 'signed', 'superseded', 'withdrawn', 'ended'"
OLD_STATUSES = "'draft', 'issued', 'signed', 'superseded', 'withdrawn'"
SIGNED_BY = "(signed_at IS NOT NULL AND signed_by_id IS NOT NULL AND signed_name IS NOT NULL)"

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION grant_agreements_signed_unchanged() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status IN ('signed', 'superseded', 'ended') THEN
            RAISE EXCEPTION 'a signed grant agreement cannot be deleted';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status IN ('superseded', 'withdrawn', 'ended') THEN
        RAISE EXCEPTION 'a replaced, ended or withdrawn grant agreement cannot be changed';
    END IF;
    IF OLD.status = 'signed' AND (
        NEW.status NOT IN ('signed', 'superseded', 'ended')
        OR NEW.terms IS DISTINCT FROM OLD.terms OR NEW.award_pence IS DISTINCT FROM OLD.award_pence
        OR NEW.schedule::text IS DISTINCT FROM OLD.schedule::text
        OR NEW.version IS DISTINCT FROM OLD.version OR NEW.project_id IS DISTINCT FROM OLD.project_id
        OR NEW.variation_reason IS DISTINCT FROM OLD.variation_reason
        OR NEW.issued_at IS DISTINCT FROM OLD.issued_at OR NEW.issued_by_id IS DISTINCT FROM OLD.issued_by_id
        OR NEW.signed_at IS DISTINCT FROM OLD.signed_at OR NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id
        OR NEW.signed_name IS DISTINCT FROM OLD.signed_name OR NEW.signed_ip IS DISTINCT FROM OLD.signed_ip
        OR NEW.signed_user_agent IS DISTINCT FROM OLD.signed_user_agent
        OR NEW.created_at IS DISTINCT FROM OLD.created_at
        OR (NEW.superseded_at IS DISTINCT FROM OLD.superseded_at AND NEW.status <> 'superseded')
    ) THEN
        RAISE EXCEPTION 'a signed grant agreement cannot be changed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""

OLD_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION grant_agreements_signed_unchanged() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status IN ('signed', 'superseded') THEN
            RAISE EXCEPTION 'a signed grant agreement cannot be deleted';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'signed' AND (
        NEW.terms IS DISTINCT FROM OLD.terms OR NEW.award_pence IS DISTINCT FROM OLD.award_pence
        OR NEW.schedule::text IS DISTINCT FROM OLD.schedule::text
        OR NEW.version IS DISTINCT FROM OLD.version OR NEW.project_id IS DISTINCT FROM OLD.project_id
        OR NEW.signed_at IS DISTINCT FROM OLD.signed_at OR NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id
        OR NEW.signed_name IS DISTINCT FROM OLD.signed_name OR NEW.status NOT IN ('signed', 'superseded')
    ) THEN
        RAISE EXCEPTION 'a signed grant agreement cannot be changed';
    END IF;
    IF OLD.status IN ('superseded', 'withdrawn') THEN
        RAISE EXCEPTION 'a replaced or withdrawn grant agreement cannot be changed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER grant_agreements_signed_unchanged BEFORE UPDATE ON grant_agreements
    WHEN OLD.status IN ('superseded', 'withdrawn', 'ended') OR (OLD.status = 'signed' AND (
        NEW.status NOT IN ('signed', 'superseded', 'ended')
        OR NEW.terms IS NOT OLD.terms OR NEW.award_pence IS NOT OLD.award_pence OR NEW.schedule IS NOT OLD.schedule
        OR NEW.version IS NOT OLD.version OR NEW.project_id IS NOT OLD.project_id
        OR NEW.variation_reason IS NOT OLD.variation_reason
        OR NEW.issued_at IS NOT OLD.issued_at OR NEW.issued_by_id IS NOT OLD.issued_by_id
        OR NEW.signed_at IS NOT OLD.signed_at OR NEW.signed_by_id IS NOT OLD.signed_by_id
        OR NEW.signed_name IS NOT OLD.signed_name OR NEW.signed_ip IS NOT OLD.signed_ip
        OR NEW.signed_user_agent IS NOT OLD.signed_user_agent OR NEW.created_at IS NOT OLD.created_at
        OR (NEW.superseded_at IS NOT OLD.superseded_at AND NEW.status <> 'superseded')))
    BEGIN SELECT RAISE(ABORT, 'a signed grant agreement cannot be changed'); END
    """,
    """
    CREATE TRIGGER grant_agreements_signed_not_deleted BEFORE DELETE ON grant_agreements
    WHEN OLD.status IN ('signed', 'superseded', 'ended')
    BEGIN SELECT RAISE(ABORT, 'a signed grant agreement cannot be deleted'); END
    """,
]

OLD_SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER grant_agreements_signed_unchanged BEFORE UPDATE ON grant_agreements
    WHEN OLD.status IN ('superseded', 'withdrawn') OR (OLD.status = 'signed' AND (
        NEW.terms IS NOT OLD.terms OR NEW.award_pence IS NOT OLD.award_pence OR NEW.schedule IS NOT OLD.schedule
        OR NEW.version IS NOT OLD.version OR NEW.project_id IS NOT OLD.project_id
        OR NEW.signed_at IS NOT OLD.signed_at OR NEW.signed_by_id IS NOT OLD.signed_by_id
        OR NEW.signed_name IS NOT OLD.signed_name OR NEW.status NOT IN ('signed', 'superseded')))
    BEGIN SELECT RAISE(ABORT, 'a signed grant agreement cannot be changed'); END
    """,
    """
    CREATE TRIGGER grant_agreements_signed_not_deleted BEFORE DELETE ON grant_agreements
    WHEN OLD.status IN ('signed', 'superseded')
    BEGIN SELECT RAISE(ABORT, 'a signed grant agreement cannot be deleted'); END
    """,
]

DROP_SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS grant_agreements_signed_unchanged",
    "DROP TRIGGER IF EXISTS grant_agreements_signed_not_deleted",
]


def _check_constraints(statuses: str, signed: str) -> None:
    with op.batch_alter_table("grant_agreements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_grant_agreements_known_status"), type_="check")
        batch_op.drop_constraint(op.f("ck_grant_agreements_signed_by_someone"), type_="check")
        batch_op.create_check_constraint(op.f("ck_grant_agreements_known_status"), f"status IN ({statuses})")
        batch_op.create_check_constraint(
            op.f("ck_grant_agreements_signed_by_someone"), f"status NOT IN ({signed}) OR {SIGNED_BY}"
        )


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for statement in DROP_SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(PG_FUNCTION)
    _check_constraints(STATUSES, "'signed', 'superseded', 'ended'")
    # Awards given up after signature, before the agreement could end: it ends now, its words kept.
    op.execute(
        "UPDATE grant_agreements SET status = 'ended' WHERE status = 'signed' "
        "AND project_id IN (SELECT id FROM projects WHERE status = 'withdrawn')"
    )
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for statement in DROP_SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(OLD_PG_FUNCTION)
    op.execute("UPDATE grant_agreements SET status = 'signed' WHERE status = 'ended'")
    _check_constraints(OLD_STATUSES, "'signed', 'superseded'")
    if sqlite:
        for statement in OLD_SQLITE_TRIGGERS:
            op.execute(statement)
