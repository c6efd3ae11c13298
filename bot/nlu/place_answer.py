"""A short answer that names a border place ("Stanstead", "ਸਰੀ") is the answer "where?".

Placed after the intent classifiers: a message of at most ``max_words`` words that names a
gazetteer place, and that is not a tip of its own, becomes intent ``inform`` with a
``location`` entity, so the tip form takes it as the place in any language (a lone place
name otherwise looks like nothing the classifiers know, and may read as a greeting).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.conversation import TIP_CATEGORIES, word_count
from bot.nlu.sentence_featurizer import text_of


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
                          is_trainable=False)
class PlaceAnswerClassifier(GraphComponent):
    """Turns a short message naming a border place into ``inform`` + ``location``."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"max_words": 4}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.max_words = int(config.get("max_words", 4))
        self._gazetteer = None

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> PlaceAnswerClassifier:
        return cls({**cls.get_default_config(), **config})

    @property
    def gazetteer(self):  # noqa: ANN201 - the deployment's gazetteer, loaded on first use
        if self._gazetteer is None:
            from bot.routing.router import get_router

            self._gazetteer = get_router().gazetteer
        return self._gazetteer

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = text_of(message)
            intent = (message.get(INTENT) or {}).get("name")
            if (not text or text.startswith("/") or intent in TIP_CATEGORIES
                    or word_count(text) > self.max_words):
                continue
            if not self.gazetteer.find_places(text):
                continue
            entity = {"entity": "location", "value": text.strip(), "start": 0,
                      "end": len(text), "extractor": type(self).__name__}
            others = [e for e in message.get(ENTITIES) or [] if e.get("entity") != "location"]
            inform = {"name": "inform", "confidence": 1.0}
            message.set(INTENT, inform, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [inform], add_to_output=True)
            message.set(ENTITIES, [*others, entity], add_to_output=True)
        return messages
