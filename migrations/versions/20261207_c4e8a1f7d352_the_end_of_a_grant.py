"""The end of a grant: projects closed, given up or ended early; tranches cancelled; stages closed

Revision ID: c4e8a1f7d352
Revises: 7d1e0c2b9a41
Create Date: 2026-12-07 01:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e8a1f7d352"
down_revision = "7d1e0c2b9a41"
branch_labels = None
depends_on = None

PROJECT_STATUSES = "'setup', 'active', 'closing', 'closed', 'withdrawn', 'ended_early'"
TRANCHE_STATUSES = "'scheduled', 'eligible', 'requested', 'released', 'held', 'cancelled'"


def upgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("finished_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closeout_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("closeout_exceptions", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_projects_finished_by_id_users"), "users", ["finished_by_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.drop_constraint(op.f("ck_projects_known_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_projects_known_status"), f"status IN ({PROJECT_STATUSES})")
    # Projects closed before close-out was recorded (none in a live service; some in old demo data).
    op.execute("UPDATE projects SET finished_at = updated_at WHERE status = 'closed' AND finished_at IS NULL")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_projects_finished_when"),
            "status NOT IN ('closed', 'withdrawn', 'ended_early') OR finished_at IS NOT NULL",
        )

    op.create_table(
        "project_endings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("repayment_pence", sa.BigInteger(), nullable=True),
        sa.Column("repayment_received_on", sa.Date(), nullable=True),
        sa.Column("repayment_reference", sa.String(length=100), nullable=True),
        sa.Column("repayment_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('withdrawn', 'ended_early')", name=op.f("ck_project_endings_known_kind")),
        sa.CheckConstraint(
            "status IN ('proposed', 'confirmed', 'cancelled')", name=op.f("ck_project_endings_known_status")
        ),
        sa.CheckConstraint("length(reason) > 0", name=op.f("ck_project_endings_reason_given")),
        sa.CheckConstraint(
            "status = 'proposed' OR (decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name=op.f("ck_project_endings_decided_by"),
        ),
        sa.CheckConstraint(
            "kind <> 'ended_early' OR status <> 'confirmed' OR decided_by_id <> proposed_by_id",
            name=op.f("ck_project_endings_two_people"),
        ),
        sa.CheckConstraint(
            "repayment_pence IS NULL OR repayment_pence > 0", name=op.f("ck_project_endings_repayment_positive")
        ),
        sa.CheckConstraint(
            "repayment_pence IS NULL OR kind = 'ended_early'",
            name=op.f("ck_project_endings_repayment_when_ended_early"),
        ),
        sa.CheckConstraint(
            "repayment_received_on IS NULL OR (repayment_pence IS NOT NULL AND status = 'confirmed')",
            name=op.f("ck_project_endings_received_when_owed"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_endings_project_id_projects"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_project_endings_proposed_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_project_endings_decided_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["repayment_recorded_by_id"],
            ["users.id"],
            name=op.f("fk_project_endings_repayment_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_endings")),
    )
    with op.batch_alter_table("project_endings", schema=None) as batch_op:
        batch_op.create_index("ix_project_endings_project_id", ["project_id"], unique=False)
        batch_op.create_index(
            "uq_project_endings_one_proposed",
            ["project_id"],
            unique=True,
            postgresql_where=sa.text("status = 'proposed'"),
            sqlite_where=sa.text("status = 'proposed'"),
        )

    with op.batch_alter_table("tranches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tranches_cancelled_by_id_users"), "users", ["cancelled_by_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.drop_constraint(op.f("ck_tranches_known_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_tranches_known_status"), f"status IN ({TRANCHE_STATUSES})")
        batch_op.create_check_constraint(
            op.f("ck_tranches_cancelled_why"),
            "status <> 'cancelled' OR (cancel_reason IS NOT NULL AND cancelled_at IS NOT NULL)",
        )

    op.create_table(
        "assessment_stage_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "stage IN ('baseline', 'midpoint', 'final')", name=op.f("ck_assessment_stage_closures_known_stage")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_assessment_stage_closures_project_id_projects"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_assessment_stage_closures_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_stage_closures")),
        sa.UniqueConstraint("project_id", "stage", name=op.f("uq_assessment_stage_closures_project_id_stage")),
    )


def downgrade():
    op.drop_table("assessment_stage_closures")
    op.execute("UPDATE tranches SET status = 'scheduled' WHERE status = 'cancelled'")
    with op.batch_alter_table("tranches", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_tranches_cancelled_why"), type_="check")
        batch_op.drop_constraint(op.f("ck_tranches_known_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_tranches_known_status"), "status IN ('scheduled', 'eligible', 'requested', 'released', 'held')"
        )
        batch_op.drop_constraint(op.f("fk_tranches_cancelled_by_id_users"), type_="foreignkey")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_by_id")
        batch_op.drop_column("cancelled_at")
    op.drop_table("project_endings")
    op.execute("UPDATE projects SET status = 'closed' WHERE status IN ('withdrawn', 'ended_early')")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_projects_finished_when"), type_="check")
        batch_op.drop_constraint(op.f("ck_projects_known_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_projects_known_status"), "status IN ('setup', 'active', 'closing', 'closed')"
        )
        batch_op.drop_constraint(op.f("fk_projects_finished_by_id_users"), type_="foreignkey")
        batch_op.drop_column("closeout_exceptions")
        batch_op.drop_column("closeout_note")
        batch_op.drop_column("finished_by_id")
        batch_op.drop_column("finished_at")
