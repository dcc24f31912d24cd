"""Funding: agreement versions and signatures, tranche conditions, payments (one per tranche),
match funding confirmed and received, and each round's agreement template.

SQLite rebuilds a table to alter it, which drops its triggers: the triggers are created last here,
and a later migration that alters grant_agreements, tranches or payments on SQLite must create them again.

Revision ID: 42973007b3dc
Revises: 94d4740bf95d
Create Date: 2026-11-22 12:12:10.435492

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '42973007b3dc'
down_revision = '94d4740bf95d'
branch_labels = None
depends_on = None

IMMUTABLE = {
    "postgresql": [
        """
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
        """,
        """
        CREATE TRIGGER grant_agreements_signed_unchanged BEFORE UPDATE OR DELETE ON grant_agreements
        FOR EACH ROW EXECUTE FUNCTION grant_agreements_signed_unchanged()
        """,
        """
        CREATE OR REPLACE FUNCTION tranches_released_unchanged() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.status = 'released' THEN
                    RAISE EXCEPTION 'a released tranche cannot be deleted';
                END IF;
                RETURN OLD;
            END IF;
            IF OLD.status = 'released' AND (
                NEW.status <> 'released' OR NEW.amount_pence <> OLD.amount_pence
                OR NEW.released_at IS DISTINCT FROM OLD.released_at OR NEW.due_on <> OLD.due_on
                OR NEW.sequence <> OLD.sequence OR NEW.project_id <> OLD.project_id
                OR NEW.requested_by_id IS DISTINCT FROM OLD.requested_by_id
                OR NEW.requested_at IS DISTINCT FROM OLD.requested_at
            ) THEN
                RAISE EXCEPTION 'a released tranche cannot be changed';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER tranches_released_unchanged BEFORE UPDATE OR DELETE ON tranches
        FOR EACH ROW EXECUTE FUNCTION tranches_released_unchanged()
        """,
        """
        CREATE OR REPLACE FUNCTION payments_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'payments are never changed or removed';
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
        FOR EACH ROW EXECUTE FUNCTION payments_append_only()
        """,
    ],
    "sqlite": [
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
        CREATE TRIGGER tranches_released_unchanged BEFORE UPDATE ON tranches
        WHEN OLD.status = 'released' AND (NEW.status <> 'released' OR NEW.amount_pence <> OLD.amount_pence
            OR NEW.released_at IS NOT OLD.released_at OR NEW.due_on <> OLD.due_on OR NEW.sequence <> OLD.sequence
            OR NEW.project_id <> OLD.project_id OR NEW.requested_by_id IS NOT OLD.requested_by_id
            OR NEW.requested_at IS NOT OLD.requested_at)
        BEGIN SELECT RAISE(ABORT, 'a released tranche cannot be changed'); END
        """,
        """
        CREATE TRIGGER tranches_released_not_deleted BEFORE DELETE ON tranches
        WHEN OLD.status = 'released'
        BEGIN SELECT RAISE(ABORT, 'a released tranche cannot be deleted'); END
        """,
        """
        CREATE TRIGGER grant_agreements_signed_not_deleted BEFORE DELETE ON grant_agreements
        WHEN OLD.status IN ('signed', 'superseded')
        BEGIN SELECT RAISE(ABORT, 'a signed grant agreement cannot be deleted'); END
        """,
        """
        CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
        BEGIN SELECT RAISE(ABORT, 'payments are never changed or removed'); END
        """,
        """
        CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
        BEGIN SELECT RAISE(ABORT, 'payments are never changed or removed'); END
        """,
    ],
}
DROP_TRIGGERS = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS payments_append_only ON payments",
        "DROP FUNCTION IF EXISTS payments_append_only()",
        "DROP TRIGGER IF EXISTS tranches_released_unchanged ON tranches",
        "DROP FUNCTION IF EXISTS tranches_released_unchanged()",
        "DROP TRIGGER IF EXISTS grant_agreements_signed_unchanged ON grant_agreements",
        "DROP FUNCTION IF EXISTS grant_agreements_signed_unchanged()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS payments_no_update",
        "DROP TRIGGER IF EXISTS payments_no_delete",
        "DROP TRIGGER IF EXISTS tranches_released_unchanged",
        "DROP TRIGGER IF EXISTS grant_agreements_signed_unchanged",
        "DROP TRIGGER IF EXISTS tranches_released_not_deleted",
        "DROP TRIGGER IF EXISTS grant_agreements_signed_not_deleted",
    ],
}
AGREEMENT_STATUSES = "status IN ('draft', 'issued', 'signed', 'superseded', 'withdrawn')"
OLD_AGREEMENT_STATUSES = "status IN ('draft', 'issued', 'signed', 'superseded')"
DOCUMENT_KINDS = "kind IN ('match_evidence', 'match_confirmation', 'match_receipt')"
OLD_DOCUMENT_KINDS = "kind IN ('match_evidence')"


def default_kinds(sequence, count):
    """The conditions each existing tranche starts with, as new projects' tranches do."""
    if sequence == 1:
        return ["agreement_signed", "match_confirmed", "enabler_assigned"]
    if sequence == count:
        return ["report_accepted", "learning_evidenced"]
    return ["report_accepted"]


def add_existing_data():
    connection = op.get_bind()
    tranches = connection.execute(sa.text("SELECT id, project_id, sequence, amount_pence, due_on FROM tranches ORDER BY project_id, sequence")).all()
    counts = {}
    for tranche in tranches:
        counts[tranche.project_id] = counts.get(tranche.project_id, 0) + 1
    now = sa.func.now() if connection.dialect.name == "postgresql" else sa.text("CURRENT_TIMESTAMP")
    conditions = sa.table(
        "tranche_conditions",
        sa.column("tranche_id"), sa.column("kind"), sa.column("position"),
        sa.column("created_at"), sa.column("updated_at"),
    )
    for tranche in tranches:
        for position, kind in enumerate(default_kinds(tranche.sequence, counts[tranche.project_id])):
            connection.execute(conditions.insert().values(tranche_id=tranche.id, kind=kind, position=position, created_at=now, updated_at=now))
    schedules = {}
    for tranche in tranches:
        due = tranche.due_on if isinstance(tranche.due_on, str) else tranche.due_on.isoformat()
        schedules.setdefault(tranche.project_id, []).append([tranche.sequence, tranche.amount_pence, due])
    for project_id, schedule in schedules.items():
        connection.execute(
            sa.text("UPDATE grant_agreements SET schedule = :schedule WHERE project_id = :project_id"),
            {"schedule": json.dumps(schedule), "project_id": project_id},
        )


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('amount_pence', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_pence > 0', name=op.f('ck_payments_amount_positive')),
    sa.CheckConstraint('approved_by_id <> requested_by_id', name=op.f('ck_payments_two_people')),
    sa.CheckConstraint('length(reference) > 0', name=op.f('ck_payments_reference_given')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_payments_approved_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_payments_project_id_projects'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_payments_requested_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tranche_id'], ['tranches.id'], name=op.f('fk_payments_tranche_id_tranches'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('tranche_id', name=op.f('uq_payments_tranche_id'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_project_id'), ['project_id'], unique=False)

    op.create_table('tranche_conditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tranche_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('met_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind <> 'custom' OR (description IS NOT NULL AND owner_id IS NOT NULL)", name=op.f('ck_tranche_conditions_custom_described')),
    sa.CheckConstraint("kind IN ('agreement_signed', 'match_confirmed', 'enabler_assigned', 'report_accepted', 'learning_evidenced', 'custom')", name=op.f('ck_tranche_conditions_known_kind')),
    sa.ForeignKeyConstraint(['met_by_id'], ['users.id'], name=op.f('fk_tranche_conditions_met_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_tranche_conditions_owner_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tranche_id'], ['tranches.id'], name=op.f('fk_tranche_conditions_tranche_id_tranches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tranche_conditions'))
    )
    with op.batch_alter_table('tranche_conditions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tranche_conditions_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_tranche_conditions_tranche_id', ['tranche_id'], unique=False)
        batch_op.create_index('uq_tranche_conditions_one_builtin_per_tranche', ['tranche_id', 'kind'], unique=True, postgresql_where=sa.text("kind <> 'custom'"), sqlite_where=sa.text("kind <> 'custom'"))

    with op.batch_alter_table('grant_agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('variation_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('issued_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signed_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signed_ip', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('signed_user_agent', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('uq_grant_agreements_one_open_per_project', ['project_id'], unique=True, postgresql_where=sa.text("status IN ('draft', 'issued')"), sqlite_where=sa.text("status IN ('draft', 'issued')"))
        batch_op.create_index('uq_grant_agreements_one_signed_per_project', ['project_id'], unique=True, postgresql_where=sa.text("status = 'signed'"), sqlite_where=sa.text("status = 'signed'"))
        batch_op.create_foreign_key(batch_op.f('fk_grant_agreements_signed_by_id_users'), 'users', ['signed_by_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_grant_agreements_issued_by_id_users'), 'users', ['issued_by_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('match_funding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmation_document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmation_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('received_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('received_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('received_reference', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('receipt_document_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_match_funding_project_id', ['project_id'], unique=True)
        batch_op.create_foreign_key(batch_op.f('fk_match_funding_confirmed_by_id_users'), 'users', ['confirmed_by_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_match_funding_receipt_document_id_documents'), 'documents', ['receipt_document_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_match_funding_received_by_id_users'), 'users', ['received_by_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_match_funding_confirmation_document_id_documents'), 'documents', ['confirmation_document_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_template', sa.Text(), nullable=True))

    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligible_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('requested_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('released_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('held_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('held_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('held_reason', sa.Text(), nullable=True))
        batch_op.alter_column('percentage',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index('ix_tranches_status_due_on', ['status', 'due_on'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tranches_requested_by_id_users'), 'users', ['requested_by_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_tranches_held_by_id_users'), 'users', ['held_by_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('grant_agreements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_grant_agreements_known_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_grant_agreements_known_status'), AGREEMENT_STATUSES)
        batch_op.create_check_constraint(op.f('ck_grant_agreements_version_positive'), 'version >= 1')
        batch_op.create_check_constraint(op.f('ck_grant_agreements_issued_when_not_draft'), "status IN ('draft', 'withdrawn') OR issued_at IS NOT NULL")
        batch_op.create_check_constraint(
            op.f('ck_grant_agreements_signed_by_someone'),
            "status NOT IN ('signed', 'superseded') OR (signed_at IS NOT NULL AND signed_by_id IS NOT NULL AND signed_name IS NOT NULL)",
        )
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_tranches_sequence_positive'), 'sequence >= 1')
        batch_op.create_check_constraint(
            op.f('ck_tranches_requested_by_someone'),
            "status NOT IN ('requested', 'released') OR (requested_at IS NOT NULL AND requested_by_id IS NOT NULL)",
        )
        batch_op.create_check_constraint(op.f('ck_tranches_released_when'), "status <> 'released' OR released_at IS NOT NULL")
        batch_op.create_check_constraint(op.f('ck_tranches_held_why'), "status <> 'held' OR (held_reason IS NOT NULL AND held_at IS NOT NULL)")
    with op.batch_alter_table('match_funding', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_match_funding_confirmed_by'), "status = 'pledged' OR (confirmed_at IS NOT NULL AND confirmed_by_id IS NOT NULL)"
        )
        batch_op.create_check_constraint(op.f('ck_match_funding_received_when'), "status <> 'received' OR received_on IS NOT NULL")
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_documents_known_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_documents_known_kind'), DOCUMENT_KINDS)

    add_existing_data()
    for statement in IMMUTABLE.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    # ### end Alembic commands ###


def downgrade():
    for statement in DROP_TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_documents_known_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_documents_known_kind'), OLD_DOCUMENT_KINDS)
    with op.batch_alter_table('match_funding', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_match_funding_received_when'), type_='check')
        batch_op.drop_constraint(op.f('ck_match_funding_confirmed_by'), type_='check')
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tranches_held_why'), type_='check')
        batch_op.drop_constraint(op.f('ck_tranches_released_when'), type_='check')
        batch_op.drop_constraint(op.f('ck_tranches_requested_by_someone'), type_='check')
        batch_op.drop_constraint(op.f('ck_tranches_sequence_positive'), type_='check')
    with op.batch_alter_table('grant_agreements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_grant_agreements_signed_by_someone'), type_='check')
        batch_op.drop_constraint(op.f('ck_grant_agreements_issued_when_not_draft'), type_='check')
        batch_op.drop_constraint(op.f('ck_grant_agreements_version_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_grant_agreements_known_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_grant_agreements_known_status'), OLD_AGREEMENT_STATUSES)

    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('tranches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tranches_held_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_tranches_requested_by_id_users'), type_='foreignkey')
        batch_op.drop_index('ix_tranches_status_due_on')
        batch_op.alter_column('percentage',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('held_reason')
        batch_op.drop_column('held_by_id')
        batch_op.drop_column('held_at')
        batch_op.drop_column('released_at')
        batch_op.drop_column('requested_by_id')
        batch_op.drop_column('requested_at')
        batch_op.drop_column('eligible_at')

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('agreement_template')

    with op.batch_alter_table('match_funding', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_match_funding_confirmation_document_id_documents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_match_funding_received_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_match_funding_receipt_document_id_documents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_match_funding_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_index('ix_match_funding_project_id')
        batch_op.drop_column('receipt_document_id')
        batch_op.drop_column('received_reference')
        batch_op.drop_column('received_by_id')
        batch_op.drop_column('received_on')
        batch_op.drop_column('confirmation_note')
        batch_op.drop_column('confirmation_document_id')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('confirmed_at')

    with op.batch_alter_table('grant_agreements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_grant_agreements_issued_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_grant_agreements_signed_by_id_users'), type_='foreignkey')
        batch_op.drop_index('uq_grant_agreements_one_signed_per_project', postgresql_where=sa.text("status = 'signed'"), sqlite_where=sa.text("status = 'signed'"))
        batch_op.drop_index('uq_grant_agreements_one_open_per_project', postgresql_where=sa.text("status IN ('draft', 'issued')"), sqlite_where=sa.text("status IN ('draft', 'issued')"))
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('signed_user_agent')
        batch_op.drop_column('signed_ip')
        batch_op.drop_column('signed_name')
        batch_op.drop_column('signed_by_id')
        batch_op.drop_column('issued_by_id')
        batch_op.drop_column('variation_reason')
        batch_op.drop_column('schedule')

    with op.batch_alter_table('tranche_conditions', schema=None) as batch_op:
        batch_op.drop_index('uq_tranche_conditions_one_builtin_per_tranche', postgresql_where=sa.text("kind <> 'custom'"), sqlite_where=sa.text("kind <> 'custom'"))
        batch_op.drop_index('ix_tranche_conditions_tranche_id')
        batch_op.drop_index(batch_op.f('ix_tranche_conditions_owner_id'))

    op.drop_table('tranche_conditions')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_project_id'))

    op.drop_table('payments')
    # ### end Alembic commands ###
