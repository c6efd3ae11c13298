"""web chat: officers' replies waiting for the resident's chat session (webchat_outbox)

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webchat_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webchat_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_webchat_outbox_session_status", ["session_id", "status"],
                              unique=False)
        batch_op.create_index("ix_webchat_outbox_tip_id", ["tip_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webchat_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_webchat_outbox_tip_id")
        batch_op.drop_index("ix_webchat_outbox_session_status")
    op.drop_table("webchat_outbox")
