"""LanguageDetector: the NLU reads a capped text; the tip keeps the whole original."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language_detector import MAX_NLU_CHARS, LanguageDetector


def test_a_huge_message_is_capped_for_the_nlu_but_kept_whole() -> None:
    detector = LanguageDetector({}, preload=False)
    text = "drugs near Lacolle " * 6000  # 114,000 characters
    message = Message({"text": text})
    detector.process([message])
    assert len(message.get("text")) == MAX_NLU_CHARS
    assert message.get("original_text") == text
    assert message.get("language") == "en"
