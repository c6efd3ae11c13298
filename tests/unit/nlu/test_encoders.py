"""The multilingual encoder: offline from the installed package, capped input, cache."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from bot.nlu.encoders import CachedEncoder, EncoderSpec, get_encoder
from harness.servers import ROOT

OFFLINE_PROBE = """
import json, socket
from bot.nlu.encoders import EncoderSpec, get_encoder
try:
    socket.create_connection(("192.0.2.1", 443), timeout=1)
    network = True
except OSError:
    network = False
vectors = get_encoder(EncoderSpec()).encode(["Vi drogas en Blaine", "ਸਰੀ ਵਿੱਚ ਨਸ਼ੇ ਦੇਖੇ"])
print(json.dumps({"network": network, "shape": list(vectors.shape),
                  "norms": [float(n) for n in np.linalg.norm(vectors, axis=1)]}))
""".replace("import json, socket", "import json, socket\nimport numpy as np")


def test_the_encoder_loads_and_encodes_with_no_network() -> None:
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is needed to run without a network")
    done = subprocess.run(
        ["unshare", "--net", sys.executable, "-c", OFFLINE_PROBE], cwd=ROOT,
        capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["network"] is False  # the probe really ran without a network
    assert result["shape"] == [2, 384]
    assert all(abs(norm - 1.0) < 1e-3 for norm in result["norms"])


def test_the_same_tip_in_two_languages_is_closer_than_an_unrelated_message() -> None:
    encoder = get_encoder(EncoderSpec())
    english, punjabi, greeting = encoder.encode([
        "a woman is held against her will in a basement",
        "ਇੱਕ ਔਰਤ ਨੂੰ ਉਸਦੀ ਮਰਜ਼ੀ ਦੇ ਖ਼ਿਲਾਫ਼ ਤਹਿਖ਼ਾਨੇ ਵਿੱਚ ਰੱਖਿਆ ਹੋਇਆ ਹੈ",
        "hello, good morning",
    ])
    assert float(english @ punjabi) > float(english @ greeting)


class CountingEncoder:
    name, dim = "counting", 3

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts):  # noqa: ANN001, ANN201
        self.seen += list(texts)
        return np.ones((len(texts), 3), dtype=np.float32) / np.sqrt(3)


def test_input_is_capped_cleaned_and_each_text_encoded_once() -> None:
    inner = CountingEncoder()
    encoder = CachedEncoder(inner, max_chars=10)
    vectors = encoder.encode(["x" * 100_000, "a\ud800b", "   ", "x" * 100_000])
    assert vectors.shape == (4, 3)
    assert inner.seen == ["x" * 10, "a?b", "."]  # capped, surrogate replaced, never empty


def test_an_unknown_encoder_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown encoder"):
        get_encoder(EncoderSpec(kind="nope"))


def test_a_bigger_local_model_needs_a_folder() -> None:
    with pytest.raises(ValueError, match="model_path"):
        get_encoder(EncoderSpec(kind="sentence_transformers", model_path="/nonexistent"))
