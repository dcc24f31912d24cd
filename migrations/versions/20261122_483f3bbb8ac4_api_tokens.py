"""API tokens: a person's tokens for the read-only JSON API (only a SHA-256 hash of each secret is
kept), with the roles each carries

Revision ID: 483f3bbb8ac4
Revises: e48859d08580
Create Date: 2026-11-22 14:51:49.588428

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '483f3bbb8ac4'
down_revision = 'e48859d08580'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('expires_at IS NULL OR expires_at > created_at', name=op.f('ck_api_tokens_expires_after_creation')),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_api_tokens_named')),
    sa.CheckConstraint('length(secret_hash) = 64', name=op.f('ck_api_tokens_hash_length')),
    sa.CheckConstraint('revoked_by_id IS NULL OR revoked_at IS NOT NULL', name=op.f('ck_api_tokens_revoked_by_when_revoked')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_api_tokens_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_api_tokens_secret_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('api_token_roles',
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.CheckConstraint("role IN ('applicant', 'steering_member', 'steering_chair', 'enabler', 'programme_officer', 'finance_approver', 'admin')", name=op.f('ck_api_token_roles_known_role')),
    sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name=op.f('fk_api_token_roles_token_id_api_tokens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_id', 'role', name=op.f('pk_api_token_roles'))
    )


def downgrade():
    op.drop_table('api_token_roles')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
