"""The production configuration: tips and tracker store in PostgreSQL, Redis lock store."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text

from harness.db import TipsDb
from harness.servers import TipLineStack


def test_tip_stored_in_postgresql_with_tracker_in_postgresql(pg_stack: TipLineStack) -> None:
    db = TipsDb(pg_stack.env["TIPLINE_DATABASE_URL"])
    who = f"pg-{uuid.uuid4().hex[:10]}"
    replies = pg_stack.say(who, "Des cartouches et des fusils passent dans un camion vers "
                                "Emerson ce soir")
    replies += pg_stack.say(who, "je sais pas")
    tips = db.tips_of(who)
    assert len(tips) == 1
    tip = tips[0]
    assert (tip.category, tip.queue, tip.language) == ("weapons_smuggling", "RCMP", "fr")
    assert tip.reference in " ".join(replies)
    engine = create_engine(pg_stack.env["TIPLINE_DATABASE_URL"], future=True)
    with engine.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"),
                              {"s": who}).scalar_one()
    assert events > 0, "the conversation is in PostgreSQL's tracker store"
    assert db.audit_of(tip.id)[0].action == "created"


def test_audit_log_is_append_only_in_postgresql(pg_stack: TipLineStack) -> None:
    engine = create_engine(pg_stack.env["TIPLINE_DATABASE_URL"], future=True)
    import pytest
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'forged'"))
