"""What the multilingual encoder costs: the pipeline before and after, side by side, one run.

"before" is the pipeline as it was before the multilingual encoder (DIET on word and
character n-grams, 80 epochs; its Translator step is left out since translation is off in
both), "after" is config.yml; both trained on today's data, with the same policies.
For each: training time, model load time and memory (a fresh process), NLU latency per
message (in-process parse of held-out tips), and the REST tip turn (real Rasa + action
server, SQLite, translation off), sequential.

    .venv/bin/python -m bench.nlu_cost [--turns 60] [--rounds 2] [--keep DIR]
        [--before-model PATH] [--after-model PATH]

``--keep DIR`` keeps the trained models there; ``--before-model``/``--after-model`` reuse a
trained model instead of training it (its training time is then not measured: "-"). The
turns of the two models are measured in alternated rounds, so that a change in the
machine's load weighs on both alike.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import yaml

from bench.stats import percentile
from harness.servers import (
    ROOT,
    TipLineStack,
    sqlite_tracker,
    stack_env,
    write_credentials,
    write_endpoints,
)

BEFORE_PIPELINE = [
    {"name": "bot.nlu.language_detector.LanguageDetector"},
    {"name": "WhitespaceTokenizer"}, {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"}, {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
    {"name": "DIETClassifier", "epochs": 80, "random_seed": 7, "constrain_similarities": True},
    {"name": "EntitySynonymMapper"},
    {"name": "FallbackClassifier", "threshold": 0.45, "ambiguity_threshold": 0.05},
    {"name": "bot.nlu.blank_message.BlankMessageClassifier"},
]
MEASURE = """
import asyncio, json, logging, resource, sys, time
from rasa.utils.common import configure_logging_and_warnings
configure_logging_and_warnings(logging.WARNING)
from rasa.core.agent import Agent
texts = json.loads(sys.argv[2])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
agent = Agent.load(sys.argv[1])
load = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
async def parse_all():
    await agent.parse_message("warm up")
    durations = []
    for text in texts:
        t = time.perf_counter(); await agent.parse_message(text)
        durations.append(time.perf_counter() - t)
    return durations
print(json.dumps({"load": load, "rss_mb": rss / 1024, "parse": asyncio.run(parse_all())}))
"""


def train(config: Path, out: Path, name: str) -> tuple[Path, float]:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot.serve", "rasa", "train", "--config", str(config),
                    "--domain", "domain.yml", "--data", "data/nlu", "data/rules", "--out",
                    str(out), "--fixed-model-name", name, "--force", "--quiet"],
                   cwd=ROOT, check=True, capture_output=True)
    return out / f"{name}.tar.gz", time.perf_counter() - start


def measure_nlu(model: Path, texts: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(model), json.dumps(texts)],
                          cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_turns(model: Path, texts: list[str], turns: int) -> list[float]:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        env = stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}")
        stack = TipLineStack(env, tmp, write_endpoints(tmp, sqlite_tracker(tmp)),
                             write_credentials(tmp), model=model).start()
        try:
            durations = []
            for i in range(turns + 5):
                start = time.perf_counter()
                requests.post(f"{stack.url}/webhooks/rest/webhook", timeout=60, json={
                    "sender": f"bench-{uuid.uuid4().hex}", "message": texts[i % len(texts)]},
                ).raise_for_status()
                if i >= 5:  # the first turns warm up
                    durations.append(time.perf_counter() - start)
            return durations
        finally:
            stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=60, help="turns per model and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="directory for the trained models")
    parser.add_argument("--before-model", type=Path)
    parser.add_argument("--after-model", type=Path)
    args = parser.parse_args()
    heldout = yaml.safe_load((ROOT / "bench/data/heldout_multilingual.yml").read_text("utf-8"))
    texts = [tip["text"] for tip in heldout["tips"]]
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as name:
        out = args.keep or Path(name)
        out.mkdir(parents=True, exist_ok=True)
        (out / "before.yml").write_text(yaml.safe_dump(dict(config, pipeline=BEFORE_PIPELINE)))
        given = {"before": args.before_model, "after": args.after_model}
        results = {}
        for label, path in (("before", out / "before.yml"), ("after", ROOT / "config.yml")):
            model, seconds = (given[label], None) if given[label] else train(path, out, label)
            results[label] = (model, seconds, measure_nlu(model, texts), [])
        for _ in range(args.rounds):
            for label in results:
                results[label][3].extend(measure_turns(results[label][0], texts, args.turns))
    print(f"{'':8}{'training':>10}{'load':>8}{'memory':>10}{'NLU p50':>10}{'NLU p95':>10}"
          f"{'turn p50':>10}{'turn p95':>10}")
    for label, (_, seconds, nlu, turns) in results.items():
        trained = f"{seconds:9.0f}s" if seconds is not None else f"{'-':>10}"
        print(f"{label:8}{trained}{nlu['load']:7.1f}s{nlu['rss_mb']:8.0f}MB"
              f"{percentile(nlu['parse'], 50) * 1000:8.1f}ms"
              f"{percentile(nlu['parse'], 95) * 1000:8.1f}ms"
              f"{percentile(turns, 50) * 1000:8.1f}ms{percentile(turns, 95) * 1000:8.1f}ms")
    ratio = percentile(results["after"][3], 50) / percentile(results["before"][3], 50)
    print(f"tip turn p50, after / before: {ratio:.2f}x")


if __name__ == "__main__":
    main()
