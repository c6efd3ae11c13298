"""Urgency training: translations kept in one cross-validation fold, hard negatives weighted."""

from __future__ import annotations

import numpy as np

from bot.nlu.urgency_features import (
    Features,
    UrgencySettings,
    out_of_fold_scores,
    read_urgency_data,
    sample_weights,
)
from harness.servers import ROOT

URGENCY_DATA = ROOT / "data" / "urgency"


def test_each_example_has_a_group_and_the_translations_of_a_block_share_it() -> None:
    examples = read_urgency_data(URGENCY_DATA)
    pairs = [(e.text, e.urgent) for e in examples]
    groups = [e.group for e in examples]
    # the last urgent example of every language file is in one group (the same block)
    last = {groups[i] for i, (_, urgent) in enumerate(pairs)
            if urgent and (i + 1 == len(pairs) or not pairs[i + 1][1])}
    assert len(last) == 1
    # an urgent example and a calm one never share a group
    urgent_groups = {g for (_, u), g in zip(pairs, groups, strict=True) if u}
    calm_groups = {g for (_, u), g in zip(pairs, groups, strict=True) if not u}
    assert not urgent_groups & calm_groups


def auc(scores: np.ndarray, y: np.ndarray) -> float:
    """Probability that an urgent example scores above a calm one."""
    pos, neg = scores[y], scores[~y]
    return float((pos[:, None] > neg[None, :]).mean())


def test_grouped_folds_do_not_score_an_example_with_its_translation_in_training() -> None:
    # 60 examples with random labels (nothing to learn), each written in 3 "languages"
    # (the same vector with a little noise): a model that sees the translations in
    # training scores the example as if it had learnt something
    rng = np.random.default_rng(3)
    base = rng.normal(size=(60, 32))
    labels = rng.random(60) < 0.5
    vectors = np.vstack([base + rng.normal(scale=0.05, size=base.shape) for _ in range(3)])
    y = np.concatenate([labels] * 3)
    groups = [f"g{i}" for i in range(60)] * 3
    texts = ["x"] * len(y)
    sources = np.where(y, "urgent", "hard")
    settings = UrgencySettings(c=10.0, sparse_weight=0.0)
    features = Features.fit(settings, texts)
    leaky = out_of_fold_scores(UrgencySettings(c=10.0, sparse_weight=0.0, grouped=False),
                               features, vectors, texts, y, sources, groups)
    honest = out_of_fold_scores(settings, features, vectors, texts, y, sources, groups)
    assert auc(leaky, y) > 0.8
    assert auc(honest, y) < 0.65


def test_hard_negatives_weigh_hard_weight_times_a_tip_and_classes_are_balanced() -> None:
    y = np.array([True] * 3 + [False] * 9)
    sources = np.array(["urgent"] * 3 + ["hard"] * 3 + ["tip"] * 6)
    plain = sample_weights(UrgencySettings(), y, sources)
    assert np.isclose(plain[y].sum(), plain[~y].sum())
    weighted = sample_weights(UrgencySettings(hard_weight=2.0), y, sources)
    assert np.isclose(weighted[3], 2.0 * weighted[6])
    assert np.isclose(weighted[0], plain[0])
