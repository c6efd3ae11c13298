"""The TwiML of each step of a call: menu, listening, holding, recording, goodbye."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bot.channels.voice.languages import get_languages, get_prompts
from bot.channels.voice.twiml import TwimlBuilder, url


def parse(twiml: str) -> ET.Element:
    return ET.fromstring(twiml)  # noqa: S314 (our own output)


def builder() -> TwimlBuilder:
    return TwimlBuilder(get_languages(), get_prompts())


def test_the_first_menu_offers_english_french_spanish_then_others() -> None:
    doc = parse(builder().menu(0))
    gather = doc.find("Gather")
    assert gather is not None and gather.get("input") == "dtmf"
    assert gather.get("numDigits") == "1" and gather.get("action") == url("language", page=0)
    said = [(s.get("language"), s.text) for s in gather.findall("Say")]
    assert [lang for lang, _ in said[:3]] == ["en-US", "fr-CA", "es-US"]
    assert "press 1" in said[0][1] and "appuyez sur 2" in said[1][1] and "oprima 3" in said[2][1]
    assert any("otros idiomas" in text for _, text in said[3:])
    assert doc.find("Redirect").text == url("menu", page=0, tries=1)  # no key: again


def test_the_next_page_is_announced_in_its_own_languages() -> None:
    doc = parse(builder().menu(1))
    texts = [s.text for s in doc.iter("Say")]
    assert "Linha de denúncias da fronteira em português: tecle 1." in texts
    assert "Khadka warbixinta xuduudka ee Af-Soomaaliga: riix 8." not in texts
    assert "Luqadaha kale, riix 0." in texts  # page 2's Somali speakers learn to press 0


def test_listening_in_french_carries_the_calls_state() -> None:
    doc = parse(builder().listen("fr", 2, ["Où est-ce que ça s'est passé ?"]))
    assert [s.get("language") for s in doc.findall("Say")] == ["fr-CA"]
    gather = doc.find("Gather")
    assert gather.get("input") == "speech" and gather.get("language") == "fr-CA"
    assert gather.get("speechTimeout") == "auto"
    assert gather.get("action") == "/webhooks/tipline_voice/speech?lang=fr&step=2"
    assert doc.find("Redirect").text == "/webhooks/tipline_voice/silence?lang=fr&step=2"


def test_hostile_text_is_escaped_in_the_xml() -> None:
    twiml = builder().listen("en", 1, ['</Say><Dial>+15145550100</Dial><Say>"&'])
    assert "<Dial>" not in twiml
    assert parse(twiml).find("Say").text == '</Say><Dial>+15145550100</Dial><Say>"&'


def test_hold_and_poll() -> None:
    doc = parse(builder().hold("es", 3, 1))
    assert doc.find("Say").text.startswith("Gracias, lo que dijo quedó guardado")
    assert doc.find("Pause") is not None
    assert doc.find("Redirect").text == "/webhooks/tipline_voice/wait?lang=es&step=3&polls=1"


def test_the_recorded_message_is_transcribed_then_the_call_ends() -> None:
    doc = parse(builder().record("fr"))
    record = doc.find("Record")
    assert record.get("transcribe") == "true" and record.get("finishOnKey") == "#"
    assert record.get("transcribeCallback") == "/webhooks/tipline_voice/transcription?lang=fr"
    assert record.get("action") == "/webhooks/tipline_voice/recorded?lang=fr"
    assert [child.tag for child in doc][-1] == "Hangup"


def test_goodbye_hangs_up_in_the_callers_language() -> None:
    doc = parse(builder().goodbye("ja", "saved"))
    assert [child.tag for child in doc] == ["Say", "Say", "Hangup"]
    assert all(s.get("language") == "ja-JP" for s in doc.findall("Say"))
