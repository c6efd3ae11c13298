"""What a conversation turn means for the tip line, independent of Rasa's SDK types."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Dict, List, Optional

from bot.language.config import LanguageConfig, load_language_config
from bot.settings import get_settings

CHANNEL_NAMES = {"tipline_twilio": "sms", "twilio": "sms", "socketio": "webchat",
                 "tipline_webchat": "webchat", "rest": "rest"}
TIP_CATEGORIES = ("drug_smuggling", "human_trafficking", "human_smuggling", "weapons_smuggling",
                  "contraband", "suspicious_activity", "cybercrime")


@dataclass
class Turn:
    """The tipster's latest message as the NLU pipeline understood it."""

    original_text: str
    translated_text: Optional[str]
    translation_status: str
    language: str
    language_confidence: Optional[float]
    language_reliable: bool
    intent: Optional[str]
    intent_confidence: Optional[float]
    entities: List[Dict[str, Any]] = field(default_factory=list)
    metadata: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_parse_data(cls, data: Dict[str, Any]) -> Turn:
        """Build from Rasa's ``latest_message`` (parse data with the tip line's properties)."""
        intent = data.get("intent") or {}
        original = data.get("original_text")
        if original is None:
            original = data.get("text") or ""
        return cls(
            original_text=original,
            translated_text=data.get("translated_text"),
            translation_status=data.get("translation_status") or "not_needed",
            language=data.get("language") or "und",
            language_confidence=data.get("language_confidence"),
            language_reliable=bool(data.get("language_reliable")),
            intent=intent.get("name"),
            intent_confidence=intent.get("confidence"),
            entities=[
                {k: e.get(k) for k in ("entity", "value", "start", "end")}
                for e in data.get("entities") or []
            ],
            metadata=data.get("metadata") or {},
        )

    def entity_values(self, name: str) -> List[str]:
        return [str(e["value"]) for e in self.entities if e.get("entity") == name]

    @property
    def texts(self) -> List[str]:
        """Original and English text, for matching places and lexicons."""
        return [t for t in (self.original_text, self.translated_text) if t]

    @property
    def has_words(self) -> bool:
        """False for an empty message, or one of emoji/punctuation only."""
        return any(ch.isalnum() for ch in self.original_text)


@lru_cache(maxsize=1)
def _language_config() -> LanguageConfig:
    return load_language_config(get_settings().languages)


def conversation_language(turn: Turn, previous: Optional[str]) -> str:
    """The language to answer in: this message's if it is clear, else the conversation's."""
    config = _language_config()
    if turn.language_reliable and turn.language not in ("und", ""):
        return turn.language
    if previous:
        return previous
    # a short first message ("hi", "merci") is a weak guess: trust it only for a language
    # the tip line speaks natively, else answer in the default language
    if turn.language in config.native:
        return turn.language
    # the web chat widget's interface language (the browser's), sent as message metadata
    interface = turn.metadata.get("language")
    if interface in config.native:
        return str(interface)
    return config.default


def channel_of(input_channel: Optional[str]) -> str:
    """The SPEC's channel name for Rasa's input channel name."""
    return CHANNEL_NAMES.get(input_channel or "", input_channel or "rest")
