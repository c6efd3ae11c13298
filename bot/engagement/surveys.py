"""Community surveys (``data/surveys/<id>.yml``): loaded, checked, and the active one found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

KINDS = ("scale", "yesno", "choice")
YES_NO = ("yes", "no")


@dataclass(frozen=True)
class Question:
    """One question: ``scale`` (1-5), ``yesno`` (1 yes, 2 no) or ``choice`` (numbered)."""

    id: str
    kind: str
    text: Dict[str, str]
    choices: Tuple[Tuple[str, Dict[str, str]], ...] = ()

    @property
    def highest(self) -> int:
        return {"scale": 5, "yesno": 2}.get(self.kind, len(self.choices))

    def answer(self, number: int) -> str:
        """The stored value of answer ``number`` (already within 1..highest)."""
        if self.kind == "yesno":
            return YES_NO[number - 1]
        if self.kind == "choice":
            return self.choices[number - 1][0]
        return str(number)

    def values(self) -> List[str]:
        """Every possible stored answer, in order (the console's columns)."""
        return [self.answer(n) for n in range(1, self.highest + 1)]


@dataclass(frozen=True)
class Survey:
    id: str
    title: str
    languages: Tuple[str, ...]
    keywords: Dict[str, str]  # language -> keyword
    questions: Tuple[Question, ...]
    active_from: Optional[date] = None
    active_until: Optional[date] = None

    def active(self, today: date) -> bool:
        return ((self.active_from is None or self.active_from <= today)
                and (self.active_until is None or today <= self.active_until))

    def keyword_language(self, text: str) -> Optional[str]:
        """The language of the keyword ``text`` is (None: not one of this survey's)."""
        word = " ".join(text.split()).casefold()
        return next((lang for lang, key in self.keywords.items() if key.casefold() == word),
                    None)


def _question(raw: Dict[str, Any], languages: Tuple[str, ...], where: str,
              problems: List[str]) -> Question:
    qid, kind, text = str(raw.get("id", "")), raw.get("kind"), raw.get("text") or {}
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)}")
    missing = [lang for lang in languages if not str(text.get(lang, "")).strip()]
    if missing:
        problems.append(f"{where}: no text in {', '.join(missing)}")
    choices = tuple((str(c.get("id", "")), dict(c.get("text") or {}))
                    for c in raw.get("choices") or [])
    if kind == "choice" and not 2 <= len(choices) <= 9:
        problems.append(f"{where}: a choice question needs 2 to 9 choices")
    for cid, ctext in choices:
        if not cid or any(not str(ctext.get(lang, "")).strip() for lang in languages):
            problems.append(f"{where}: choice {cid or '?'} needs an id and a text per language")
    return Question(qid, str(kind), {k: str(v) for k, v in text.items()}, choices)


def parse_survey(raw: Any, where: str, known: List[str]) -> Tuple[Optional[Survey], List[str]]:
    """A survey from its YAML mapping, and its problems (a survey with any is not used)."""
    if not isinstance(raw, dict):
        return None, [f"{where}: expected a mapping"]
    problems: List[str] = []
    languages = tuple(raw.get("languages") or ())
    if not languages or "en" not in languages:
        problems.append(f"{where}: languages must list at least en")
    problems += [f"{where}: {lang} is not a tip line language" for lang in languages
                 if lang not in known]
    keywords = {str(k): str(v) for k, v in (raw.get("keywords") or {}).items()}
    if "en" not in keywords:
        problems.append(f"{where}: keywords must have an en keyword")
    questions = tuple(_question(q, languages, f"{where}: question {i + 1}", problems)
                      for i, q in enumerate(raw.get("questions") or []))
    if not questions:
        problems.append(f"{where}: no questions")
    if len({q.id for q in questions}) != len(questions) or not all(q.id for q in questions):
        problems.append(f"{where}: every question needs a unique id")
    survey = Survey(str(raw.get("id") or ""), str(raw.get("title") or raw.get("id") or ""),
                    languages, keywords, questions, raw.get("active_from"),
                    raw.get("active_until"))
    if not survey.id:
        problems.append(f"{where}: no id")
    return (None if problems else survey), problems


def load_surveys(directory: Path | str, known: List[str]) -> Tuple[List[Survey], List[str]]:
    """Every valid survey of ``directory`` and the problems of the others."""
    surveys: List[Survey] = []
    problems: List[str] = []
    for path in sorted(Path(directory).glob("*.yml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            problems.append(f"{path}: cannot read: {error}")
            continue
        survey, found = parse_survey(raw, str(path), known)
        problems += found
        if survey is not None:
            surveys.append(survey)
    return surveys, problems


def active_survey(surveys: List[Survey], today: date) -> Optional[Survey]:
    """The survey running today (the first by file name when several are)."""
    return next((s for s in surveys if s.active(today)), None)
