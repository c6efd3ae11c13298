"""EmbeddingIntentClassifier: trained on sentence vectors (and sparse features), blendable."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.embedding_classifier import EmbeddingIntentClassifier, blend
from bot.nlu.sentence_featurizer import SentenceEncoderFeaturizer

EXAMPLES = {
    "drug_smuggling": ["they hide cocaine in the truck", "bags of meth crossed the border",
                       "mon voisin passe de la drogue", "pasan droga en lanchas"],
    "greet": ["hello", "bonjour", "hola buenos dias", "hi there"],
}


def featurized_examples(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A model storage, a context, the sentence featurizer and EXAMPLES featurized by it."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(graph_schema=None, node_name="test")  # type: ignore[arg-type]
    featurizer = SentenceEncoderFeaturizer.create(
        SentenceEncoderFeaturizer.get_default_config(), storage, Resource("f"), context)
    data = TrainingData([Message({"text": text, "intent": intent})
                         for intent, texts in EXAMPLES.items() for text in texts])
    featurizer.process_training_data(data)
    return storage, context, featurizer, data


def test_blend_mixes_both_rankings_and_keeps_the_best_first() -> None:
    ranking = blend({"a": 0.8, "b": 0.2}, [{"name": "b", "confidence": 0.9},
                                           {"name": "c", "confidence": 0.1}], 0.5)
    assert [item["name"] for item in ranking] == ["b", "a", "c"]
    assert ranking[0]["confidence"] == pytest.approx(0.55)
    assert blend({"a": 1.0}, [], 0.5) == [{"name": "a", "confidence": 1.0}]


def test_what_english_french_and_spanish_teach_carries_to_other_languages(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    storage, context, featurizer, data = featurized_examples(tmp_path_factory)
    classifier = EmbeddingIntentClassifier.create({"weight": 1.0}, storage, Resource("c"),
                                                  context)
    classifier.train(data)
    loaded = EmbeddingIntentClassifier.load({"weight": 1.0}, storage, Resource("c"), context)
    messages = [Message({"text": "ਉਹ ਟਰੱਕ ਵਿੱਚ ਨਸ਼ੇ ਲੁਕਾ ਕੇ ਲਿਜਾਂਦੇ ਹਨ"}),
                Message({"text": "こんにちは"})]
    featurizer.process(messages)
    loaded.process(messages)
    assert [m.get("intent")["name"] for m in messages] == ["drug_smuggling", "greet"]


def test_its_own_character_ngrams_are_trained_stored_and_loaded_back(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    storage, context, featurizer, data = featurized_examples(tmp_path_factory)
    config = {"sparse": "char_tfidf", "sparse_weight": 0.5}
    EmbeddingIntentClassifier.create(config, storage, Resource("c"), context).train(data)
    loaded = EmbeddingIntentClassifier.load(config, storage, Resource("c"), context)
    assert loaded.ngrams is not None
    width = loaded.model.weights.shape[1]
    message = Message({"text": "pasan droga en lanchas " * 2000})  # huge: n-grams of its start
    featurizer.process([message])
    assert loaded.features([message]).shape == (1, width)
    loaded.process([message])
    assert message.get("intent")["name"] == "drug_smuggling"


def test_an_unknown_sparse_source_is_refused(tmp_path_factory: pytest.TempPathFactory) -> None:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(graph_schema=None, node_name="test")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="char_tfidf"):
        EmbeddingIntentClassifier.create({"sparse": "words"}, storage, Resource("c"), context)
