"""duty officers' console: officers, internal notes, API tokens, queue and search indexes

Revision ID: 0004
Revises: 0003
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Indexes of the tips table that the console's queries use (see docs/console.md):
# the queue page of one agency filtered by status, or all statuses, newest first; the
# urgency filter; incremental API pulls by the (updated_at, id) cursor; duplicates.
TIP_INDEXES = [
    ("ix_tips_queue_created", ["queue", "created_at"]),
    ("ix_tips_urgency_created", ["urgency", "created_at"]),
    ("ix_tips_updated_id", ["updated_at", "id"]),
    ("ix_tips_duplicate_of", ["duplicate_of_id"]),
]
# Text search (ILIKE '%words%' over original and English text) uses trigram GIN indexes
# on PostgreSQL when the pg_trgm extension can be created (a trusted extension since 13).
TRIGRAM_INDEXES = [
    ("ix_tips_original_trgm", "original_text"),
    ("ix_tips_translated_trgm", "translated_text"),
]


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", name="uq_officers_username"),
        sa.CheckConstraint("role IN ('officer', 'admin')", name="ck_officers_role"),
        sa.CheckConstraint("role = 'admin' OR agency IS NOT NULL", name="ck_officers_agency"),
    )
    op.create_table(
        "tip_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tip_notes_tip_id", "tip_notes", ["tip_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_hash"),
    )
    op.create_index("ix_api_tokens_officer_id", "api_tokens", ["officer_id"])
    for name, columns in TIP_INDEXES:
        op.create_index(name, "tips", columns)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        if _trigram_available(bind):
            for name, column in TRIGRAM_INDEXES:
                op.execute(f"CREATE INDEX {name} ON tips USING gin ({column} gin_trgm_ops)")
        else:
            log.warning("pg_trgm is not available: text search of tips will scan the table")


def _trigram_available(bind) -> bool:  # type: ignore[no-untyped-def]
    """Create pg_trgm if this role may (in a savepoint, so a refusal aborts nothing)."""
    installed = bind.execute(
        sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    ).first()
    if installed:
        return True
    offered = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if not offered:
        return False
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("cannot create extension pg_trgm: %s", exc.orig)
        return False
    savepoint.commit()
    return True


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, _column in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    for name, _columns in reversed(TIP_INDEXES):
        op.drop_index(name, table_name="tips")
    op.drop_index("ix_api_tokens_officer_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_index("ix_tip_notes_tip_id", table_name="tip_notes")
    op.drop_table("tip_notes")
    op.drop_table("officers")
