"""Indexes for the busiest pages: the officer's application list in its order, the bids of a theme, and
the ranking's sums of scores read from the index alone

Revision ID: 5b5295cd6f98
Revises: 8c237481ee6b
Create Date: 2026-11-22 19:02:42.488929

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b5295cd6f98'
down_revision = '8c237481ee6b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application_themes', schema=None) as batch_op:
        batch_op.create_index('ix_application_themes_theme_id', ['theme_id'], unique=False)

    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.create_index('ix_scores_assignment_id_covering', ['assignment_id'], unique=False, postgresql_include=['criterion_id', 'value'])

    if op.get_bind().dialect.name == 'postgresql':
        # Written by hand: Alembic does not compare an index's ordering (the model marks it an expression
        # index). SQLite cannot order an index's nulls; its small lists are sorted.
        op.create_index(
            'ix_applications_submitted_at_id',
            'applications',
            [sa.text('submitted_at DESC NULLS LAST'), sa.text('id DESC')],
            unique=False,
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_applications_submitted_at_id', table_name='applications')

    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_index('ix_scores_assignment_id_covering', postgresql_include=['criterion_id', 'value'])

    with op.batch_alter_table('application_themes', schema=None) as batch_op:
        batch_op.drop_index('ix_application_themes_theme_id')
