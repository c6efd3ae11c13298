"""receipts: the keyed hash of each tip's secret receipt

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column: plain ALTER TABLE ... ADD COLUMN, no table rebuild on SQLite
    op.add_column("tips", sa.Column("receipt_hash", sa.String(length=64), nullable=True))
    op.create_index("uq_tips_receipt_hash", "tips", ["receipt_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_tips_receipt_hash", table_name="tips")
    op.drop_column("tips", "receipt_hash")
