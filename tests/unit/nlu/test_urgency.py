"""UrgencyClassifier: trained on data/urgency, judged on the vector or the lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sentence_featurizer import SentenceEncoderFeaturizer
from bot.nlu.urgency import UrgencyClassifier, load_urgency_examples
from harness.servers import ROOT

URGENCY_DATA = ROOT / "data" / "urgency"


def context() -> ExecutionContext:
    return ExecutionContext(graph_schema=None, node_name="test")  # type: ignore[arg-type]


class Judge:
    """The featurizer and the loaded classifier, as Rasa runs them on a message."""

    def __init__(self, featurizer: SentenceEncoderFeaturizer,
                 classifier: UrgencyClassifier) -> None:
        self.featurizer, self.classifier = featurizer, classifier

    def __call__(self, text: str) -> dict:
        message = Message({"text": text})
        self.featurizer.process([message])
        self.classifier.process([message])
        return message.get("urgency")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Judge:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("urgency")
    featurizer = SentenceEncoderFeaturizer.create(
        SentenceEncoderFeaturizer.get_default_config(), storage, resource, context())
    calm = [Message({"text": t, "intent": "greet"}) for t in ("hello", "bonjour", "hola")]
    data = featurizer.process_training_data(TrainingData(calm))
    classifier = UrgencyClassifier.create({"urgency_data": str(URGENCY_DATA)}, storage,
                                          resource, context())
    classifier.train(data)
    # what Rasa does when it serves the model: load from the model storage
    loaded = UrgencyClassifier.load({"urgency_data": str(URGENCY_DATA)}, storage, resource,
                                    context())
    return Judge(featurizer, loaded)


def test_every_community_language_has_urgent_and_calm_examples() -> None:
    from bot.language.config import load_language_config

    community = load_language_config(ROOT / "data" / "languages.yml").community
    files = {path.stem for path in URGENCY_DATA.glob("*.yml")}
    assert set(community) <= files
    pairs = load_urgency_examples(URGENCY_DATA)
    assert sum(urgent for _, urgent in pairs) >= 10 * len(community)
    assert sum(not urgent for _, urgent in pairs) >= 10 * len(community)


@pytest.mark.parametrize("text", [
    "a girl is locked in the back of a truck at the crossing right now please hurry",
    "ils sont en train de traverser la rivière en ce moment avec des enfants",
    "un hombre tiene una pistola en la gasolinera ahorita",
])
def test_urgent_tips_are_urgent(trained: Judge, text: str) -> None:
    assert trained(text)["urgent"] is True


@pytest.mark.parametrize("text", [
    "last summer my neighbour sold cigarettes from the reserve, that is all over",
    "hello",
    "il y a deux ans un camion passait de la drogue chaque vendredi",
])
def test_calm_messages_are_not_urgent(trained: Judge, text: str) -> None:
    assert trained(text)["urgent"] is False


def test_the_lexicon_catches_what_the_model_misses(trained: Judge) -> None:
    verdict = trained.classifier.judge("call 911", vector=None)  # no vector: the lexicon alone
    assert verdict == {"urgent": True, "confidence": 0.0, "by": "lexicon"}


def test_an_example_file_with_an_empty_entry_is_refused(tmp_path: Path) -> None:
    (tmp_path / "xx.yml").write_text("urgent: ['help now', '']\nnot_urgent: [hi]\n")
    with pytest.raises(ValueError, match="empty"):
        load_urgency_examples(tmp_path)


def test_the_threshold_is_chosen_by_cross_validation_and_kept_in_the_model(
        trained: Judge) -> None:
    """threshold: auto -> a value learnt from the training data, stored and loaded back."""
    threshold = trained.classifier.threshold
    assert 0.0 < threshold < 1.0 and threshold != 0.5
    verdict = trained("un hombre tiene una pistola en la gasolinera ahorita")
    assert verdict["by"] == "model" and verdict["confidence"] >= threshold


def test_a_fixed_threshold_in_the_config_is_used_as_is(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    classifier = UrgencyClassifier.create({"threshold": 0.8}, storage, Resource("u"), context())
    assert classifier.threshold == 0.8
