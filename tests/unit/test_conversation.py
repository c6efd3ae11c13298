"""Conversation language, channel names, message catalog and privacy helpers."""

from __future__ import annotations

import logging

import pytest

from bot.conversation import Turn, channel_of, conversation_language
from bot.messages import MessageCatalog
from bot.privacy import redact
from bot.privacy.keys import AddressCipher, contact_hash, new_key
from bot.settings import DATA_DIR


def turn(language: str, reliable: bool, text: str = "x", confidence: float = 0.3) -> Turn:
    return Turn.from_parse_data({"text": text, "language": language,
                                 "language_confidence": confidence,
                                 "language_reliable": reliable, "intent": {"name": "greet"}})


def test_a_clear_message_sets_the_language() -> None:
    assert conversation_language(turn("fr", True), "en") == "fr"


def test_a_short_message_keeps_the_conversation_language() -> None:
    assert conversation_language(turn("pl", False, "ok"), "fr") == "fr"
    assert conversation_language(turn("vi", False, "hi"), None) == "en"
    assert conversation_language(turn("es", False, "hola"), None) == "es"


def test_a_first_message_with_substance_is_answered_in_its_likely_language() -> None:
    text = "un camion frigo porta cocaina nascosta tra le verdure sul ponte"
    assert conversation_language(turn("it", False, text, confidence=0.57), None) == "it"
    assert conversation_language(turn("it", False, text, confidence=0.3), None) == "en"
    assert conversation_language(turn("it", False, text, confidence=0.57), "pl") == "pl"


def test_channel_of_gives_the_stored_channel_value() -> None:
    assert channel_of("tipline_twilio") == "sms"
    assert channel_of("tipline_webchat") == "webchat"
    assert channel_of("rest") == "rest"
    assert channel_of(None) == "rest"  # rasa test, the actions' unit tests
    assert channel_of("socketio") == "socketio"  # no alias: only registered input names map


def test_turn_without_words() -> None:
    assert not turn("und", False, "🚤 !!").has_words
    assert turn("en", True, "boat").has_words


def test_catalog_answers_every_community_language_natively() -> None:
    catalog = MessageCatalog(DATA_DIR / "messages")
    assert "911" in catalog.render("emergency", "fr")
    assert "ABC234" in catalog.render("tip_received", "es", reference="ABC234")
    assert catalog.render("greet", "de") != catalog.render("greet", "en")
    assert catalog.status_label("closed", "fr") == "fermé"


def test_catalog_falls_back_to_english_for_a_language_it_does_not_have() -> None:
    catalog = MessageCatalog(DATA_DIR / "messages")
    assert catalog.render("goodbye", "sw") == catalog.render("goodbye", "en")


def test_catalog_refuses_a_language_missing_keys(tmp_path) -> None:
    (tmp_path / "en.yml").write_text("greet: hi\nbye: bye\n")
    (tmp_path / "fr.yml").write_text("greet: salut\n")
    with pytest.raises(ValueError, match="bye"):
        MessageCatalog(tmp_path)


def test_contact_hash_is_keyed_and_normalised() -> None:
    a = contact_hash("+1 (514) 555-0100", key="k1")
    assert a == contact_hash("+15145550100", key="k1")
    assert a != contact_hash("+15145550100", key="k2")
    assert "5550100" not in a


def test_address_cipher_round_trip_and_rotation() -> None:
    old, new = new_key(), new_key()
    token = AddressCipher(old).encrypt("+15145550100")
    assert "5550100" not in token
    rotated = AddressCipher(f"{new},{old}")
    assert rotated.decrypt(token) == "+15145550100"
    fresh = rotated.rotate(token)
    assert AddressCipher(new).decrypt(fresh) == "+15145550100"
    assert AddressCipher(new_key()).decrypt(token) is None


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    redact.install()
    with caplog.at_level(logging.INFO):
        logging.getLogger("tipline.test").info("from %s: %s", "+15145550100", "(514) 555-0100")
    assert "555" not in caplog.text
    assert "[redacted-number]" in caplog.text
