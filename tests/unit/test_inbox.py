"""The durable intake's parts, on SQLite and PostgreSQL: clean text, the inbox table, the
actions' marks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest

from bot.inbox import store
from bot.inbox.marks import inbox_key, mark_handled, parse_key
from bot.inbox.text import REPLACEMENT, clean, clean_value
from bot.store.db import get_engine
from bot.store.models import utcnow
from harness.inbox import on_database, stored


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from on_database(request.param, tmp_path, monkeypatch)


# -- text ------------------------------------------------------------------------------------

def test_lone_surrogates_and_nul_become_replacement_characters_the_rest_is_kept() -> None:
    kept = "émoji 🚤 \u202eevil\r\n\t\x07 控制 \u200b"
    assert clean(kept) == kept
    assert clean("a\ud800b\udfffc\x00d") == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}d"
    assert clean_value({"k\ud800": ["x\ud83d", 1, None, {"n": "\x00"}]}) == {
        f"k{REPLACEMENT}": [f"x{REPLACEMENT}", 1, None, {"n": REPLACEMENT}]}


def test_inbox_keys_are_told_apart_from_other_message_ids() -> None:
    assert inbox_key(42) == "inbox-42" and parse_key("inbox-42") == 42
    for other in ("3f2a" * 8, "inbox-", "inbox-0", "inbox-4x", None, 42, "INBOX-4"):
        assert parse_key(other) is None


# -- the inbox table ---------------------------------------------------------------------------

def test_a_stored_message_is_whole_and_storable(database: str) -> None:
    text = "a van near Lacolle \ud800 with \x00 drugs " + "x" * 5000
    message_id = stored(text, meta={"language": "fr\udc00"})
    pending = store.get(message_id)
    assert pending is not None
    assert pending.text == clean(text) and len(pending.text) == len(text)
    assert pending.meta == {"language": f"fr{REPLACEMENT}"} and pending.key == inbox_key(message_id)


def test_claim_postpone_finish_and_the_delayed_reply_once(database: str) -> None:
    first, second = stored("one"), stored("two")
    assert store.next_pending("rest", "s1").id == first
    lease = timedelta(seconds=30)
    assert store.claim(first, lease) and not store.claim(first, lease)
    assert store.next_pending("rest", "s1") is None  # first in its turn: second waits for it
    store.postpone(first, 1, utcnow() + timedelta(seconds=5))
    pending = store.next_pending("rest", "s1")
    assert pending.id == first and pending.attempts == 1 and pending.retry_at > utcnow()
    assert not pending.interrupted
    assert store.note_delayed(first) and not store.note_delayed(first)
    assert store.get(first).delayed
    assert store.backlog("rest", "s1") == 2 and store.backlog("rest", "other") == 0
    store.claim(first, lease)
    store.finish(first)
    assert store.get(first).status == "processed"
    assert store.next_pending("rest", "s1").id == second  # now the second one's turn


def test_expired_claims_come_back_interrupted_and_failed_ones_when_due(database: str) -> None:
    live, dead, failed, later = (stored(t) for t in ("live", "dead", "failed", "later"))
    for message_id in (live, dead):
        store.claim(message_id, timedelta(seconds=30))
    with get_engine().begin() as conn:  # the process holding "dead" stopped long ago
        conn.execute(store.INBOX.update().where(store.INBOX.c.id == dead)
                     .values(lease_until=utcnow() - timedelta(seconds=1)))
    store.give_up(failed, 25, utcnow() - timedelta(seconds=1))
    store.give_up(later, 25, utcnow() + timedelta(hours=1))
    assert store.release("rest", include_failed=True) == [dead]
    statuses = {m: store.get(m).status for m in (live, dead, failed, later)}
    assert statuses == {live: "processing", dead: "received", failed: "received",
                        later: "failed"}
    assert store.get(dead).interrupted and not store.get(failed).interrupted
    store.release("rest", include_failed=True, all_failed=True)  # at start: every one
    assert store.get(later).status == "received" and store.get(later).attempts == 0
    assert store.waiting_senders("rest") == ["s1"]


def test_an_action_marks_its_turns_message(database: str) -> None:
    message_id = stored("a tip")
    assert not store.is_handled(message_id)
    assert mark_handled("3f2a" * 8) is False  # a turn that did not come from the inbox
    assert mark_handled(inbox_key(message_id)) is True
    assert store.is_handled(message_id)
