"""UrgencyClassifier: is someone in danger now, or a crossing under way? In any language.

Urgency is its own dimension, independent of the tip's category. Two signals, either one
is enough (a missed urgent tip is the worst failure, so recall wins over precision):
- a logistic regression over the multilingual sentence vector and character n-grams
  ("ahora mismo", "지금", "hadda": the words of the moment, in any script), trained on
  ``data/urgency/<lang>.yml`` (urgent and not-urgent tips written natively) plus, as not
  urgent, the NLU data's conversation examples and its tips that no urgency phrase of the
  lexicon marks (most tips are not urgent: without them the model learns "tip or chat").
  Its threshold is chosen at training time by 5-fold cross-validation on the training
  data (``threshold: auto``): the highest one under which at most ``cv_miss`` of the urgent
  examples that no lexicon phrase catches fall; never tuned on the held-out tips;
- the urgency phrases of the routing lexicon (``data/routing/lexicon.yml``).
The result is ``urgency`` in the parse data: ``{"urgent", "confidence", "by"}``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack

from bot.nlu.char_ngrams import CharNgrams
from bot.nlu.encoders import get_encoder, spec_for
from bot.nlu.linear import LinearModel
from bot.nlu.properties import URGENCY
from bot.nlu.sentence_featurizer import ALIAS, embedding_of, text_of

log = logging.getLogger(__name__)
# Intents whose examples are never urgent (short conversation turns).
CALM_INTENTS = ("greet", "goodbye", "affirm", "deny", "dont_know", "thank", "ask_anonymity",
                "ask_awareness", "ask_ibet", "ask_how_it_works", "check_status",
                "out_of_scope", "forget_me")


def load_urgency_examples(directory: Path) -> List[Tuple[str, bool]]:
    """(text, urgent) pairs of every ``<lang>.yml`` in ``directory``."""
    pairs: List[Tuple[str, bool]] = []
    for path in sorted(Path(directory).glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for label, urgent in (("urgent", True), ("not_urgent", False)):
            for text in raw.get(label) or []:
                if not isinstance(text, str) or not text.strip():
                    raise ValueError(f"{path}: empty or non-text example under {label}")
                pairs.append((text.strip(), urgent))
    return pairs


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UrgencyClassifier(GraphComponent):
    """Sets ``urgency`` on each user message from its sentence vector and the lexicon."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"urgency_data": "data/urgency", "threshold": "auto", "cv_miss": 0.05,
                "featurizer": ALIAS, "use_lexicon": True, "c": 1.0, "sparse_weight": 0.5}

    def __init__(self, config: Dict[str, Any], storage: ModelStorage, resource: Resource,
                 model: Optional[LinearModel] = None, ngrams: Optional[CharNgrams] = None,
                 threshold: Optional[float] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource = storage, resource
        self.model, self.ngrams = model, ngrams
        self.threshold = threshold if threshold is not None else self._fixed_threshold()
        self._lexicon = None

    def _fixed_threshold(self) -> float:
        value = self.config["threshold"]
        return 0.5 if value == "auto" else float(value)

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> UrgencyClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> UrgencyClassifier:
        with model_storage.read_from(resource) as directory:
            threshold = json.loads((directory / "threshold.json").read_text("utf-8"))
            return cls(config, model_storage, resource, LinearModel.load(directory, "urgency"),
                       CharNgrams.load(directory, "urgency"), float(threshold))

    def train(self, training_data: TrainingData) -> Resource:
        pairs = load_urgency_examples(Path(self.config["urgency_data"]))
        urgent = {text for text, is_urgent in pairs if is_urgent}
        calm = [text for m in training_data.intent_examples
                if (text := text_of(m)) and text not in urgent and (
                    m.get("intent") in CALM_INTENTS or not self.lexicon.is_urgent([text]))]
        texts = [t for t, _ in pairs] + calm
        labels = ["urgent" if u else "calm" for _, u in pairs] + ["calm"] * len(calm)
        if not texts or len(set(labels)) < 2:
            raise ValueError(f"{self.config['urgency_data']}: urgent and not urgent examples "
                             "are both required")
        vectors = get_encoder(spec_for(self.config["featurizer"])).encode(texts)
        self.ngrams = CharNgrams().fit(texts)
        features = self._features(vectors, texts)
        self.model = LinearModel.fit(features, labels, c=float(self.config["c"]))
        if self.config["threshold"] == "auto":
            caught = [self.lexicon.is_urgent([t]) for t in texts]
            self.threshold = self._cross_validated_threshold(features, labels, caught)
        with self._storage.write_to(self._resource) as directory:
            self.model.save(directory, "urgency")
            self.ngrams.save(directory, "urgency")
            (directory / "threshold.json").write_text(json.dumps(self.threshold), "utf-8")
        log.info("urgency model trained on %d examples, threshold %.3f", len(texts),
                 self.threshold)
        return self._resource

    def _features(self, vectors: np.ndarray, texts: List[str]) -> Any:
        """The sentence vector, then the scaled character n-grams of the text."""
        weight = float(self.config["sparse_weight"])
        if weight <= 0 or self.ngrams is None:
            return np.atleast_2d(vectors)
        return hstack([csr_matrix(np.atleast_2d(vectors)),
                       self.ngrams.transform(texts) * weight]).tocsr()

    def _cross_validated_threshold(self, features: Any, labels: List[str],
                                   caught: List[bool]) -> float:
        """The ``cv_miss`` quantile of the out-of-fold urgency of the urgent examples that
        the lexicon does not catch (those it catches are urgent whatever the model says)."""
        from sklearn.model_selection import StratifiedKFold

        y = np.array([label == "urgent" for label in labels])
        scores = np.zeros(len(labels))
        for train, test in StratifiedKFold(5, shuffle=True, random_state=7).split(features, y):
            fold = LinearModel.fit(features[train], [labels[i] for i in train],
                                   c=float(self.config["c"]))
            scores[test] = fold.probabilities(features[test])[:, fold.classes.index("urgent")]
        pool = scores[y & ~np.array(caught)]
        if not len(pool):
            return self._fixed_threshold()
        return float(np.quantile(pool, float(self.config["cv_miss"])))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = text_of(message)
            if text is None or text.startswith("/"):
                continue
            message.set(URGENCY, self.judge(text, embedding_of(message,
                                                                self.config["featurizer"])),
                        add_to_output=True)
        return messages

    def judge(self, text: str, vector: Optional[np.ndarray]) -> Dict[str, Any]:
        """Urgent or not, how sure, and which signal said so."""
        confidence = 0.0
        if vector is not None and self.model is not None:
            row = self.model.probabilities(self._features(vector, [text]))[0]
            confidence = float(row[self.model.classes.index("urgent")])
        if confidence >= self.threshold:
            return {"urgent": True, "confidence": round(confidence, 4), "by": "model"}
        if self.config["use_lexicon"] and self.lexicon.is_urgent([text]):
            return {"urgent": True, "confidence": round(confidence, 4), "by": "lexicon"}
        return {"urgent": False, "confidence": round(confidence, 4), "by": "model"}

    @property
    def lexicon(self):  # noqa: ANN201 - the routing lexicon, loaded on first use
        if self._lexicon is None:
            from bot.routing.router import get_router

            self._lexicon = get_router().lexicon
        return self._lexicon
