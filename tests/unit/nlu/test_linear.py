"""LinearModel: fitted with scikit-learn, saved as arrays, same answers after loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.nlu.linear import LinearModel


def test_a_saved_model_gives_the_same_probabilities(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    vectors = np.vstack([rng.normal(1, 0.3, (20, 4)), rng.normal(-1, 0.3, (20, 4))])
    labels = ["urgent"] * 20 + ["calm"] * 20
    model = LinearModel.fit(vectors, labels)
    model.save(tmp_path, "m")
    loaded = LinearModel.load(tmp_path, "m")
    assert loaded.classes == ["calm", "urgent"]
    probabilities = loaded.probabilities(vectors)
    np.testing.assert_allclose(probabilities, model.probabilities(vectors), rtol=1e-5)
    predicted = [loaded.classes[i] for i in probabilities.argmax(axis=1)]
    assert predicted == labels
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_three_classes_are_a_softmax(tmp_path: Path) -> None:
    vectors = np.eye(3).repeat(5, axis=0)
    model = LinearModel.fit(vectors, ["a"] * 5 + ["b"] * 5 + ["c"] * 5)
    assert model.weights.shape == (3, 3)
    assert [model.classes[i] for i in model.probabilities(np.eye(3)).argmax(axis=1)] == [
        "a", "b", "c"]
