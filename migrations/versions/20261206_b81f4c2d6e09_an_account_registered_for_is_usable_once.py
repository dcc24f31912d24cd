"""An account registered for is usable once its owner confirms the email address

Revision ID: b81f4c2d6e09
Revises: a7d3e1c9b2f4
Create Date: 2026-12-06 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b81f4c2d6e09'
down_revision = 'a7d3e1c9b2f4'
branch_labels = None
depends_on = None


def upgrade():
    # Accounts that exist already stay usable: NULL means confirmed.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unconfirmed_since', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('unconfirmed_since')
