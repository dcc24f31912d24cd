"""Conversations on bids and projects: messages (never edited once sent), files sent with them, read markers

Revision ID: fa666dda480c
Revises: e2b7c9d41a06
Create Date: 2026-12-07 10:15:34.772995

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "fa666dda480c"
down_revision = "e2b7c9d41a06"
branch_labels = None
depends_on = None

OLD_DOCUMENT_KINDS = "kind IN ('match_evidence', 'match_confirmation', 'match_receipt', 'learning_evidence', 'answer')"
DOCUMENT_KINDS = (
    "kind IN ('match_evidence', 'match_confirmation', 'match_receipt', 'learning_evidence', 'answer', 'message')"
)

# A sent message keeps its words for good, but for anonymisation (a copy of the rule as it stood).
NEVER_EDITED = {
    "postgresql": [
        """
        CREATE OR REPLACE FUNCTION messages_never_edited() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'a sent message cannot be deleted';
            END IF;
            IF NEW.thread IS DISTINCT FROM OLD.thread OR NEW.application_id IS DISTINCT FROM OLD.application_id
                OR NEW.project_id IS DISTINCT FROM OLD.project_id OR NEW.author_id IS DISTINCT FROM OLD.author_id
                OR NEW.side IS DISTINCT FROM OLD.side OR NEW.is_clarification IS DISTINCT FROM OLD.is_clarification
                OR NEW.answers_id IS DISTINCT FROM OLD.answers_id OR NEW.team_only IS DISTINCT FROM OLD.team_only
                OR NEW.created_at IS DISTINCT FROM OLD.created_at
                OR (NEW.body IS DISTINCT FROM OLD.body
                    AND NOT (OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL))
                OR (OLD.anonymised_at IS NOT NULL AND NEW.anonymised_at IS DISTINCT FROM OLD.anonymised_at)
            THEN
                RAISE EXCEPTION 'a sent message cannot be changed';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER messages_never_edited BEFORE UPDATE OR DELETE ON messages
        FOR EACH ROW EXECUTE FUNCTION messages_never_edited()
        """,
    ],
    "sqlite": [
        """
        CREATE TRIGGER messages_never_edited BEFORE UPDATE ON messages
        WHEN NEW.thread IS NOT OLD.thread OR NEW.application_id IS NOT OLD.application_id
            OR NEW.project_id IS NOT OLD.project_id OR NEW.author_id IS NOT OLD.author_id OR NEW.side IS NOT OLD.side
            OR NEW.is_clarification IS NOT OLD.is_clarification OR NEW.answers_id IS NOT OLD.answers_id
            OR NEW.team_only IS NOT OLD.team_only OR NEW.created_at IS NOT OLD.created_at
            OR (NEW.body IS NOT OLD.body AND NOT (OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL))
            OR (OLD.anonymised_at IS NOT NULL AND NEW.anonymised_at IS NOT OLD.anonymised_at)
        BEGIN SELECT RAISE(ABORT, 'a sent message cannot be changed'); END
        """,
        """
        CREATE TRIGGER messages_never_deleted BEFORE DELETE ON messages
        BEGIN SELECT RAISE(ABORT, 'a sent message cannot be deleted'); END
        """,
    ],
}
DROP_NEVER_EDITED = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS messages_never_edited ON messages",
        "DROP FUNCTION IF EXISTS messages_never_edited()",
    ],
    "sqlite": ["DROP TRIGGER IF EXISTS messages_never_edited", "DROP TRIGGER IF EXISTS messages_never_deleted"],
}


def upgrade():
    op.create_table(
        "conversation_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread", sa.String(length=40), nullable=False),
        sa.Column("last_read_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_conversation_reads_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_reads")),
        sa.UniqueConstraint("user_id", "thread", name="uq_conversation_reads_user_id_thread"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_clarification", sa.Boolean(), nullable=False),
        sa.Column("answers_id", sa.Integer(), nullable=True),
        sa.Column("team_only", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "NOT is_clarification OR (side = 'programme' AND application_id IS NOT NULL)",
            name=op.f("ck_messages_clarification_by_programme_on_bid"),
        ),
        sa.CheckConstraint(
            "NOT team_only OR side IN ('programme', 'steering')", name=op.f("ck_messages_team_only_by_team")
        ),
        sa.CheckConstraint("answers_id IS NULL OR side = 'applicant'", name=op.f("ck_messages_answered_by_applicant")),
        sa.CheckConstraint("side <> 'steering' OR team_only", name=op.f("ck_messages_steering_to_team_only")),
        sa.CheckConstraint(
            "side IN ('programme', 'applicant', 'enabler', 'steering')", name=op.f("ck_messages_known_side")
        ),
        sa.CheckConstraint(
            "(application_id IS NULL) <> (project_id IS NULL)", name=op.f("ck_messages_on_bid_or_project")
        ),
        sa.CheckConstraint("length(body) > 0", name=op.f("ck_messages_not_empty")),
        sa.ForeignKeyConstraint(
            ["answers_id"], ["messages.id"], name=op.f("fk_messages_answers_id_messages"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_messages_application_id_applications"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_messages_author_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_messages_project_id_projects"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_answers_id"), ["answers_id"], unique=False)
        batch_op.create_index("ix_messages_application_id", ["application_id"], unique=False)
        batch_op.create_index("ix_messages_project_id", ["project_id"], unique=False)
        batch_op.create_index("ix_messages_thread_id", ["thread", "id"], unique=False)

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_message_id"), ["message_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_message_id_messages"), "messages", ["message_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.drop_constraint(op.f("ck_documents_known_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_known_kind"), DOCUMENT_KINDS)
    for statement in NEVER_EDITED.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DROP_NEVER_EDITED.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.execute("DELETE FROM documents WHERE kind = 'message'")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_documents_message_id_messages"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_documents_message_id"))
        batch_op.drop_column("message_id")
        batch_op.drop_constraint(op.f("ck_documents_known_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_known_kind"), OLD_DOCUMENT_KINDS)

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_thread_id")
        batch_op.drop_index("ix_messages_project_id")
        batch_op.drop_index("ix_messages_application_id")
        batch_op.drop_index(batch_op.f("ix_messages_answers_id"))

    op.drop_table("messages")
    op.drop_table("conversation_reads")
