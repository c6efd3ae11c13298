"""sharing between agencies, related-tip links, escalations, tip vectors

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "tip_shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tip_id", sa.Integer(), sa.ForeignKey("tips.id"), nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("shared_by", sa.String(length=64), nullable=False),
        _when("shared_at"),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        _when("revoked_at", nullable=True),
    )
    op.create_index("ix_tip_shares_tip_id", "tip_shares", ["tip_id"])
    op.create_index("ix_tip_shares_agency_revoked", "tip_shares", ["agency", "revoked_at"])
    op.create_table(
        "tip_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("low_id", sa.Integer(), sa.ForeignKey("tips.id"), nullable=False),
        sa.Column("high_id", sa.Integer(), sa.ForeignKey("tips.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _when("created_at"),
        sa.UniqueConstraint("low_id", "high_id", name="uq_tip_links_pair"),
    )
    op.create_index("ix_tip_links_high_id", "tip_links", ["high_id"])
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tip_id", sa.Integer(), sa.ForeignKey("tips.id"), nullable=False,
                  unique=True),
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.Column("threshold_minutes", sa.Integer(), nullable=False),
        _when("escalated_at"),
        sa.Column("webhook_status", sa.String(length=16), nullable=False),
        sa.Column("webhook_attempts", sa.Integer(), nullable=False),
        _when("webhook_sent_at", nullable=True),
    )
    op.create_index("ix_escalations_agency", "escalations", ["agency"])
    op.create_table(
        "tip_vectors",
        sa.Column("tip_id", sa.Integer(), sa.ForeignKey("tips.id"), primary_key=True),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        _when("created_at"),
    )


def downgrade() -> None:
    op.drop_table("tip_vectors")
    op.drop_index("ix_escalations_agency", table_name="escalations")
    op.drop_table("escalations")
    op.drop_index("ix_tip_links_high_id", table_name="tip_links")
    op.drop_table("tip_links")
    op.drop_index("ix_tip_shares_agency_revoked", table_name="tip_shares")
    op.drop_index("ix_tip_shares_tip_id", table_name="tip_shares")
    op.drop_table("tip_shares")
