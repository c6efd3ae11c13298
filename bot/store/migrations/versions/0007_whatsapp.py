"""whatsapp: how each officer reply met the 24-hour session window (whatsapp_replies)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("contact_hash", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("whatsapp_replies", schema=None) as batch_op:
        batch_op.create_index("ix_whatsapp_replies_contact_status", ["contact_hash", "status"],
                              unique=False)
        batch_op.create_index("ix_whatsapp_replies_tip_id", ["tip_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("whatsapp_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_whatsapp_replies_tip_id")
        batch_op.drop_index("ix_whatsapp_replies_contact_status")
    op.drop_table("whatsapp_replies")
