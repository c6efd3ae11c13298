"""What a conversation turn means for the tip line, independent of Rasa's SDK types."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Dict, List, Optional

from bot.channels.registry import spec_of_input
from bot.channels.rest.spec import SPEC as REST
from bot.language.config import LanguageConfig, load_language_config
from bot.settings import get_settings

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
    urgent: bool = False
    urgency_confidence: Optional[float] = None
    ranked_intents: List[str] = field(default_factory=list)
    # Rasa's message id: "inbox-<id>" for a channel message (bot/inbox): one tip per message
    message_id: Optional[str] = None

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
            # translation serves officers, not the NLU: English needs none, others wait
            translation_status=data.get("translation_status") or (
                "not_needed" if (data.get("language") or "en") == "en" else "pending"),
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
            urgent=bool((data.get("urgency") or {}).get("urgent")),
            urgency_confidence=(data.get("urgency") or {}).get("confidence"),
            ranked_intents=[str(i.get("name")) for i in data.get("intent_ranking") or []
                            if isinstance(i, dict) and i.get("name")],
            message_id=data.get("message_id") or None,
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

    @property
    def word_count(self) -> int:
        """Words, counting two Chinese/Japanese characters as one (no spaces there)."""
        return word_count(self.original_text)

    @property
    def likely_category(self) -> Optional[str]:
        """The best tip category of the ranking, when it is the first non-fallback intent."""
        ranked = [name for name in self.ranked_intents if name != "nlu_fallback"]
        return ranked[0] if ranked and ranked[0] in TIP_CATEGORIES else None


def word_count(text: str) -> int:
    """Words of ``text`` in any script (Han and kana characters count two to a word)."""
    words = 0
    for token in text.split():
        dense = sum(1 for ch in token if _is_unspaced(ch))
        rest = any(ch.isalnum() and not _is_unspaced(ch) for ch in token)
        words += (dense + 1) // 2 + int(rest)
    return words


def _is_unspaced(ch: str) -> bool:
    """A character of a script written without spaces between words (Han, kana)."""
    code = ord(ch)
    return 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF


@lru_cache(maxsize=1)
def _language_config() -> LanguageConfig:
    return load_language_config(get_settings().languages)


SUBSTANTIAL_WORDS = 6  # a first message this long is read in the language it seems to be
WEAK_GUESS = 0.5


def conversation_language(turn: Turn, previous: Optional[str]) -> str:
    """The language to answer in: this message's if it is clear, else the conversation's."""
    config = _language_config()
    if turn.language_reliable and turn.language not in ("und", ""):
        return turn.language
    if previous:
        return previous
    # a first message with substance: the detector's best guess, even below its reliability
    # bar (12 words of Italian at 0.57), beats the defaults
    if (turn.language in config.native and turn.word_count >= SUBSTANTIAL_WORDS
            and (turn.language_confidence or 0.0) >= WEAK_GUESS):
        return turn.language
    # the web chat widget's interface language (the page's or the browser's), sent as
    # message metadata, beats a weak guess on a short first message ("hi", "ok")
    interface = str(turn.metadata.get("language") or "").split("-")[0].lower()
    if interface in config.native:
        return interface
    if turn.language in config.likely:
        return turn.language
    return config.default


def channel_of(input_channel: Optional[str]) -> str:
    """The stored channel name (bot/channels/registry.py) for Rasa's input channel name; a
    turn without one (``rasa test``, the actions' unit tests) is a REST one, and an input
    channel of no registered channel (``rasa shell``: cmdline) keeps its name."""
    if not input_channel:
        return REST.name
    spec = spec_of_input(input_channel)
    return spec.name if spec is not None else input_channel
