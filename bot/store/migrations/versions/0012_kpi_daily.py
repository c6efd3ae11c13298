"""KPI dashboard: the daily roll-up filled by a job (bot/console/kpi_rollup.py)

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEYS = {  # table -> its key columns after day and queue
    "kpi_daily": [sa.Column("language", sa.String(8), nullable=False)],
    "kpi_daily_values": [sa.Column("dimension", sa.String(16), nullable=False),
                         sa.Column("value", sa.String(32), nullable=False)],
    "kpi_daily_delays": [sa.Column("milestone", sa.String(16), nullable=False)],
    "kpi_daily_urgent": [sa.Column("language", sa.String(8), nullable=False),
                         sa.Column("minute", sa.SmallInteger(), nullable=False)],
}
BUCKETS = 66  # under a minute, 64 from 1 minute to 90 days, 90 days or more (EDGES)
COUNTS = {"kpi_daily": ["tips", "triaged", "rerouted", "duplicates", "urgent", "corrected"],
          "kpi_daily_delays": [f"b{i:02d}" for i in range(BUCKETS)]}


def upgrade() -> None:
    op.create_table(
        "kpi_rollup",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("changes_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
    )
    for name, keys in KEYS.items():
        op.create_table(
            name,
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("queue", sa.String(32), nullable=False),
            *keys,
            *(sa.Column(c, sa.Integer(), nullable=False) for c in COUNTS.get(name, ["tips"])),
            sa.PrimaryKeyConstraint("day", "queue", *(c.name for c in keys)),
        )


def downgrade() -> None:
    for name in reversed(list(KEYS)):
        op.drop_table(name)
    op.drop_table("kpi_rollup")
