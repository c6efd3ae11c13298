"""Retention on the running tip line: ``tipline purge`` forgets a real conversation of a tip
closed long ago (its transcript in the tips store and its events in Rasa's tracker store)
and keeps the tip and its audit."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from harness.db import TipsDb
from harness.servers import ROOT, TipLineStack

LONG_AGO = timedelta(days=100)


def test_purge_forgets_the_conversation_of_a_tip_closed_long_ago(
        sqlite_stack: TipLineStack) -> None:
    env = sqlite_stack.env
    db = TipsDb(env["TIPLINE_DATABASE_URL"])
    who = f"retention-{uuid.uuid4().hex[:10]}"
    sqlite_stack.say(who, "I saw bags of drugs loaded into a van near Lacolle last night")
    sqlite_stack.say(who, "I don't know")
    [tip] = db.tips_of(who)
    assert db.messages_of(tip.id), "the tip has a transcript"
    tracker = create_engine(f"sqlite:///{Path(env['TIPLINE_VAR_DIR']) / 'tracker.db'}",
                            future=True)
    count = text("SELECT count(*) FROM events WHERE sender_id = :who")
    with tracker.connect() as conn:
        assert conn.execute(count, {"who": who}).scalar_one() > 0
    # 100 days pass: the tip was closed and its conversation is that old
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE tips SET status = 'closed', updated_at = :moment "
                          "WHERE id = :id"), {"moment": datetime.now(UTC) - LONG_AGO,
                                              "id": tip.id})
    with tracker.begin() as conn:
        conn.execute(text("UPDATE events SET timestamp = timestamp - :shift "
                          "WHERE sender_id = :who"),
                     {"shift": LONG_AGO.total_seconds(), "who": who})

    result = subprocess.run([sys.executable, "-m", "bot.cli", "purge"], cwd=ROOT,
                            env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True,
                            text=True, timeout=120, check=True)
    [purged] = [t for t in json.loads(result.stdout)["tips"] if t["reference"] == tip.reference]
    assert purged["messages"] >= 1 and purged["tracker_events"] > 0
    assert db.messages_of(tip.id) == []
    with tracker.connect() as conn:
        assert conn.execute(count, {"who": who}).scalar_one() == 0
    [kept] = db.tips_of(who)
    assert kept.original_text.startswith("I saw bags of drugs") and kept.status == "closed"
    actions = [entry.action for entry in db.audit_of(tip.id)]
    assert actions[0] == "created" and actions[-1] == "retention_purge"
    tracker.dispose()
