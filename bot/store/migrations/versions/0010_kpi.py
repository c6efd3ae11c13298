"""KPI dashboard: per-tip milestones kept from the audit log by a trigger

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The officer actions of bot/console/workflow.py; the first one is a tip's triage.
ACTIONS = ("'status_changed', 'claimed', 'assigned', 'rerouted', 'marked_duplicate', "
           "'category_corrected'")


def _cases(after: str) -> dict:
    """The milestone expressions of one audit row; ``after(key)`` reads its JSON ``after``."""
    assignee, status = after.format(key="assigned_to"), after.format(key="status")
    return {
        "assigned": f"CASE WHEN {{a}}action IN ('claimed', 'assigned') AND {assignee} IS NOT NULL "
                    "THEN {a}created_at END",
        "closed": f"CASE WHEN {{a}}action = 'marked_duplicate' OR ({{a}}action = 'status_changed' "
                  f"AND {status} = 'closed') THEN {{a}}created_at END",
    }


PG_AFTER, SQLITE_AFTER = "{{a}}after->>'{key}'", "json_extract({{a}}after, '$.{key}')"


def _upsert(dialect: str) -> str:
    cases = _cases(PG_AFTER if dialect == "postgresql" else SQLITE_AFTER)
    new = {name: text.replace("{a}", "NEW.") for name, text in cases.items()}
    if dialect == "postgresql":
        first = "LEAST(m.{c}, EXCLUDED.{c})"  # LEAST ignores NULLs
        flag = "m.{c} OR EXCLUDED.{c}"
    else:
        first = "COALESCE(MIN({c}, excluded.{c}), {c}, excluded.{c})"
        flag = "MAX({c}, excluded.{c})"
    updates = ", ".join([f"{c} = {first.format(c=c)}" for c in
                         ("triaged_at", "assigned_at", "closed_at")]
                        + [f"{c} = {flag.format(c=c)}" for c in ("rerouted", "corrected")])
    alias = " AS m" if dialect == "postgresql" else ""
    return " ".join([  # fixed SQL: no input reaches it
        f"INSERT INTO tip_milestones{alias}",
        "(tip_id, triaged_at, assigned_at, closed_at, rerouted, corrected)",
        f"VALUES (NEW.tip_id, NEW.created_at, {new['assigned']}, {new['closed']},",
        "NEW.action = 'rerouted', NEW.action = 'category_corrected')",
        f"ON CONFLICT (tip_id) DO UPDATE SET {updates}"])


def _backfill(dialect: str) -> str:
    cases = _cases(PG_AFTER if dialect == "postgresql" else SQLITE_AFTER)
    plain = {name: text.replace("{a}", "") for name, text in cases.items()}
    flag = "bool_or(action = '{0}')" if dialect == "postgresql" else "MAX(action = '{0}')"
    return " ".join([  # fixed SQL: no input reaches it
        "INSERT INTO tip_milestones",
        "(tip_id, triaged_at, assigned_at, closed_at, rerouted, corrected)",
        f"SELECT tip_id, MIN(created_at), MIN({plain['assigned']}), MIN({plain['closed']}),",
        f"{flag.format('rerouted')}, {flag.format('category_corrected')} FROM audit_log",
        f"WHERE tip_id IS NOT NULL AND action IN ({ACTIONS}) GROUP BY tip_id"])


def upgrade() -> None:
    op.create_table(
        "tip_milestones",
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rerouted", sa.Boolean(), nullable=False),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"]),
        sa.PrimaryKeyConstraint("tip_id"),
    )
    op.create_index("ix_tip_milestones_triaged", "tip_milestones", ["triaged_at"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE FUNCTION tip_milestones_from_audit() RETURNS trigger AS $$ BEGIN "
                   f"IF NEW.tip_id IS NOT NULL AND NEW.action IN ({ACTIONS}) THEN "
                   f"{_upsert(dialect)}; END IF; RETURN NULL; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER audit_log_tip_milestones AFTER INSERT ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION tip_milestones_from_audit()")
    elif dialect == "sqlite":
        op.execute("CREATE TRIGGER audit_log_tip_milestones AFTER INSERT ON audit_log "
                   f"WHEN NEW.tip_id IS NOT NULL AND NEW.action IN ({ACTIONS}) "
                   f"BEGIN {_upsert(dialect)}; END")
    op.execute(_backfill(dialect))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP TRIGGER IF EXISTS audit_log_tip_milestones"
               + (" ON audit_log" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS tip_milestones_from_audit()")
    op.drop_index("ix_tip_milestones_triaged", table_name="tip_milestones")
    op.drop_table("tip_milestones")
