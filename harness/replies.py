"""Which catalogue language a bot reply was written in (tests and benchmarks)."""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import yaml

from harness.servers import ROOT

MESSAGES = ROOT / "data" / "messages"


def _templates(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _templates(value)
    elif isinstance(node, str):
        yield node


def _pattern(template: str) -> str:
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(r".+?")
    return "".join(parts)


@lru_cache(maxsize=1)
def _patterns() -> Dict[str, List[re.Pattern]]:
    found: Dict[str, List[re.Pattern]] = {}
    for path in sorted(Path(MESSAGES).glob("*.yml")):
        catalog = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[path.stem] = [re.compile(_pattern(t), re.DOTALL) for t in _templates(catalog)
                            if t.strip()]
    return found


def reply_languages(reply: str) -> Set[str]:
    """The languages whose catalogue holds the message ``reply`` (placeholders filled)."""
    reply = reply.strip()
    return {lang for lang, patterns in _patterns().items()
            if any(p.fullmatch(reply) for p in patterns)}


def all_in(language: str, replies: List[str]) -> Tuple[bool, List[str]]:
    """Whether every reply is a catalogue message of ``language``; the ones that are not."""
    wrong = [r for r in replies if language not in reply_languages(r)]
    return not wrong and bool(replies), wrong
