"""Each bid's weighted score and spread, kept as its scores change (bid_scores), filled from the scores

Revision ID: d3f1a8b2c6e4
Revises: fa666dda480c
Create Date: 2026-12-07 11:40:00.000000

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import grants.core.db

# revision identifiers, used by Alembic.
revision = "d3f1a8b2c6e4"
down_revision = "fa666dda480c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bid_scores",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("weighted", sa.Float(), nullable=True),
        sa.Column("disagreements", sa.Integer(), nullable=False),
        sa.Column("spread", sa.JSON(), nullable=False),
        sa.Column("updated_at", grants.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_bid_scores_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_bid_scores")),
    )
    _fill()


def _fill():
    """Every scored bid's figures, from its submitted scores: the arithmetic of ``grants.reviews.scoring``
    as it stands today, copied so that this migration never changes (``flask figures check`` compares)."""
    bind = op.get_bind()
    totals, rounds = {}, {}
    for application_id, round_id, criterion_id, total, count, lowest, highest in bind.execute(
        sa.text(
            "SELECT ra.application_id, a.round_id, s.criterion_id, SUM(s.value), COUNT(s.value), MIN(s.value), "
            "MAX(s.value) FROM review_assignments ra JOIN scores s ON s.assignment_id = ra.id "
            "JOIN applications a ON a.id = ra.application_id "
            "WHERE ra.status = 'submitted' AND s.value IS NOT NULL "
            "GROUP BY ra.application_id, a.round_id, s.criterion_id"
        )
    ):
        totals.setdefault(application_id, {})[criterion_id] = (int(total), count, lowest, highest)
        rounds[application_id] = round_id
    criteria = {}
    for round_id, criterion_id, weight, scale_min, scale_max in bind.execute(
        sa.text("SELECT round_id, id, weight, scale_min, scale_max FROM rubric_criteria ORDER BY position, id")
    ):
        criteria.setdefault(round_id, []).append((criterion_id, weight, scale_min, scale_max))
    table = sa.table(
        "bid_scores",
        sa.column("application_id", sa.Integer),
        sa.column("weighted", sa.Float),
        sa.column("disagreements", sa.Integer),
        sa.column("spread", sa.JSON),
        sa.column("updated_at", grants.core.db.UTCDateTime),
    )
    now = datetime.now(UTC)
    rows = [
        {
            "application_id": application_id,
            **_figures(criteria.get(rounds[application_id], []), scores),
            "updated_at": now,
        }
        for application_id, scores in totals.items()
    ]
    if rows:
        op.bulk_insert(table, rows)


def _figures(criteria, scores):
    means = {criterion_id: total / count for criterion_id, (total, count, _, _) in scores.items()}
    weighted = None
    if criteria and all(criterion_id in means for criterion_id, *_ in criteria):
        total_weight = sum(weight for _, weight, _, _ in criteria)
        points = sum(weight * (means[cid] - low) / (high - low) for cid, weight, low, high in criteria)
        weighted = round(100 * points / total_weight, 2)
    scales = {criterion_id: high - low for criterion_id, _, low, high in criteria}
    disagreements = sum(
        1
        for criterion_id, (_, count, lowest, highest) in scores.items()
        if criterion_id in scales and count > 1 and highest - lowest >= 0.4 * scales[criterion_id]
    )
    spread = {str(criterion_id): list(figures) for criterion_id, figures in sorted(scores.items())}
    return {"weighted": weighted, "disagreements": disagreements, "spread": spread}


def downgrade():
    op.drop_table("bid_scores")
