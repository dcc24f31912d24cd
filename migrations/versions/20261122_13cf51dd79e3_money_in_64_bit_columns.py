"""Money in 64-bit columns: budgets of millions of pounds must not overflow

Revision ID: 13cf51dd79e3
Revises: 338f7f3d5a26
Create Date: 2026-11-22 11:04:59.621737

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '13cf51dd79e3'
down_revision = '338f7f3d5a26'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite's INTEGER already holds 64 bits; rebuilding its tables would only risk their indexes.
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.alter_column('match_amount_pence',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=True)
        batch_op.alter_column('amount_requested_pence',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=True)

    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.alter_column('amount_pence',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.alter_column('award_pence',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)
        batch_op.alter_column('match_required_pence',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)
        batch_op.alter_column('budget_pence',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)

    # ### end Alembic commands ###


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.alter_column('budget_pence',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)
        batch_op.alter_column('match_required_pence',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)
        batch_op.alter_column('award_pence',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)

    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.alter_column('amount_pence',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.alter_column('amount_requested_pence',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=True)
        batch_op.alter_column('match_amount_pence',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=True)

    # ### end Alembic commands ###
