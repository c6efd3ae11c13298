"""LanguageDetector: sets language, language_confidence, language_reliable, original_text."""

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

from bot.language import LanguageGuess, LanguageIdentifier, get_identifier, load_language_config
from bot.language.detector import UNDETERMINED_GUESS
from bot.nlu.properties import LANGUAGE, LANGUAGE_CONFIDENCE, LANGUAGE_RELIABLE, ORIGINAL_TEXT

logger = logging.getLogger(__name__)
# The tokenizers, count vectors and encoder read at most this much of a message.
MAX_NLU_CHARS = 2000


def languages_file(config: dict[str, Any]) -> str:
    """The language file named in the component config, else the one of `bot.settings`."""
    if config.get("languages_file"):
        return str(config["languages_file"])
    from bot.settings import get_settings

    return str(get_settings().languages)


# The default recipe runs tokenizer-type components on every message, in pipeline order,
# in training (process_training_data) and inference (process): the place for preprocessing.
@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Identifies the language of each user message (no training, no network)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """``languages_file``: path of languages.yml (default: TIPLINE_LANGUAGES)."""
        return {"languages_file": None}

    def __init__(self, config: dict[str, Any], preload: bool) -> None:
        self._language_config = load_language_config(languages_file(config))
        self._identifier: LanguageIdentifier | None = None
        if preload:
            self._identifier = get_identifier(self._language_config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Loads the detector models when serving a model (not while training)."""
        return cls(config, preload=execution_context.model_id is not None)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data is left as it is: examples are written natively (en, fr, es)."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets the language properties (in the parse result) on each user message."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue  # not a user text (e.g. an action name in end-to-end featurization)
            guess = self._identify(text)
            message.set(ORIGINAL_TEXT, text, add_to_output=True)  # whole: it is the tip
            if len(text) > MAX_NLU_CHARS:  # what the NLU reads is capped: no message can
                message.set(TEXT, text[:MAX_NLU_CHARS])  # hold the event loop for long
            message.set(LANGUAGE, guess.code, add_to_output=True)
            message.set(LANGUAGE_CONFIDENCE, guess.confidence, add_to_output=True)
            message.set(LANGUAGE_RELIABLE, guess.reliable, add_to_output=True)
        return messages

    def _identify(self, text: str) -> LanguageGuess:
        if text.strip().startswith(INTENT_MESSAGE_PREFIX):
            return UNDETERMINED_GUESS  # "/intent{...}" from buttons: not language
        if self._identifier is None:
            self._identifier = get_identifier(self._language_config)
        try:
            return self._identifier.identify(text)
        except Exception as error:  # a message is never lost to detection
            logger.warning("language detection failed: %s", type(error).__name__)
            return UNDETERMINED_GUESS
