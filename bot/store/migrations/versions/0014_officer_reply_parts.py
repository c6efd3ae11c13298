"""Officers' replies: each part's MessageSid and delivery status (bot/channels/twilio/reports.py)

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "officer_reply_parts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tip_id", sa.Integer(), sa.ForeignKey("tips.id"), nullable=False),
        sa.Column("message_id", sa.Integer(),
                  sa.ForeignKey("tip_messages.id", ondelete="SET NULL")),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(64)),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("status_rank", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.Integer()),
        sa.Column("callback", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("external_id", name="uq_officer_reply_parts_sid"),
    )
    op.create_index("ix_officer_reply_parts_tip_id", "officer_reply_parts", ["tip_id"])
    op.create_index("ix_officer_reply_parts_message_id", "officer_reply_parts", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_officer_reply_parts_message_id", table_name="officer_reply_parts")
    op.drop_index("ix_officer_reply_parts_tip_id", table_name="officer_reply_parts")
    op.drop_table("officer_reply_parts")
