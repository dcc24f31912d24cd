"""The projects each finished progress report lists, kept beside its rows

A project's page links to its row of the latest report when that report lists it. Asking the report's
rows (one JSON document for the whole portfolio) meant reading all of them on every view; the projects a
report lists are now kept as rows of their own, written with the report, and filled here from the reports
already compiled.

Revision ID: c3d5f7a9b2e4
Revises: b9d2e4f6a8c1
Create Date: 2026-12-09 12:00:00.000000

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3d5f7a9b2e4"
down_revision = "b9d2e4f6a8c1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "progress_compiled_projects",
        sa.Column("compilation_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["compilation_id"],
            ["progress_compilations.id"],
            name=op.f("fk_progress_compiled_projects_compilation_id_progress_compilations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_progress_compiled_projects_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("compilation_id", "project_id", name=op.f("pk_progress_compiled_projects")),
    )
    op.create_index("ix_progress_compiled_projects_project_id", "progress_compiled_projects", ["project_id"])
    connection = op.get_bind()
    reports = connection.execute(sa.text("SELECT id, rows FROM progress_compilations WHERE status = 'done'"))
    listed = []
    for compilation_id, rows in reports:
        rows = json.loads(rows) if isinstance(rows, str) else rows
        listed += [{"compilation_id": compilation_id, "project_id": row["project_id"]} for row in rows or []]
    if listed:
        connection.execute(
            sa.text(
                "INSERT INTO progress_compiled_projects (compilation_id, project_id) "
                "VALUES (:compilation_id, :project_id)"
            ),
            listed,
        )


def downgrade():
    op.drop_index("ix_progress_compiled_projects_project_id", table_name="progress_compiled_projects")
    op.drop_table("progress_compiled_projects")
