"""Language identification of short, SMS-style tips.

The dominant script of the text narrows the candidates; a script that only one configured
language uses decides it. Otherwise lingua (high accuracy on short texts, well calibrated)
and a seeded langdetect (deterministic) score the candidates; lingua's answer is kept, and
the two agreeing is what makes a short text confident (see bench/langid.py).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import langdetect
from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException
from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from bot.language.romanised import RomanisedMarkers
from bot.language.scripts import LANGUAGE_SCRIPTS, keep_script, script_counts

UNDETERMINED = "und"
MAX_CHARS = 2000  # detection reads the beginning of long texts only
LANGDETECT_WEIGHT = 0.7  # how much an agreeing langdetect vote counts
SCRIPT_MIN_LETTERS = 2  # a script of its own needs no more than this (weighted) to decide
_NOISE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|@\w+", re.IGNORECASE)


@dataclass(frozen=True)
class LanguageGuess:
    """ISO 639-1 code (``und`` when nothing can be said), confidence 0..1, reliability."""

    code: str
    confidence: float
    reliable: bool


UNDETERMINED_GUESS = LanguageGuess(UNDETERMINED, 0.0, False)


class LanguageIdentifier:
    """Identifies the language of a text among the configured languages (thread-safe)."""

    def __init__(
        self,
        languages: Iterable[str],
        min_letters: int = 12,
        min_confidence: float = 0.8,
        *,
        low_accuracy: bool = False,
        romanised: RomanisedMarkers | None = None,
    ) -> None:
        """`low_accuracy`: lingua trigram models only (~30 MB instead of ~450 MB, weaker on
        words and pairs: see bench/langid.py). `romanised`: marker words of languages
        also written in Latin letters (Punjabi, Hindi, Urdu), which the detectors miss."""
        self.romanised = romanised
        self.languages = tuple(dict.fromkeys(languages))
        unknown = [code for code in self.languages if code not in LANGUAGE_SCRIPTS]
        if unknown:
            raise ValueError(f"languages not supported by the detectors: {', '.join(unknown)}")
        if not self.languages:
            raise ValueError("at least one language is needed")
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        self._candidates: dict[str, tuple[str, ...]] = {}
        for code in self.languages:
            for script in LANGUAGE_SCRIPTS[code]:
                self._candidates[script] = (*self._candidates.get(script, ()), code)
        shared = sorted(
            {code for group in self._candidates.values() if len(group) > 1 for code in group}
        )
        self._lingua = _build_lingua(shared, low_accuracy)
        self._langdetect = _build_langdetect(shared)

    def identify(self, text: str) -> LanguageGuess:
        """The language of `text`; never raises for any string."""
        text = (text or "")[: MAX_CHARS * 2].encode("utf-8", "replace").decode("utf-8")
        text = _NOISE.sub(" ", unicodedata.normalize("NFC", text))
        counts = script_counts(text)
        if not counts:
            return UNDETERMINED_GUESS
        script, letters = max(counts.items(), key=lambda item: (item[1], item[0]))
        candidates = self._candidates.get(script, ())
        if not candidates:
            return UNDETERMINED_GUESS
        if len(candidates) == 1:
            return LanguageGuess(candidates[0], 1.0, letters >= SCRIPT_MIN_LETTERS)
        part = keep_script(text, script)[:MAX_CHARS]
        code, confidence = combine(self.lingua_scores(part, candidates),
                                   self.langdetect_scores(part, candidates))
        reliable = letters >= self.min_letters and confidence >= self.min_confidence
        romanised = self.romanised.identify(part) if self.romanised and script == "Latin" else None
        if romanised and (romanised[1] > self.romanised.min_markers or not reliable):
            # enough marker words of romanised Punjabi, Hindi or Urdu: the statistical
            # detectors have no model of those and would say English or Tagalog
            return LanguageGuess(romanised[0], 0.9, letters >= self.min_letters)
        if code == UNDETERMINED:
            return UNDETERMINED_GUESS
        return LanguageGuess(code, round(confidence, 4), reliable)

    def lingua_scores(self, text: str, candidates: tuple[str, ...]) -> dict[str, float]:
        """Lingua's confidence per candidate, normalised over the candidates."""
        if self._lingua is None:
            return {}
        values = self._lingua.compute_language_confidence_values(text)
        scores = {
            code: value.value
            for value in values
            if (code := value.language.iso_code_639_1.name.lower()) in candidates
        }
        return _normalised(scores)

    def langdetect_scores(self, text: str, candidates: tuple[str, ...]) -> dict[str, float]:
        """Seeded langdetect's probability per candidate, normalised over the candidates."""
        if self._langdetect is None:
            return {}
        detector = self._langdetect.create()  # a fresh detector (own seeded RNG) per call
        detector.append(text)
        try:
            found = detector.get_probabilities()
        except LangDetectException:  # no usable features
            return {}
        scores: dict[str, float] = {}
        for item in found:
            code = item.lang.split("-")[0]
            if code in candidates:
                scores[code] = scores.get(code, 0.0) + item.prob
        return _normalised(scores)


def combine(lingua: dict[str, float], langdetect: dict[str, float]) -> tuple[str, float]:
    """Lingua's best candidate, with more confidence when langdetect picks it too.

    Lingua is the better judge of short texts and is well calibrated, but it spreads its
    confidence over related languages (many correct sentences got less than 0.8). An
    agreeing langdetect counts as an independent vote worth `LANGDETECT_WEIGHT` of its
    probability (it is overconfident: 1.0 even when wrong). Numbers: bench/langid.py.
    """
    if not lingua:
        if not langdetect:
            return UNDETERMINED, 0.0
        code = max(langdetect, key=langdetect.__getitem__)
        return code, LANGDETECT_WEIGHT * langdetect[code]
    code = max(lingua, key=lingua.__getitem__)
    confidence = lingua[code]
    if langdetect and max(langdetect, key=langdetect.__getitem__) == code:
        confidence = 1 - (1 - confidence) * (1 - LANGDETECT_WEIGHT * langdetect[code])
    return code, confidence


def _normalised(scores: dict[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    if total <= 0:
        return {}
    return {code: value / total for code, value in scores.items() if value > 0}


def _build_lingua(codes: list[str], low_accuracy: bool) -> LanguageDetector | None:
    if len(codes) < 2:
        return None
    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in codes]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


def _build_langdetect(codes: list[str]) -> DetectorFactory | None:
    if len(codes) < 2:
        return None
    folder = os.path.join(os.path.dirname(langdetect.__file__), "profiles")
    names = [name for code in codes for name in (("zh-cn", "zh-tw") if code == "zh" else (code,))]
    profiles = []
    for name in names:
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            profiles.append(handle.read())
    factory = DetectorFactory()
    factory.load_json_profile(profiles)
    factory.set_seed(0)  # every detector it creates is seeded: same text, same answer
    return factory


