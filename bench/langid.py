"""Language identification: seeded langdetect alone versus the tip line's LanguageIdentifier.

For each language of bench/data/langid.yml and each kind of text (single words, word pairs,
sentences) it prints: langdetect's accuracy (top answer among the configured languages)
and mean time per text; ours: top-answer accuracy, coverage (share it calls reliable),
accuracy on those reliable texts, and mean time per text.

    .venv/bin/python -m bench.langid [--low-accuracy] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import langdetect
import yaml
from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from bot.language import LanguageIdentifier, load_language_config
from bot.settings import DATA_DIR

DATA = Path(__file__).resolve().parent / "data" / "langid.yml"
KINDS = ("words", "pairs", "sentences")


@dataclass
class Row:
    """Counts and timings for one (language, kind) cell."""

    n: int = 0
    baseline_right: int = 0
    right: int = 0
    reliable: int = 0
    reliable_right: int = 0
    baseline_times: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def add(self, other: Row) -> None:
        for name in ("n", "baseline_right", "right", "reliable", "reliable_right"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.baseline_times += other.baseline_times
        self.times += other.times


def langdetect_alone(languages: list[str]) -> Callable[[str], str]:
    """Seeded langdetect restricted to the configured languages' profiles."""
    folder = Path(langdetect.__file__).parent / "profiles"
    names = [n for c in languages for n in (("zh-cn", "zh-tw") if c == "zh" else (c,))]
    factory = DetectorFactory()
    factory.load_json_profile([(folder / n).read_text(encoding="utf-8") for n in names])
    factory.set_seed(0)

    def detect(text: str) -> str:
        detector = factory.create()
        detector.append(text)
        try:
            return detector.detect().split("-")[0]
        except LangDetectException:
            return "und"

    return detect


def timed(function: Callable[[str], object], text: str, repeat: int) -> tuple[object, float]:
    started = time.perf_counter()
    for _ in range(repeat):
        result = function(text)
    return result, (time.perf_counter() - started) / repeat


def rss_mb() -> float:
    """Resident memory of this process (Linux), in MB."""
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    - "


def ms(values: list[float]) -> str:
    return f"{statistics.fmean(values) * 1000:6.2f}" if values else "     -"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--languages", type=Path, default=DATA_DIR / "languages.yml")
    parser.add_argument("--low-accuracy", action="store_true", help="lingua trigram models only")
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions per text")
    args = parser.parse_args(argv)

    config = load_language_config(args.languages)
    data = yaml.safe_load(args.data.read_text(encoding="utf-8"))
    before = rss_mb()
    started = time.perf_counter()
    ours = LanguageIdentifier(config.community, config.min_letters, config.min_confidence,
                              low_accuracy=args.low_accuracy)
    load = time.perf_counter() - started
    grown = rss_mb() - before
    baseline = langdetect_alone(list(config.community))
    for text in ("warm up the detectors", "ok"):
        ours.identify(text), baseline(text)

    rows: dict[tuple[str, str], Row] = {}
    for language, kinds in data.items():
        for kind in KINDS:
            row = rows.setdefault((language, kind), Row())
            for text in kinds.get(kind, []):
                found, spent = timed(baseline, text, args.repeat)
                guess, ours_spent = timed(ours.identify, text, args.repeat)
                row.n += 1
                row.baseline_right += found == language
                row.baseline_times.append(spent)
                row.right += guess.code == language  # type: ignore[attr-defined]
                if guess.reliable:  # type: ignore[attr-defined]
                    row.reliable += 1
                    row.reliable_right += guess.code == language  # type: ignore[attr-defined]
                row.times.append(ours_spent)

    mode = "low accuracy (trigrams)" if args.low_accuracy else "high accuracy"
    print(f"LanguageIdentifier: {len(config.community)} languages, lingua {mode}; "
          f"load {load:.2f} s, +{grown:.0f} MB RSS; min_letters={config.min_letters}, "
          f"min_confidence={config.min_confidence}")
    header = (f"{'lang':4} {'kind':9} {'n':>3} | {'langdetect':>10} {'ms':>6} | {'ours top1':>9} "
              f"{'coverage':>8} {'acc@rel':>7} {'ms':>6}")
    print(header)
    print("-" * len(header))
    totals = {kind: Row() for kind in KINDS}
    for (language, kind), row in rows.items():
        if not row.n:
            continue
        totals[kind].add(row)
        print(_line(language, kind, row))
    print("-" * len(header))
    for kind, row in totals.items():
        print(_line("all", kind, row))
    print("langdetect: top answer of seeded langdetect among the configured languages. "
          "ours top1: our code whether reliable or not;\ncoverage: share called reliable; "
          "acc@rel: accuracy on the texts called reliable; ms: mean time per text.")


def _line(language: str, kind: str, row: Row) -> str:
    return (f"{language:4} {kind:9} {row.n:3d} | {pct(row.baseline_right, row.n):>10} "
            f"{ms(row.baseline_times)} | {pct(row.right, row.n):>9} "
            f"{pct(row.reliable, row.n):>8} {pct(row.reliable_right, row.reliable):>7} "
            f"{ms(row.times)}")


if __name__ == "__main__":
    main()
