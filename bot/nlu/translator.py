"""Translator: English for NLU (languages not trained natively) and for officers.

- English: ``translated_text`` = original, status ``not_needed``.
- Native non-English (fr, es): not translated here (status ``pending``): ``text`` stays
  native because the NLU model is trained on it, and the English text for officers is
  made by the intake action, off Rasa's event loop, only for messages that become tips.
- Other reliable languages: ``text`` becomes the English translation, so DIET classifies
  English. If the provider fails, ``text`` stays the original and status is ``failed``
  (the tip is retried later).
- Unreliable or undetermined language (too short to tell): not translated
  (``not_needed``, ``translated_text`` = original); the conversation keeps its language.

Rasa drops None values from parse_data (``Message.as_dict``): a failed translation shows
as ``translated_text`` missing, so read it with ``parse_data.get("translated_text")``.
The call is synchronous (Rasa runs the NLU graph on its event loop): it is bounded by
TIPLINE_TRANSLATION_TIMEOUT and skipped at once while the breaker is open.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import UNDETERMINED, load_language_config
from bot.nlu.language_detector import languages_file
from bot.nlu.properties import (
    LANGUAGE,
    LANGUAGE_RELIABLE,
    ORIGINAL_TEXT,
    TRANSLATED_TEXT,
    TRANSLATION_STATUS,
)
from bot.translation import TranslationResult, TranslationService, get_service

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class Translator(GraphComponent):
    """Translates user messages to English after `LanguageDetector` (never in training)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``languages_file``: languages.yml (default: TIPLINE_LANGUAGES); ``target``: en."""
        return {"languages_file": None, "target": "en"}

    def __init__(self, config: dict[str, Any], service: TranslationService | None = None) -> None:
        self.native = frozenset(load_language_config(languages_file(config)).native)
        self.target = str(config.get("target") or "en")
        self._service = service

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Translator:
        """The provider comes from `bot.settings` (TIPLINE_TRANSLATION_*), not the model."""
        return cls(config)

    @property
    def service(self) -> TranslationService:
        if self._service is None:
            self._service = get_service()
        return self._service

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """No network in training: the data is left as it is."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets translated_text and translation_status; replaces text when needed."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            original = message.get(ORIGINAL_TEXT) or text
            translated, status = self._translate(message, original)
            if status == "done" and message.get(LANGUAGE) not in self.native:
                message.set(TEXT, translated)
            message.set(TRANSLATED_TEXT, translated, add_to_output=True)
            message.set(TRANSLATION_STATUS, status, add_to_output=True)
        return messages

    def _translate(self, message: Message, original: str) -> tuple[str | None, str]:
        language = message.get(LANGUAGE)
        if (
            language in (None, UNDETERMINED, self.target)
            or not message.get(LANGUAGE_RELIABLE)
            or original.strip().startswith(INTENT_MESSAGE_PREFIX)
        ):
            return original, "not_needed"
        if language in self.native:
            return None, "pending"
        try:
            result = self.service.translate(original, language, self.target)
        except Exception as error:  # the service never raises; a message is never lost
            logger.warning("translation failed: %s", type(error).__name__)
            result = TranslationResult(None, "failed", "unknown")
        if result.status == "not_needed":
            return original, "not_needed"
        return result.text, result.status
