"""EmbeddingIntentClassifier: intents from the multilingual sentence vector, blended with DIET.

A logistic regression over the sentence vector of ``SentenceEncoderFeaturizer`` carries
what one language's examples teach to every other language (the vector of a tip means
the same in Punjabi and in English). Placed after DIET, it blends the two rankings:
``weight`` x its probabilities + (1 - weight) x DIET's, so DIET's word and character
features still count for the languages it has seen. ``weight: 1`` replaces DIET's intent.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear import LinearModel
from bot.nlu.sentence_featurizer import ALIAS, embedding_of

log = logging.getLogger(__name__)
RANKING_LENGTH = 10


def blend(own: Dict[str, float], other: List[Dict[str, Any]], weight: float) -> List[Dict]:
    """A ranking mixing ``own`` probabilities with another classifier's ranking."""
    theirs = {str(item["name"]): float(item.get("confidence") or 0.0) for item in other}
    if not theirs:
        weight = 1.0
    names = set(own) | set(theirs)
    mixed = {name: weight * own.get(name, 0.0) + (1 - weight) * theirs.get(name, 0.0)
             for name in names}
    ranked = sorted(mixed.items(), key=lambda item: -item[1])[:RANKING_LENGTH]
    return [{"name": name, "confidence": round(value, 6)} for name, value in ranked]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmbeddingIntentClassifier(GraphComponent):
    """Sets the intent from the sentence vector (and DIET's ranking, when there is one)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"featurizer": ALIAS, "weight": 0.5, "c": 10.0}

    def __init__(self, config: Dict[str, Any], storage: ModelStorage, resource: Resource,
                 model: Optional[LinearModel] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource = storage, resource
        self.model = model

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EmbeddingIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> EmbeddingIntentClassifier:
        with model_storage.read_from(resource) as directory:
            return cls(config, model_storage, resource, LinearModel.load(directory, "intents"))

    def train(self, training_data: TrainingData) -> Resource:
        pairs = [(embedding_of(m, self.config["featurizer"]), m.get(INTENT))
                 for m in training_data.intent_examples]
        pairs = [(vector, intent) for vector, intent in pairs if vector is not None and intent]
        if len({intent for _, intent in pairs}) < 2:
            raise ValueError("EmbeddingIntentClassifier needs examples of two intents or more, "
                             "featurized by SentenceEncoderFeaturizer")
        vectors = np.stack([vector for vector, _ in pairs])
        self.model = LinearModel.fit(vectors, [intent for _, intent in pairs],
                                     c=float(self.config["c"]))
        with self._storage.write_to(self._resource) as directory:
            self.model.save(directory, "intents")
        log.info("embedding intent classifier trained on %d examples", len(pairs))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None:
            return messages
        for message in messages:
            vector = embedding_of(message, self.config["featurizer"])
            if vector is None:
                continue
            row = self.model.probabilities(vector)[0]
            own = {name: float(p) for name, p in zip(self.model.classes, row, strict=True)}
            ranking = blend(own, message.get(INTENT_RANKING_KEY) or [],
                            float(self.config["weight"]))
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
