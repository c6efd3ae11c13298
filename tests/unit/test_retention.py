"""Data retention on SQLite: a tip closed more than N days ago loses its transcript,
attachments (rows and files), queued chat replies, raw inbound text and Rasa tracker
events; it keeps its row and its audit. Open and recently closed tips keep everything but
the raw inbound messages older than N days: every channel message done that long ago loses
its text, media and metadata, and keeps its row (ids, status, time)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.store.db import session_scope
from bot.store.models import Attachment, AuditEntry, InboundMessage, Tip, TipMessage
from harness.env import tipline_env

NOW = datetime.now(UTC)
DAY = timedelta(days=1)


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[dict]:
    with tipline_env(tmp_path, TIPLINE_RETENTION_DAYS="90",
                     TIPLINE_TWILIO_MEDIA_DIR=str(tmp_path / "media")) as values:
        (tmp_path / "media").mkdir()
        # Rasa's SQL tracker store (the columns Rasa 3.6 creates) in the default place
        with sqlite3.connect(tmp_path / "tracker.db") as conn:
            conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) "
                         "NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, "
                         "intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)")
        yield values


def add_tip(name: str, status: str, last_change: datetime, tmp_path: Path) -> int:
    """A tip of conversation ``name`` with a transcript, an attachment (downloaded), a chat
    reply waiting, a raw inbound message and tracker events before and after ``last_change``."""
    from bot.channels.twilio.media import local_path
    from bot.channels.webchat.store import WebchatOutbox
    from bot.store.tips import audit

    url = f"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM{name}/Media/ME1"
    with session_scope() as session:
        tip = Tip(reference=name.upper()[:6], conversation_id=f"conv-{name}", channel="sms",
                  language="en", original_text=f"{name}: boats at night", category="contraband",
                  queue="CBSA", status=status, entities=[], created_at=last_change - 5 * DAY,
                  updated_at=last_change)
        session.add(tip)
        session.flush()
        for author, direction in (("tipster", "in"), ("bot", "out"), ("officer", "out")):
            session.add(TipMessage(tip_id=tip.id, direction=direction, author=author,
                                   text=f"{name} {author} words", created_at=last_change - DAY))
        session.add(Attachment(tip_id=tip.id, url=url, content_type="image/jpeg"))
        session.add(WebchatOutbox(session_id=f"conv-{name}", tip_id=tip.id, text="hello",
                                  status="delivered"))
        session.add(InboundMessage(channel="sms", external_id=f"SM{name}", status="processed",
                                   contact_hash=f"conv-{name}", text=f"{name} raw sms",
                                   media=[{"url": url, "type": "image/jpeg"}],
                                   meta={"location": {"latitude": 45.0, "longitude": -73.4}},
                                   received_at=last_change - DAY))
        audit(session, tip, "intake", "created", None, {"status": "new"})
        tip_id = tip.id
    local_path(url, tmp_path / "media").write_bytes(b"jpeg")
    with sqlite3.connect(tmp_path / "tracker.db") as conn:
        for moment in (last_change - 2 * DAY, last_change - DAY, last_change + DAY):
            conn.execute("INSERT INTO events (sender_id, type_name, timestamp) VALUES (?, ?, ?)",
                         (f"conv-{name}", "user", moment.timestamp()))
    return tip_id


def state(tip_id: int, tmp_path: Path) -> dict:
    from bot.channels.webchat.store import WebchatOutbox

    with session_scope() as session:
        tip = session.get(Tip, tip_id)

        def count(column, where):  # type: ignore[no-untyped-def]
            return session.execute(select(func.count(column)).where(where)).scalar_one()

        inbound = session.execute(select(InboundMessage).where(
            InboundMessage.contact_hash == tip.conversation_id)).scalar_one()
        result = {
            "status": tip.status, "original_text": tip.original_text,
            "messages": count(TipMessage.id, TipMessage.tip_id == tip_id),
            "attachments": count(Attachment.id, Attachment.tip_id == tip_id),
            "outbox": count(WebchatOutbox.id, WebchatOutbox.tip_id == tip_id),
            "inbound": (inbound.text, inbound.media, inbound.meta),
            "audit": [a.action for a in session.execute(select(AuditEntry).where(
                AuditEntry.tip_id == tip_id).order_by(AuditEntry.id)).scalars()],
            "files": len(list((tmp_path / "media").iterdir())),
        }
    with sqlite3.connect(tmp_path / "tracker.db") as conn:
        result["events"] = conn.execute("SELECT count(*) FROM events WHERE sender_id = ?",
                                        (tip.conversation_id,)).fetchone()[0]
    return result


def test_closed_tips_past_retention_lose_transcripts_and_keep_row_and_audit(
        env: dict, tmp_path: Path) -> None:
    from bot.jobs.retention import purge

    old = add_tip("old", "closed", NOW - 100 * DAY, tmp_path)
    recent = add_tip("recent", "closed", NOW - 10 * DAY, tmp_path)
    still_open = add_tip("open", "assigned", NOW - 100 * DAY, tmp_path)
    before = {i: state(i, tmp_path) for i in (old, recent, still_open)}
    assert before[old]["messages"] == 3 and before[old]["events"] == 3
    assert before[old]["files"] == 3  # one downloaded file per tip

    [dry] = purge(dry_run=True)
    assert (dry.reference, dry.messages, dry.attachments, dry.files, dry.webchat_outbox,
            dry.inbound_emptied, dry.tracker_events) == ("OLD", 3, 1, 1, 1, 1, 2)
    assert {i: state(i, tmp_path) for i in before} == before, "a dry run changes nothing"

    [purged] = purge()
    assert purged == dry
    after = state(old, tmp_path)
    assert (after["messages"], after["attachments"], after["outbox"]) == (0, 0, 0)
    assert after["inbound"] == ("", [], None)
    assert after["events"] == 1, "only the event after the closure is left"
    assert after["files"] == 2, "its downloaded media file is deleted, the others' kept"
    assert (after["status"], after["original_text"]) == ("closed", "old: boats at night")
    assert after["audit"] == ["created", "retention_purge"]
    with session_scope() as session:
        entry = session.execute(select(AuditEntry).where(
            AuditEntry.tip_id == old, AuditEntry.action == "retention_purge")).scalar_one()
    assert entry.actor == "retention"
    assert entry.after == {"messages": 3, "attachments": 1, "files": 1, "webchat_outbox": 1,
                           "inbound_emptied": 1, "tracker_events": 2, "retention_days": 90}
    assert state(recent, tmp_path) == {**before[recent], "files": 2}
    # the open tip keeps its transcript; its raw inbound message, done 101 days ago, not
    assert state(still_open, tmp_path) == {**before[still_open], "files": 2,
                                           "inbound": ("", [], None)}

    assert purge() == [], "purging again finds nothing"
    assert state(old, tmp_path)["audit"] == ["created", "retention_purge"]


def test_retention_period_comes_from_the_setting_and_zero_turns_it_off(
        env: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.jobs.retention import purge
    from bot.settings import get_settings

    tip = add_tip("mid", "closed", NOW - 40 * DAY, tmp_path)
    assert purge() == [] and purge(days=0) == []
    monkeypatch.setenv("TIPLINE_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    assert [p.reference for p in purge()] == ["MID"]
    assert state(tip, tmp_path)["messages"] == 0


def test_purge_command(env: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from bot.cli import main

    tip = add_tip("cli", "closed", NOW - 91 * DAY, tmp_path)
    assert main(["purge", "--dry-run"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] is True and report["retention_days"] == 90
    assert [t["reference"] for t in report["tips"]] == ["CLI"]
    assert state(tip, tmp_path)["messages"] == 3
    assert main(["purge"]) == 0
    assert json.loads(capsys.readouterr().out)["tips"][0]["messages"] == 3
    assert state(tip, tmp_path)["messages"] == 0


def test_periodic_task_purges(env: dict, tmp_path: Path) -> None:
    from bot.jobs import tasks

    tip = add_tip("job", "closed", NOW - 120 * DAY, tmp_path)
    assert [p["reference"] for p in tasks.purge_expired.call_local()] == ["JOB"]
    assert state(tip, tmp_path)["audit"] == ["created", "retention_purge"]


def inbox_rows() -> dict:
    with session_scope() as session:
        return {row.external_id: {"id": row.id, "channel": row.channel, "status": row.status,
                                  "received_at": row.received_at, "text": row.text,
                                  "media": row.media, "meta": row.meta}
                for row in session.execute(select(InboundMessage)).scalars()}


def test_done_inbound_messages_past_retention_lose_content_whatever_their_conversation(
        env: dict, tmp_path: Path) -> None:
    """No tip behind them (a greeting, a media-only MMS, a refused message): the rows done
    more than N days ago are emptied all the same; waiting, failed and recent ones are not."""
    from bot.inbox import recovery, store
    from bot.jobs.retention import empty_inbound, purge

    secret = "boats at Stanstead 45.01,-72.09 tonight"
    media = [{"url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MMx/Media/ME1",
              "type": "image/jpeg"}]
    rows = {  # external id: (status, days ago, text, media, meta)
        "W-hello": ("processed", 100, secret, [], {"location": {"latitude": 45.01},
                                                   "interface_language": "fr"}),
        "SM-mms": ("processed", 95, "", media, None),
        "R-long": ("refused", 100, "", [], {"length": 100000}),
        "W-recent": ("processed", 10, secret, [], {"interface_language": "fr"}),
        "SM-waiting": ("received", 100, secret, media, None),
        "R-failed": ("failed", 100, secret, [], {"sender_language": "en"}),
    }
    with session_scope() as session:
        for external_id, (status, days, text, files, meta) in rows.items():
            channel = {"W": "webchat", "SM": "sms", "R": "rest"}[external_id.split("-")[0]]
            session.add(InboundMessage(channel=channel,
                                       external_id=external_id, status=status,
                                       contact_hash=f"nobody-{external_id}", text=text,
                                       media=files, meta=meta, received_at=NOW - days * DAY))
    before, counts = inbox_rows(), recovery.counts()
    cutoff = NOW - 90 * DAY

    assert empty_inbound(cutoff, dry_run=True) == 3
    assert purge(dry_run=True) == [] and inbox_rows() == before, "a dry run changes nothing"
    assert purge() == [], "no tip was purged: the inbox is emptied on its own"

    after = inbox_rows()
    emptied = {"W-hello", "SM-mms", "R-long"}
    for external_id in emptied:
        assert after[external_id] == {**before[external_id], "text": "", "media": [],
                                      "meta": None}
    for external_id in set(rows) - emptied:
        assert after[external_id] == before[external_id]
    assert recovery.counts() == counts, "statuses and counts are untouched"
    with session_scope() as session:
        conn = session.connection()
        assert store.known(conn, "webchat", "W-hello") == before["W-hello"]["id"], \
            "a replay of an emptied message is still recognised"
    assert empty_inbound(cutoff) == 0, "emptied rows are not picked up again"
