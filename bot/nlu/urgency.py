"""UrgencyClassifier: is someone in danger now, or a crossing under way? In any language.

Urgency is its own dimension, independent of the tip's category. Two signals, either one
is enough (a missed urgent tip is the worst failure, so recall wins over precision):
- a logistic regression over the multilingual sentence vector and character n-grams
  ("ahora mismo", "지금", "hadda": the words of the moment, in any script), trained on
  ``data/urgency/<lang>.yml`` (urgent and not-urgent tips written natively) plus, as not
  urgent, the NLU data's conversation examples and its tips that no urgency phrase of the
  lexicon marks (most tips are not urgent: without them the model learns "tip or chat");
  the hard negatives of data/urgency weigh ``hard_weight`` times more.
  Its threshold is chosen at training time by 5-fold cross-validation on the training
  data (``threshold: auto``): the highest one under which at most ``cv_miss`` of the urgent
  examples that no lexicon phrase catches fall; the translations of one example stay in
  one fold (``grouped``), else the model is scored on sentences it has seen in another
  language and the threshold comes out too high; never tuned on the held-out tips;
- the urgency phrases of the routing lexicon (``data/routing/lexicon.yml``).
The result is ``urgency`` in the parse data: ``{"urgent", "confidence", "by"}``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.char_ngrams import CharNgrams
from bot.nlu.encoders import get_encoder, spec_for
from bot.nlu.linear import LinearModel
from bot.nlu.properties import URGENCY
from bot.nlu.sentence_featurizer import ALIAS, embedding_of, text_of
from bot.nlu.urgency_features import (
    Features,
    UrgencySettings,
    cv_threshold,
    fit_scorer,
    out_of_fold_scores,
    read_urgency_data,
    urgency,
)

log = logging.getLogger(__name__)
# Intents whose examples are never urgent (short conversation turns).
CALM_INTENTS = ("greet", "goodbye", "affirm", "deny", "dont_know", "thank", "ask_anonymity",
                "ask_awareness", "ask_ibet", "ask_how_it_works", "check_status",
                "out_of_scope", "forget_me")


def load_urgency_examples(directory: Path) -> List[Tuple[str, bool]]:
    """(text, urgent) pairs of every ``<lang>.yml`` in ``directory``."""
    return [(e.text, e.urgent) for e in read_urgency_data(directory)]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UrgencyClassifier(GraphComponent):
    """Sets ``urgency`` on each user message from its sentence vector and the lexicon."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"urgency_data": "data/urgency", "threshold": "auto", "cv_miss": 0.05,
                "featurizer": ALIAS, "use_lexicon": True, "c": 1.0, "sparse_weight": 0.5,
                "hard_weight": 1.0, "grouped": True}

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
            ngrams = (CharNgrams.load(directory, "urgency")
                      if (directory / "urgency.vocabulary.json").exists() else None)
            return cls(config, model_storage, resource, LinearModel.load(directory, "urgency"),
                       ngrams, float(threshold))

    def train(self, training_data: TrainingData) -> Resource:
        directory = Path(self.config["urgency_data"])
        examples = read_urgency_data(directory)
        pairs = [(e.text, e.urgent) for e in examples]
        urgent = {text for text, is_urgent in pairs if is_urgent}
        calm = [(text, m.get("intent") in CALM_INTENTS) for m in training_data.intent_examples
                if (text := text_of(m)) and text not in urgent and (
                    m.get("intent") in CALM_INTENTS or not self.lexicon.is_urgent([text]))]
        texts = [t for t, _ in pairs] + [t for t, _ in calm]
        y = np.array([u for _, u in pairs] + [False] * len(calm))
        if not texts or y.all() or not y.any():
            raise ValueError(f"{directory}: urgent and not urgent examples are both required")
        sources = np.array(["urgent" if u else "hard" for _, u in pairs]
                           + ["chat" if chat else "tip" for _, chat in calm])
        groups = [e.group for e in examples] + [f"nlu:{i}" for i in range(len(calm))]
        settings = self.settings
        vectors = get_encoder(spec_for(self.config["featurizer"])).encode(texts)
        features = Features.fit(settings, texts)
        self.ngrams = features.ngrams
        self.model = fit_scorer(settings, features.matrix(vectors, texts), y, sources)
        if self.config["threshold"] == "auto":
            scores = out_of_fold_scores(settings, features, vectors, texts, y, sources, groups)
            caught = np.array([self.lexicon.is_urgent([t]) for t in texts])
            self.threshold = cv_threshold(settings, scores, y, caught, self._fixed_threshold())
        with self._storage.write_to(self._resource) as out:
            self.model.save(out, "urgency")
            if self.ngrams is not None:
                self.ngrams.save(out, "urgency")
            (out / "threshold.json").write_text(json.dumps(self.threshold), "utf-8")
        log.info("urgency model trained on %d examples, threshold %.3f", len(texts),
                 self.threshold)
        return self._resource

    @property
    def settings(self) -> UrgencySettings:
        """The training settings of config.yml's entry."""
        return UrgencySettings(c=float(self.config["c"]),
                               sparse_weight=float(self.config["sparse_weight"]),
                               hard_weight=float(self.config["hard_weight"]),
                               cv_miss=float(self.config["cv_miss"]),
                               grouped=bool(self.config["grouped"]))

    def _features(self, vectors: np.ndarray, texts: List[str]) -> Any:
        """The sentence vector, then the scaled character n-grams of the text."""
        return Features(self.ngrams, float(self.config["sparse_weight"])).matrix(vectors, texts)

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
            confidence = float(urgency(self.model, self._features(vector, [text]))[0])
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
