"""The voice line's call flow without Rasa: signatures, the menu, a spoken turn stored once
and read aloud, the 911 line first, holding on while the bot is slow."""

from __future__ import annotations

import asyncio
import secrets
import xml.etree.ElementTree as ET
from typing import Any, List

from sqlalchemy import select

from bot.channels.voice.calls import caller_key
from bot.messages import get_catalog
from bot.privacy.keys import contact_hash
from bot.store.db import session_scope
from bot.store.models import InboundMessage
from tests.unit.channels.voice.conftest import NUMBER, Bot, calls_with, hook, twiml


def test_a_forged_or_missing_signature_is_refused(env: dict) -> None:
    calls = calls_with(Bot([]))
    sid = "CA" + secrets.token_hex(16)
    forged = asyncio.run(hook(calls, "/webhooks/tipline_voice/call", sid, signature="AAAA"))
    missing = asyncio.run(hook(calls, "/webhooks/tipline_voice/call", sid, signature=None))
    assert (forged.status, missing.status) == (403, 403)
    assert "<Response" not in forged.body


def test_the_menu_leads_to_listening_in_the_chosen_language(env: dict) -> None:
    calls = calls_with(Bot([]))
    sid = "CA" + secrets.token_hex(16)
    menu = twiml(asyncio.run(hook(calls, "/webhooks/tipline_voice/call", sid)))
    action = menu.find("Gather").get("action")
    page1 = twiml(asyncio.run(hook(calls, action, sid, Digits="0")))
    german = twiml(asyncio.run(hook(calls, page1.find("Gather").get("action"), sid, Digits="2")))
    gather = german.find("Gather")
    assert gather.get("language") == "de-DE" and gather.get("input") == "speech"
    assert gather.find("Say").text.startswith("Sagen Sie uns, was Sie gesehen haben")
    again = twiml(asyncio.run(hook(calls, action, sid, Digits="8")))  # not on page 0
    assert again.find("Gather").get("action") == action


def test_a_spoken_turn_is_stored_once_and_read_aloud(env: dict) -> None:
    bot = Bot(["Où est-ce que ça s'est passé ?"])
    calls = calls_with(bot)
    sid = "CA" + secrets.token_hex(16)
    path = "/webhooks/tipline_voice/speech?lang=fr&step=1"
    text = "J'ai vu des sacs de drogue chargés dans une camionnette près de Lacolle hier soir"

    async def twice() -> List[Any]:
        return [await hook(calls, path, sid, SpeechResult=text, Confidence="0.9")
                for _ in range(2)]

    first, replay = [twiml(result) for result in asyncio.run(twice())]
    assert first.find("Say").text == "Où est-ce que ça s'est passé ?"
    assert first.find("Say").get("language") == "fr-CA"
    assert first.find("Gather").get("action").endswith("step=2")
    assert len(bot.seen) == 1 and bot.seen[0][0] == text
    assert bot.seen[0][2]["language"] == "fr" and bot.seen[0][2]["channel"] == "voice"
    with session_scope() as session:
        rows = session.execute(select(InboundMessage)).scalars().all()
        assert [(r.channel, r.external_id, r.status) for r in rows] == [
            ("voice", f"{sid}:1", "processed")]
        assert rows[0].contact_hash == caller_key(NUMBER, sid) != contact_hash(NUMBER)
        assert NUMBER not in repr(rows[0].__dict__) and replay is not None


def test_an_urgent_turn_says_hang_up_and_call_911_first(env: dict) -> None:
    emergency = get_catalog().render("emergency", "es")
    calls = calls_with(Bot([emergency, "Gracias. Su denuncia quedó registrada con la "
                                       "referencia ABC123."]))
    sid = "CA" + secrets.token_hex(16)
    doc = twiml(asyncio.run(hook(calls, "/webhooks/tipline_voice/speech?lang=es&step=1", sid,
                                 SpeechResult="tienen a gente encerrada en un tráiler ahora")))
    said = [s.text for s in doc.findall("Say")]
    assert said[0] == "Si alguien está en peligro ahora mismo, cuelgue y llame al 911."
    assert emergency not in said and "ABC123" in said[1]


def test_a_slow_turn_is_saved_and_polled(env: dict) -> None:
    calls = calls_with(Bot(["Thank you."], delay=2.5))
    sid = "CA" + secrets.token_hex(16)

    async def call() -> List[Any]:
        held = await hook(calls, "/webhooks/tipline_voice/speech?lang=en&step=1", sid,
                          SpeechResult="a boat landed people on the shore near Derby Line")
        answer = held
        for _ in range(5):  # a loaded machine may need more than one poll
            poll = ET.fromstring(answer.body).find("Redirect")  # noqa: S314
            if poll is None or "/wait?" not in (poll.text or ""):
                break
            answer = await hook(calls, poll.text, sid)
        return [held, answer]

    held, answered = [twiml(result) for result in asyncio.run(call())]
    assert held.find("Say").text.startswith("Thank you, what you said is saved")
    assert held.find("Redirect").text.endswith("wait?lang=en&step=1&polls=1")
    assert [s.text for s in answered.findall("Say")][0] == "Thank you."


def test_nothing_heard_first_offers_a_recording_later_says_goodbye(env: dict) -> None:
    calls = calls_with(Bot([]))
    sid = "CA" + secrets.token_hex(16)
    first = twiml(asyncio.run(hook(calls, "/webhooks/tipline_voice/silence?lang=fr&step=1", sid)))
    later = twiml(asyncio.run(hook(calls, "/webhooks/tipline_voice/silence?lang=fr&step=3", sid)))
    assert first.find("Record") is not None
    assert later.find("Record") is None and [c.tag for c in later][-1] == "Hangup"


def test_a_hidden_number_is_one_conversation_per_call(env: dict) -> None:
    assert caller_key("anonymous", "CA1") != caller_key("anonymous", "CA2")
    assert caller_key("+1 (514) 555-0123", "CA1") == caller_key(NUMBER, "CA2")
