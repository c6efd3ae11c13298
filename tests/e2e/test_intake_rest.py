"""End to end through Rasa's REST channel: real Rasa server, action server, SQLite tips."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import pytest

from bot.store.references import find_references
from harness.db import TipsDb
from harness.servers import ROOT, TipLineStack


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def db(sqlite_stack: TipLineStack) -> TipsDb:
    return TipsDb(sqlite_stack.env["TIPLINE_DATABASE_URL"])


CASES = [
    # text, language, category, side, queue, a word of the native reply
    ("I saw two men loading bags of cocaine into a white van near Lacolle last night",
     "en", "drug_smuggling", "CA", "RCMP", "reference"),
    ("Des hommes ont fait traverser un groupe de personnes a pied dans le bois pres de "
     "Derby Line hier soir", "fr", "human_smuggling", "US", "USBP", "référence"),
    ("Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine desde ayer",
     "es", "contraband", "US", "CBP", "referencia"),
]


@pytest.mark.parametrize(("text", "language", "category", "side", "queue", "word"), CASES)
def test_a_tip_is_stored_routed_and_answered_in_its_language(
    sqlite_stack: TipLineStack, db: TipsDb, text: str, language: str, category: str,
    side: str, queue: str, word: str,
) -> None:
    who = sender()
    replies = sqlite_stack.say(who, text)
    tips = db.tips_of(who)
    assert len(tips) == 1, replies
    tip = tips[0]
    assert (tip.category, tip.location_side, tip.queue, tip.language, tip.channel) == (
        category, side, queue, language, "rest")
    assert tip.original_text == text
    # the place is known, so the form asks only for the time
    if not tip.incident_time:
        replies += sqlite_stack.say(who, {"en": "I don't know", "fr": "je sais pas",
                                          "es": "no se"}[language])
    joined = " ".join(replies)
    assert tip.reference in joined
    assert word in joined.lower()
    assert [e.action for e in db.audit_of(tip.id)][0] == "created"


def test_a_tip_without_place_asks_for_it_and_reroutes(sqlite_stack: TipLineStack,
                                                      db: TipsDb) -> None:
    who = sender()
    first = sqlite_stack.say(who, "Someone is selling fake border crossing cards on facebook "
                                  "to people who want to cross")
    assert any("where" in r.lower() for r in first), first
    tip = db.tips_of(who)[0]
    assert (tip.category, tip.queue) == ("cybercrime", "IBET_JOINT")
    second = sqlite_stack.say(who, "it is a group from Stanstead")
    assert any("when" in r.lower() for r in second), second
    third = sqlite_stack.say(who, "no idea")
    tip = db.tips_of(who)[0]
    assert tip.reference in " ".join(third)
    assert (tip.location_side, tip.queue, tip.location_place) == ("CA", "RCMP", "Stanstead")
    assert "location_updated" in [e.action for e in db.audit_of(tip.id)]


def test_an_urgent_tip_gets_the_emergency_advice_first(sqlite_stack: TipLineStack,
                                                      db: TipsDb) -> None:
    who = sender()
    replies = sqlite_stack.say(
        who, "Help they are holding women in a locked trailer near Coutts right now, "
             "they took their passports")
    assert replies and "911" in replies[0], replies
    tip = db.tips_of(who)[0]
    assert tip.urgency == "high"
    assert tip.category == "human_trafficking"


@pytest.mark.parametrize("text", ["hello", "is this anonymous?", "bonjour", "es anonimo?"])
def test_greetings_and_questions_create_no_tip(sqlite_stack: TipLineStack, db: TipsDb,
                                               text: str) -> None:
    who = sender()
    replies = sqlite_stack.say(who, text)
    assert replies and all(r.strip() for r in replies)
    assert db.tips_of(who) == []


def test_status_and_more_information_only_from_the_same_conversation(
    sqlite_stack: TipLineStack, db: TipsDb,
) -> None:
    who, stranger = sender(), sender()
    sqlite_stack.say(who, "A guy is selling pistols to people from Detroit across the river, "
                          "he brings them over in his truck")
    sqlite_stack.say(who, "yesterday")
    tip = db.tips_of(who)[0]
    status = sqlite_stack.say(who, f"what is the status of my tip {tip.reference}?")
    assert any(tip.reference in r and "waiting" in r for r in status), status
    assert any("what is the status" in m.text for m in db.messages_of(tip.id))
    added = sqlite_stack.say(who, f"more info for {tip.reference}: the truck is a blue ford")
    assert any(tip.reference in r for r in added), added
    assert any("blue ford" in m.text for m in db.messages_of(tip.id))
    denied = sqlite_stack.say(stranger, f"status of tip {tip.reference}")
    assert not any("waiting" in r for r in denied)
    assert not any(m.text.startswith("status of tip") for m in db.messages_of(tip.id))
    sqlite_stack.say(stranger, f"more info for {tip.reference}: it was red")
    assert not any("it was red" in m.text for m in db.messages_of(tip.id))


def test_translation_provider_hanging_still_stores_and_routes(
    sqlite_stack: TipLineStack, db: TipsDb, libre,
) -> None:
    libre.set_mode("hang")
    who = sender()
    started = time.monotonic()
    replies = sqlite_stack.say(who, "Il y a un bateau sans lumieres qui decharge des boites "
                                    "de drogue pres de Fort Erie cette nuit")
    elapsed = time.monotonic() - started
    assert replies
    assert elapsed < 15
    tip = db.tips_of(who)[0]
    assert (tip.category, tip.queue, tip.translation_status) == ("drug_smuggling", "RCMP",
                                                                "failed")
    assert tip.translated_text is None


def test_foreign_language_tip_is_translated_and_retried_when_provider_was_down(
    sqlite_stack: TipLineStack, db: TipsDb, libre,
) -> None:
    text = "Ich habe gesehen, wie Männer Drogen über die Grenze bei Lacolle gebracht haben"
    libre.set_mode("fail")
    who = sender()
    replies = sqlite_stack.say(who, text)
    assert replies
    tip = db.tips_of(who)[0]
    assert tip.original_text == text
    assert tip.translation_status == "failed"
    assert (tip.location_side, tip.language) == ("CA", "de")
    libre.set_mode("ok")
    time.sleep(2.5)  # the circuit breaker's cool-down in tests
    env = sqlite_stack.env
    result = subprocess.run([sys.executable, "-m", "bot.cli", "retry-translations"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["translated"] >= 1
    tip = db.tips_of(who)[0]
    assert tip.translation_status == "done"
    assert "drugs" in tip.translated_text.lower()


def test_foreign_language_tip_understood_through_translation(sqlite_stack: TipLineStack,
                                                             db: TipsDb) -> None:
    who = sender()
    text = "Ich habe gesehen, wie Männer Drogen über die Grenze bei Lacolle gebracht haben"
    replies = sqlite_stack.say(who, text)
    tip = db.tips_of(who)[0]
    assert (tip.language, tip.category, tip.queue, tip.translation_status) == (
        "de", "drug_smuggling", "RCMP", "done")
    assert replies


def test_tips_command_lists_json_lines_with_the_api_fields(sqlite_stack: TipLineStack,
                                                           db: TipsDb) -> None:
    who = sender()
    sqlite_stack.say(who, "Drones are flying packages over the river at Cornwall every night")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "tips", "--json"], cwd=ROOT,
                            env=sqlite_stack.env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    reference = db.tips_of(who)[0].reference
    row = next(r for r in rows if r["reference"] == reference)
    for key in ("reference", "channel", "language", "original_text", "translated_text",
                "category", "urgency", "queue", "status", "created_at", "location"):
        assert key in row
    assert set(row["location"]) >= {"text", "side", "place"}
    assert find_references(reference) == [reference]


def test_short_answers_keep_the_conversation_language(sqlite_stack: TipLineStack,
                                                      db: TipsDb) -> None:
    who = sender()
    first = sqlite_stack.say(who, "Quelqu'un vend des faux documents de passage a la frontiere "
                                  "sur internet")
    assert any("Où" in r for r in first), first
    second = sqlite_stack.say(who, "Stanstead")
    assert any("Quand" in r for r in second), second
    third = sqlite_stack.say(who, "2am")
    tip = db.tips_of(who)[0]
    assert any(tip.reference in r and "référence" in r for r in third), third
    assert (tip.language, tip.incident_time, tip.location_side) == ("fr", "2am", "CA")
