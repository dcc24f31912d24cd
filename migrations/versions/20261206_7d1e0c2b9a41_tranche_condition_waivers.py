"""Tranche condition waivers: proposed with a reason, agreed by a second person; never the agreement

Revision ID: 7d1e0c2b9a41
Revises: b81f4c2d6e09
Create Date: 2026-12-06 19:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d1e0c2b9a41"
down_revision = "b81f4c2d6e09"
branch_labels = None
depends_on = None

WAIVABLE = "kind IN ('match_confirmed', 'enabler_assigned', 'report_accepted', 'learning_evidenced')"


def upgrade():
    with op.batch_alter_table("tranche_conditions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiver_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("waiver_proposed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("waiver_proposed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("waived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("waived_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tranche_conditions_waiver_proposed_by_id_users"),
            "users",
            ["waiver_proposed_by_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tranche_conditions_waived_by_id_users"),
            "users",
            ["waived_by_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_check_constraint(
            op.f("ck_tranche_conditions_waivable_kind"), f"waiver_proposed_at IS NULL OR {WAIVABLE}"
        )
        batch_op.create_check_constraint(
            op.f("ck_tranche_conditions_waiver_reason_given"),
            "waiver_proposed_at IS NULL OR (waiver_reason IS NOT NULL AND waiver_proposed_by_id IS NOT NULL)",
        )
        batch_op.create_check_constraint(
            op.f("ck_tranche_conditions_waiver_two_people"),
            "waived_at IS NULL OR (waiver_proposed_at IS NOT NULL AND waived_by_id IS NOT NULL "
            "AND waived_by_id <> waiver_proposed_by_id)",
        )


def downgrade():
    with op.batch_alter_table("tranche_conditions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_tranche_conditions_waiver_two_people"), type_="check")
        batch_op.drop_constraint(op.f("ck_tranche_conditions_waiver_reason_given"), type_="check")
        batch_op.drop_constraint(op.f("ck_tranche_conditions_waivable_kind"), type_="check")
        batch_op.drop_constraint(op.f("fk_tranche_conditions_waived_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_tranche_conditions_waiver_proposed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("waived_by_id")
        batch_op.drop_column("waived_at")
        batch_op.drop_column("waiver_proposed_by_id")
        batch_op.drop_column("waiver_proposed_at")
        batch_op.drop_column("waiver_reason")
