"""Rasa test stories (tests/test_stories.yml) as traces, to compare with a live tracker.

A trace is what a conversation shows, in order: each user intent, each action the bot ran
(not ``action_listen``), and each change of the active loop or of ``requested_slot`` (the
form's steps). A story gives the expected trace; the running tip line's tracker the real one.
Replies are compared by their catalogue key (``data/messages/<lang>.yml``).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml

from harness.servers import ROOT

STORIES = ROOT / "tests" / "test_stories.yml"
MESSAGES = ROOT / "data" / "messages"
UNTRACED_ACTIONS = frozenset({"action_listen", "action_session_start"})
# "[Lacolle](location)" or '[Lacolle]{"entity": "location"}': the words are "Lacolle"
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")

Step = Tuple[str, Optional[str]]


@dataclass(frozen=True)
class Story:
    """One test story: what the tipster writes and what must happen."""

    name: str
    messages: List[str]
    trace: List[Step]
    language: str
    replies: List[str]
    tips: List[str]


def plain_text(annotated: str) -> str:
    """The message as the tipster types it (entity annotations removed)."""
    return ANNOTATION.sub(r"\1", annotated).strip()


def _form_changes(steps: Iterable[Step]) -> List[Step]:
    """``steps`` without the loop and ``requested_slot`` events that change nothing."""
    state: Dict[str, Optional[str]] = {"active_loop": None, "requested_slot": None}
    kept: List[Step] = []
    for kind, value in steps:
        if kind in state:
            if state[kind] == value:
                continue
            state[kind] = value
        kept.append((kind, value))
    return kept


def _story_steps(steps: List[Dict[str, Any]]) -> Iterable[Step]:
    for step in steps:
        if "intent" in step:
            yield "intent", step["intent"]
        elif "action" in step:
            yield "action", step["action"]
        elif "active_loop" in step:
            yield "active_loop", step["active_loop"]
        elif "slot_was_set" in step:
            for slot in step["slot_was_set"]:
                if isinstance(slot, dict) and "requested_slot" in slot:
                    yield "requested_slot", slot["requested_slot"]


def load_stories(path: Path = STORIES) -> List[Story]:
    """Every story of ``path``, with its expected trace and the checks of its metadata."""
    stories = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
        meta = raw.get("metadata") or {}
        stories.append(Story(
            name=raw["story"],
            messages=[plain_text(step["user"]) for step in raw["steps"] if "user" in step],
            trace=_form_changes(_story_steps(raw["steps"])),
            language=meta["language"], replies=list(meta["replies"]), tips=list(meta["tips"]),
        ))
    return stories


def _tracker_steps(events: List[Dict[str, Any]]) -> Iterable[Step]:
    for event in events:
        kind = event.get("event")
        if kind == "user":
            yield "intent", ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        elif kind == "action" and event.get("name") not in UNTRACED_ACTIONS:
            yield "action", event.get("name")
        elif kind == "active_loop":
            yield "active_loop", event.get("name")
        elif kind == "slot" and event.get("name") == "requested_slot":
            yield "requested_slot", event.get("value")


def tracker_trace(events: List[Dict[str, Any]]) -> List[Step]:
    """The trace of a conversation from its tracker's events (``GET .../tracker``)."""
    return _form_changes(_tracker_steps(events))


def bot_texts(events: List[Dict[str, Any]]) -> List[str]:
    """What the bot said, in order."""
    return [event.get("text") or "" for event in events if event.get("event") == "bot"]


def _pattern(template: str) -> re.Pattern:
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(r".+?")
    return re.compile("".join(parts), re.DOTALL)


@cache
def _templates(language: str) -> Dict[str, re.Pattern]:
    raw = yaml.safe_load((MESSAGES / f"{language}.yml").read_text(encoding="utf-8"))
    return {key: _pattern(text) for key, text in raw.items() if isinstance(text, str)}


def reply_key(text: str, language: str) -> Optional[str]:
    """The catalogue key of ``text`` among ``language``'s replies (None: not one of them)."""
    keys = [key for key, pattern in _templates(language).items()
            if pattern.fullmatch(text.strip())]
    return "|".join(keys) if keys else None
