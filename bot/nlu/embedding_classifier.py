"""EmbeddingIntentClassifier: intents from the multilingual sentence vector, blended with DIET.

A logistic regression over the sentence vector of ``SentenceEncoderFeaturizer`` carries
what one language's examples teach to every other language (the vector of a tip means
the same in Punjabi and in English). With ``sparse_weight`` > 0 the sparse sentence
features are added, L2-normalised and scaled: with ``sparse: pipeline`` those of the
pipeline's featurizers (word and character counts), with ``sparse: char_tfidf`` the
component's own TF-IDF of character 2-4-grams (measured better: docs/benchmarks.md). They
are strong where the training data has examples written like the tip.
Placed after another intent classifier (DIET), it blends the two rankings: ``weight`` x
its probabilities + (1 - weight) x the other's; alone (or ``weight: 1``) it decides.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.preprocessing import normalize

from bot.nlu.char_ngrams import CharNgrams
from bot.nlu.linear import LinearModel
from bot.nlu.sentence_featurizer import ALIAS, embedding_of, text_of

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
        return {"featurizer": ALIAS, "weight": 1.0, "c": 10.0, "sparse_weight": 0.0,
                "sparse": "pipeline", "max_ngrams": 20000}

    def __init__(self, config: Dict[str, Any], storage: ModelStorage, resource: Resource,
                 model: Optional[LinearModel] = None,
                 ngrams: Optional[CharNgrams] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        if self.config["sparse"] not in ("pipeline", "char_tfidf"):
            raise ValueError(f"sparse: {self.config['sparse']!r}: pipeline or char_tfidf")
        self._storage, self._resource = storage, resource
        self.model, self.ngrams = model, ngrams

    @property
    def _own_ngrams(self) -> bool:
        return self.config["sparse"] == "char_tfidf" and float(self.config["sparse_weight"]) > 0

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EmbeddingIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> EmbeddingIntentClassifier:
        with model_storage.read_from(resource) as directory:
            ngrams = (CharNgrams.load(directory, "intents")
                      if (directory / "intents.vocabulary.json").exists() else None)
            return cls(config, model_storage, resource, LinearModel.load(directory, "intents"),
                       ngrams)

    def features(self, messages: List[Message]) -> Optional[Any]:
        """One row per message: the sentence vector, then the scaled sparse features."""
        vectors = [embedding_of(m, self.config["featurizer"]) for m in messages]
        if any(vector is None for vector in vectors):
            return None
        dense = csr_matrix(np.stack(vectors))
        weight = float(self.config["sparse_weight"])
        if weight <= 0:
            return dense
        if self._own_ngrams and self.ngrams is not None:
            texts = [text_of(m) or "" for m in messages]
            return hstack([dense, self.ngrams.transform(texts) * weight]).tocsr()
        rows = []
        for message in messages:  # a message without sparse features gets zeros
            sentence = message.get_sparse_features(TEXT)[1]
            width = (self.model.weights.shape[1] - dense.shape[1]) if self.model else 0
            rows.append(csr_matrix(sentence.features) if sentence is not None
                        else csr_matrix((1, width)))
        sparse = normalize(vstack(rows).tocsr()) * weight
        return hstack([dense, sparse]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT)]
        if self._own_ngrams:
            self.ngrams = CharNgrams(max_features=int(self.config["max_ngrams"])).fit(
                [text_of(m) or "" for m in examples])
        matrix = self.features(examples)
        if matrix is None or len({m.get(INTENT) for m in examples}) < 2:
            raise ValueError("EmbeddingIntentClassifier needs examples of two intents or more, "
                             "featurized by SentenceEncoderFeaturizer")
        self.model = LinearModel.fit(matrix, [m.get(INTENT) for m in examples],
                                     c=float(self.config["c"]))
        with self._storage.write_to(self._resource) as directory:
            self.model.save(directory, "intents")
            if self.ngrams is not None:
                self.ngrams.save(directory, "intents")
        log.info("embedding intent classifier trained on %d examples", len(examples))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None:
            return messages
        for message in messages:
            row_features = self.features([message])
            if row_features is None:
                continue
            row = self.model.probabilities(row_features)[0]
            own = {name: float(p) for name, p in zip(self.model.classes, row, strict=True)}
            ranking = blend(own, message.get(INTENT_RANKING_KEY) or [],
                            float(self.config["weight"]))
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
