"""Bad input through the REST channel: a clear reply, no crash, nothing lost."""

from __future__ import annotations

import uuid

import pytest

from harness.db import TipsDb
from harness.servers import TipLineStack


@pytest.fixture(scope="module")
def db(sqlite_stack: TipLineStack) -> TipsDb:
    return TipsDb(sqlite_stack.env["TIPLINE_DATABASE_URL"])


@pytest.mark.parametrize("text", ["", "   ", "🚤🚤🚤", "\u0000\u0007\u001b", "?!..."])
def test_wordless_messages_get_a_clear_reply(sqlite_stack: TipLineStack, db: TipsDb,
                                             text: str) -> None:
    who = f"bad-{uuid.uuid4().hex[:10]}"
    replies = sqlite_stack.say(who, text)
    assert replies, "no reply"
    assert any("empty" in r.lower() or "describe" in r.lower() for r in replies), replies
    assert db.tips_of(who) == []


def test_a_10_kb_tip_is_stored_whole(sqlite_stack: TipLineStack, db: TipsDb) -> None:
    who = f"bad-{uuid.uuid4().hex[:10]}"
    sentence = "Men are loading bags of cocaine into a van near Lacolle every night. "
    text = (sentence * (10_240 // len(sentence) + 1))[:10_240]
    replies = sqlite_stack.say(who, text)
    assert replies
    tips = db.tips_of(who)
    assert len(tips) == 1
    assert tips[0].original_text == text
    assert tips[0].category == "drug_smuggling"


@pytest.mark.parametrize(
    "text",
    [
        "I saw 🚤 boats 🚤 with drugs near Blaine 😱😱",
        "Des armes à feu passent la frontière à Lacolle — 武器 — оружие — أسلحة",
        "contrabando de cigarros\r\n\tcerca de\u200b Calais \u202eevil",
        "'; DROP TABLE tips; -- smugglers near Emerson moving people at night",
    ],
)
def test_emoji_mixed_scripts_and_control_characters(sqlite_stack: TipLineStack, db: TipsDb,
                                                    text: str) -> None:
    who = f"bad-{uuid.uuid4().hex[:10]}"
    replies = sqlite_stack.say(who, text)
    assert replies
    tips = db.tips_of(who)
    assert len(tips) == 1, replies
    assert tips[0].original_text == text
    assert tips[0].reference in " ".join(replies + sqlite_stack.say(who, "I don't know")
                                         + sqlite_stack.say(who, "I don't know"))
