"""durable intake: inbound messages of every channel with retries; one tip per inbound id

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INBOUND_COLUMNS = [
    sa.Column("meta", sa.JSON(), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("delayed_at", sa.DateTime(timezone=True), nullable=True),
]


def upgrade() -> None:
    # plain ALTER TABLE ... ADD COLUMN (nullable, or with a default): no table rebuild on
    # SQLite, where tips is referenced by every other table
    op.add_column("tips", sa.Column("inbound_id", sa.String(length=64), nullable=True))
    op.create_index("uq_tips_inbound_id", "tips", ["inbound_id"], unique=True)
    for column in INBOUND_COLUMNS:
        op.add_column("inbound_messages", column)
    op.create_index("ix_inbound_channel_status", "inbound_messages", ["channel", "status"])


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL), indexes first
    op.drop_index("ix_inbound_channel_status", table_name="inbound_messages")
    for column in reversed(INBOUND_COLUMNS):
        op.drop_column("inbound_messages", column.name)
    op.drop_index("uq_tips_inbound_id", table_name="tips")
    op.drop_column("tips", "inbound_id")
