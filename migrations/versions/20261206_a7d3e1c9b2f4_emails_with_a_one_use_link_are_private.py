"""Emails with a one-use link are private, partner invitations included

Revision ID: a7d3e1c9b2f4
Revises: 3c5ee11f7362
Create Date: 2026-12-06 19:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3e1c9b2f4'
down_revision = '3c5ee11f7362'
branch_labels = None
depends_on = None

PRIVATE = ("password_reset", "enabler_invitation", "partner_invitation", "self_assessment_invitation")
REMOVED = "[Removed: this message contained a private link for its recipient.]"


def upgrade():
    notifications = sa.table(
        "notifications",
        sa.column("template", sa.String),
        sa.column("status", sa.String),
        sa.column("sensitive", sa.Boolean),
        sa.column("body_text", sa.Text),
        sa.column("body_html", sa.Text),
        sa.column("context", sa.JSON),
    )
    op.execute(notifications.update().where(notifications.c.template.in_(PRIVATE)).values(sensitive=True))
    # Links already handed to the mail server (or given up on) are not kept, as for any private email.
    op.execute(
        notifications.update()
        .where(
            notifications.c.template.in_(PRIVATE),
            notifications.c.status.in_(("sent", "captured", "failed")),
        )
        .values(body_text=REMOVED, body_html=REMOVED, context={})
    )


def downgrade():
    pass  # the removed text cannot be brought back, and the rows stay private
