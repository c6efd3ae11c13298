"""Community surveys (``data/surveys/<id>.yml`` or set in the console): parsed, checked, the
active one found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from bot.engagement.answers import bare_number

KINDS = ("scale", "yesno", "choice")
YES_NO = ("yes", "no")
# a survey's, question's or choice's id: stored with every answer (64 characters at most)
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
TEMPLATE = Path(__file__).with_name("survey_template.yml")  # the console's new survey


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


def _mapping(value: Any) -> Dict[str, str]:
    """``value`` as a mapping of texts ({} when it is none)."""
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _items(value: Any) -> List[Any]:
    return list(value) if isinstance(value, list) else []


def _question(raw: Any, languages: Tuple[str, ...], where: str,
              problems: List[str]) -> Question:
    raw = raw if isinstance(raw, dict) else {}
    qid, kind, text = str(raw.get("id") or ""), raw.get("kind"), _mapping(raw.get("text"))
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)}")
    missing = [lang for lang in languages if not text.get(lang, "").strip()]
    if missing:
        problems.append(f"{where}: no text in {', '.join(missing)}")
    choices = tuple((str(c.get("id") or ""), _mapping(c.get("text"))) if isinstance(c, dict)
                    else ("", {}) for c in _items(raw.get("choices")))
    if kind == "choice" and not 2 <= len(choices) <= 9:
        problems.append(f"{where}: a choice question needs 2 to 9 choices")
    if qid and not ID.fullmatch(qid):
        problems.append(f"{where}: the id must be letters, digits, . _ - (64 at most)")
    for cid, ctext in choices:
        if cid and not ID.fullmatch(cid):
            problems.append(f"{where}: choice {cid[:64]} must be letters, digits, . _ -")
        if not cid or any(not ctext.get(lang, "").strip() for lang in languages):
            problems.append(f"{where}: choice {cid or '?'} needs an id and a text per language")
    return Question(qid, str(kind), text, choices)


def parse_survey(raw: Any, where: str, known: List[str]) -> Tuple[Optional[Survey], List[str]]:
    """A survey from its YAML mapping, and its problems (a survey with any is not used)."""
    if not isinstance(raw, dict):
        return None, [f"{where}: expected a mapping"]
    problems: List[str] = []
    languages = tuple(str(lang) for lang in _items(raw.get("languages")))
    if "en" not in languages:
        problems.append(f"{where}: languages must list at least en")
    problems += [f"{where}: {lang} is not a tip line language" for lang in languages
                 if lang not in known]
    keywords = _mapping(raw.get("keywords"))
    if "en" not in keywords:
        problems.append(f"{where}: keywords must have an en keyword")
    # a keyword is read before any answer: never empty nor a bare number (it would take one)
    problems += [f"{where}: keyword {lang} must be a word, not empty nor a number"
                 for lang, word in keywords.items() if not word.strip() or bare_number(word, 9)]
    for name in ("active_from", "active_until"):
        if raw.get(name) is not None and not isinstance(raw.get(name), date):
            problems.append(f"{where}: {name} must be a date (YYYY-MM-DD)")
    questions = tuple(_question(q, languages, f"{where}: question {i + 1}", problems)
                      for i, q in enumerate(_items(raw.get("questions"))))
    if not questions:
        problems.append(f"{where}: no questions")
    if len({q.id for q in questions}) != len(questions) or not all(q.id for q in questions):
        problems.append(f"{where}: every question needs a unique id")
    survey = Survey(str(raw.get("id") or ""), str(raw.get("title") or raw.get("id") or ""),
                    languages, keywords, questions, raw.get("active_from"),
                    raw.get("active_until"))
    if not survey.id:
        problems.append(f"{where}: no id")
    elif not ID.fullmatch(survey.id):
        problems.append(f"{where}: the id must be letters, digits, . _ - (64 at most)")
    return (None if problems else survey), problems


def parse_text(text: str, where: str, known: List[str]) -> Tuple[Optional[Survey], List[str]]:
    """A survey from its YAML text (as typed in the console), and its problems."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return None, [f"{where}: not valid YAML: {error}"]
    return parse_survey(raw, where, known)


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
    """The survey running today: the first of ``surveys`` that is (console surveys, latest
    published first, then data/ files by file name, as bot/engagement/flow.py lists them)."""
    return next((s for s in surveys if s.active(today)), None)
