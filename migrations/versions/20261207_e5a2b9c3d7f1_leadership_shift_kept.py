"""Each project's leadership shift, kept as its answers change (leadership_project_counts,
leadership_project_shifts), filled from the answers; review assignments found by status and due date

Revision ID: e5a2b9c3d7f1
Revises: d3f1a8b2c6e4
Create Date: 2026-12-07 13:10:00.000000

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import grants.core.db

# revision identifiers, used by Alembic.
revision = "e5a2b9c3d7f1"
down_revision = "d3f1a8b2c6e4"
branch_labels = None
depends_on = None

STAGES = ("baseline", "midpoint", "final")


def upgrade():
    op.create_table(
        "leadership_project_counts",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("answered_baseline", sa.Integer(), nullable=False),
        sa.Column("answered_midpoint", sa.Integer(), nullable=False),
        sa.Column("answered_final", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("updated_at", grants.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_leadership_project_counts_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_leadership_project_counts")),
    )
    op.create_table(
        "leadership_project_shifts",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=200), nullable=False),
        sa.Column("compared", sa.Integer(), nullable=False),
        sa.Column("baseline_sum", sa.Float(), nullable=False),
        sa.Column("final_sum", sa.Float(), nullable=False),
        sa.CheckConstraint("compared > 0", name=op.f("ck_leadership_project_shifts_someone_compared")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_leadership_project_shifts_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "domain", name=op.f("pk_leadership_project_shifts")),
    )
    op.create_index("ix_review_assignments_status_due_on", "review_assignments", ["status", "due_on"], unique=False)
    _fill()


def _fill():
    """Every answered project's figures, from its answers: the arithmetic of ``grants.leadership.kept`` as
    it stands today, copied so that this migration never changes (``flask figures check`` compares)."""
    bind = op.get_bind()
    answers = {}
    for project_id, participant_id, stage, domain, mean in bind.execute(
        sa.text(
            "SELECT p.project_id, r.participant_id, r.stage, d.name, AVG(s.value) "
            "FROM assessment_responses r JOIN assessment_participants p ON p.id = r.participant_id "
            "JOIN assessment_scores s ON s.response_id = r.id "
            "JOIN leadership_behaviours b ON b.id = s.behaviour_id "
            "JOIN leadership_domains d ON d.id = b.domain_id "
            "GROUP BY p.project_id, r.participant_id, r.stage, d.name"
        )
    ):
        answers.setdefault(project_id, {}).setdefault(participant_id, {}).setdefault(stage, {})[domain] = float(mean)
    now = datetime.now(UTC)
    counts, shifts = [], []
    for project_id, people in sorted(answers.items()):
        respondents, pairs, sums = dict.fromkeys(STAGES, 0), 0, {}
        for participant_id in sorted(people):
            stages = people[participant_id]
            for stage in stages:
                respondents[stage] += 1
            if "baseline" in stages and "final" in stages:
                pairs += 1
                start, end = stages["baseline"], stages["final"]
                for domain in start.keys() & end.keys():
                    figures = sums.setdefault(domain, [0, 0.0, 0.0])
                    figures[0] += 1
                    figures[1] += start[domain]
                    figures[2] += end[domain]
        counts.append(
            {
                "project_id": project_id,
                **{f"answered_{stage}": respondents[stage] for stage in STAGES},
                "pairs": pairs,
                "updated_at": now,
            }
        )
        shifts += [
            {"project_id": project_id, "domain": name, "compared": n, "baseline_sum": start, "final_sum": end}
            for name, (n, start, end) in sorted(sums.items())
        ]
    if counts:
        op.bulk_insert(
            sa.table(
                "leadership_project_counts",
                sa.column("project_id", sa.Integer),
                *(sa.column(f"answered_{stage}", sa.Integer) for stage in STAGES),
                sa.column("pairs", sa.Integer),
                sa.column("updated_at", grants.core.db.UTCDateTime),
            ),
            counts,
        )
    if shifts:
        op.bulk_insert(
            sa.table(
                "leadership_project_shifts",
                sa.column("project_id", sa.Integer),
                sa.column("domain", sa.String),
                sa.column("compared", sa.Integer),
                sa.column("baseline_sum", sa.Float),
                sa.column("final_sum", sa.Float),
            ),
            shifts,
        )


def downgrade():
    op.drop_index("ix_review_assignments_status_due_on", table_name="review_assignments")
    op.drop_table("leadership_project_shifts")
    op.drop_table("leadership_project_counts")
