"""The library searches each item's words as kept when it was written, not parsed again on each search

Revision ID: a7c4e2f9b1d3
Revises: f1b6d8e2a9c7
Create Date: 2026-12-08 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "a7c4e2f9b1d3"
down_revision = "f1b6d8e2a9c7"
branch_labels = None
depends_on = None

# As they stood when this migration was written.
SEARCH_DOCUMENT = (
    "to_tsvector('english'::regconfig, coalesce({row}title, '') || ' ' || coalesce({row}summary, '') || ' ' || "
    "coalesce({row}body, '') || ' ' || coalesce({row}what_worked, '') || ' ' || coalesce({row}what_did_not, ''))"
)
SEARCH_WORDS = [
    f"""
    CREATE OR REPLACE FUNCTION learning_items_search_words() RETURNS trigger AS $$
    BEGIN
        NEW.search_words := {SEARCH_DOCUMENT.format(row="NEW.")};
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER learning_items_search_words
    BEFORE INSERT OR UPDATE OF title, summary, body, what_worked, what_did_not ON learning_items
    FOR EACH ROW EXECUTE FUNCTION learning_items_search_words()
    """,
]


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("learning_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_words", postgresql.TSVECTOR() if postgres else sa.Text(), nullable=True))
    if not postgres:
        return
    for statement in SEARCH_WORDS:
        op.execute(statement)
    op.execute(f"UPDATE learning_items SET search_words = {SEARCH_DOCUMENT.format(row='')}")  # noqa: S608
    op.create_index(
        "ix_learning_items_search_words", "learning_items", ["search_words"], unique=False, postgresql_using="gin"
    )
    op.drop_index("ix_learning_items_search", table_name="learning_items", postgresql_using="gin")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_learning_items_search",
            "learning_items",
            [sa.literal_column(SEARCH_DOCUMENT.format(row=""))],
            unique=False,
            postgresql_using="gin",
        )
        op.drop_index("ix_learning_items_search_words", table_name="learning_items", postgresql_using="gin")
        op.execute("DROP TRIGGER IF EXISTS learning_items_search_words ON learning_items")
        op.execute("DROP FUNCTION IF EXISTS learning_items_search_words()")
    with op.batch_alter_table("learning_items", schema=None) as batch_op:
        batch_op.drop_column("search_words")
