"""The awareness catalogue (``data/awareness/<lang>.yml``): reading and checking it.

Each file has ``topics`` (``<topic>: {answer, questions}``), ``link`` (with ``{url}``),
``menu`` (what the bot can answer) and ``look`` (the "what to look for" page). English is
the source: every language has exactly its keys, each a non-empty text or list of texts.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from bot.catalogs import SOURCE_LANGUAGE, flatten, read_yaml_files

TOPICS = ("what_to_report", "trafficking_vs_smuggling", "after_a_tip", "will_i_be_contacted",
          "anonymity", "rewards", "when_unsure")
# Placeholders each key may use; any other {name} is a typo a resident would see.
ALLOWED = {"link": {"url"}}


class CatalogueError(ValueError):
    """The catalogue cannot be used as it is (the message lists every problem)."""


@dataclass(frozen=True)
class AwarenessCatalogue:
    """Every language's catalogue, already checked."""

    languages: Dict[str, Dict[str, Any]]

    def topics(self) -> List[str]:
        return list(self.languages[SOURCE_LANGUAGE]["topics"])

    def _of(self, language: Optional[str]) -> Dict[str, Any]:
        return self.languages.get(language or "", self.languages[SOURCE_LANGUAGE])

    def answer(self, topic: str, language: Optional[str]) -> str:
        return str(self._of(language)["topics"][topic]["answer"]).strip()

    def menu(self, language: Optional[str]) -> str:
        return str(self._of(language)["menu"]).strip()

    def link(self, language: Optional[str], url: str) -> str:
        return str(self._of(language)["link"]).strip().format(url=url)

    def look(self, language: Optional[str]) -> Dict[str, Any]:
        """The "what to look for" page's texts in ``language``."""
        return dict(self._of(language)["look"])

    def questions(self) -> List[Tuple[str, str]]:
        """(topic, example question) of every language, pooled."""
        return [(topic, str(text)) for _, catalogue in sorted(self.languages.items())
                for topic, entry in catalogue["topics"].items() for text in entry["questions"]]


def read(directory: Path | str) -> Tuple[Dict[str, Dict[str, Any]], List[str]]:
    """Each ``<lang>.yml`` of ``directory`` as read, and what could not be read."""
    return read_yaml_files(directory)


def check(found: Dict[str, Dict[str, Any]], languages: Optional[Iterable[str]],
          directory: Path | str) -> List[str]:
    """Problems of already read catalogues: files, keys, types, empty texts, placeholders."""
    directory = Path(directory)
    expected = list(found) if languages is None else list(languages)
    problems = [f"{directory / (lang + '.yml')}: no catalogue for language {lang}"
                for lang in expected if lang not in found]
    problems += [f"{directory / (lang + '.yml')}: {lang} is not one of the languages"
                 for lang in found if lang not in expected]
    if SOURCE_LANGUAGE not in found:
        return problems + [f"{directory / 'en.yml'}: the English catalogue is required"]
    source = flatten(found[SOURCE_LANGUAGE])
    topics = found[SOURCE_LANGUAGE].get("topics")
    topics = topics if isinstance(topics, dict) else {}
    problems += [f"{directory / 'en.yml'}: missing topic {topic}"
                 for topic in TOPICS if topic not in topics]
    for topic in topics:
        for part in ("answer", "questions"):
            if f"topics.{topic}.{part}" not in source:
                problems.append(f"{directory / 'en.yml'}: topic {topic} has no {part}")
    for key in ("menu", "link", "look.title"):
        if key not in source:
            problems.append(f"{directory / 'en.yml'}: missing key {key}")
    for lang, raw in sorted(found.items()):
        path, flat = directory / f"{lang}.yml", flatten(raw)
        problems += [f"{path}: missing key {key}" for key in source if key not in flat]
        problems += [f"{path}: extra key {key} (not in en.yml)" for key in flat
                     if key not in source]
        problems += [f"{path}: {key}: {problem}" for key, value in flat.items()
                     if key in source
                     for problem in _value_problems(key, value, source[key])]
    return problems


def _value_problems(key: str, value: Any, source: Any) -> List[str]:
    """What is wrong with one value, given the English one's shape."""
    if isinstance(source, list) and (not isinstance(value, list) or not value):
        return ["expected a non-empty list of texts"]
    problems: List[str] = []
    wanted = ALLOWED.get(key, set())
    for text in value if isinstance(source, list) else [value]:
        if not isinstance(text, str) or not text.strip():
            problems.append("empty or not a text")
            continue
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as error:
            problems.append(f"malformed braces ({error})")
            continue
        if names != wanted:
            problems.append(f"placeholders {_braced(names)}, expected {_braced(wanted)}")
    return problems


def _braced(names: Iterable[str]) -> str:
    return " ".join(f"{{{name}}}" for name in sorted(names)) or "none"


def validate_awareness(directory: Path | str, languages: Optional[Iterable[str]]) -> List[str]:
    """Problems of the awareness catalogue in ``directory`` (check-config)."""
    found, problems = read(directory)
    if not Path(directory).is_dir():
        return problems
    return problems + check(found, languages, directory)


def load_catalogue(directory: Path | str,
                   languages: Optional[Iterable[str]] = None) -> AwarenessCatalogue:
    """The checked catalogue of ``directory``; CatalogueError lists every problem."""
    problems = validate_awareness(directory, languages)
    if problems:
        raise CatalogueError("; ".join(problems))
    return AwarenessCatalogue(read(directory)[0])


@lru_cache(maxsize=1)
def get_awareness() -> AwarenessCatalogue:
    """The deployment's catalogue (read once per process)."""
    from bot.settings import get_settings

    return load_catalogue(get_settings().awareness.directory)
