"""The library's filters read the places and waves of published learning from an index of their own

The public library lists, beside every search, the places and waves that have published learning. Each
list read every learning item's row (its story and search words with it) to find them; a partial index of
the published items' place and project answers both from a few pages.

Revision ID: d4e6a8c0f2b5
Revises: c3d5f7a9b2e4
Create Date: 2026-12-10 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4e6a8c0f2b5"
down_revision = "c3d5f7a9b2e4"
branch_labels = None
depends_on = None

PUBLISHED = sa.text("status = 'published'")


def upgrade():
    op.create_index(
        "ix_learning_items_published_place_project",
        "learning_items",
        ["place_id", "project_id"],
        postgresql_where=PUBLISHED,
        sqlite_where=PUBLISHED,
    )


def downgrade():
    op.drop_index("ix_learning_items_published_place_project", table_name="learning_items")
