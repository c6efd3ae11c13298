"""Approved WhatsApp templates for officers' standard replies (data/whatsapp_templates/).

The catalogue (``templates.yml``) names the standard replies that exist as templates and
their variables; the deployment gives the Content SID of each approved one, per language,
in ``TIPLINE_WHATSAPP_CONTENT_SIDS`` ("investigating.es=HX...,thanks.en=HX..."). A
template's body is the message the tipster reads inside the window (officer prefix and
standard reply of that language, ``{reference}`` as ``{{1}}``), so the conversation
recorded for officers is what the tipster received either way.

``python -m bot.channels.whatsapp.templates es`` prints the bodies to register.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

import yaml

from bot.settings import DATA_DIR

CATALOGUE = DATA_DIR / "whatsapp_templates" / "templates.yml"
FIELDS = ("reference",)  # the tip's fields a template variable may take


@dataclass(frozen=True)
class Template:
    """One approved template, ready for the Messages API (``ContentSid``, ``ContentVariables``)."""

    key: str
    content_sid: str
    variables: str  # JSON: {"1": "K7M2QX"}


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE) -> Dict[str, Dict[str, str]]:
    """{standard reply key: {variable number: tip field}}; ValueError on a bad entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    catalogue: Dict[str, Dict[str, str]] = {}
    for key, entry in data.items():
        variables = (entry or {}).get("variables") or {}
        for number, name in variables.items():
            if not str(number).isdigit() or name not in FIELDS:
                raise ValueError(f"{path.name}: {key}: variable {number}={name} "
                                 f"(numbers, taking one of {', '.join(FIELDS)})")
        catalogue[str(key)] = {str(n): str(v) for n, v in variables.items()}
    return catalogue


def parse_content_sids(value: str) -> Dict[Tuple[str, str], str]:
    """"investigating.es=HX1,thanks.en=HX2" -> {("investigating", "es"): "HX1", ...}."""
    sids: Dict[Tuple[str, str], str] = {}
    for item in value.split(","):
        name, _, sid = item.strip().partition("=")
        key, _, language = name.strip().rpartition(".")
        if not key or not language or not sid.strip().startswith("HX"):
            if item.strip():
                raise ValueError(f"TIPLINE_WHATSAPP_CONTENT_SIDS: {item.strip()[:40]!r} is "
                                 "not reply.language=HX...")
            continue
        sids[(key, language)] = sid.strip()
    return sids


def template_for(key: Optional[str], language: str, values: Mapping[str, str],
                 content_sids: str) -> Optional[Template]:
    """The approved template of standard reply ``key`` in ``language``, filled with the
    tip's ``values``; None for free text, a reply without a template or without a SID."""
    if key is None:
        return None
    variables = load_catalogue().get(key)
    sid = parse_content_sids(content_sids).get((key, language))
    if variables is None or sid is None:
        return None
    filled = {number: str(values.get(name, "")) for number, name in variables.items()}
    return Template(key, sid, json.dumps(filled, ensure_ascii=False, sort_keys=True))


def bodies(language: str) -> Dict[str, str]:
    """The body to register for each template of the catalogue, in ``language``."""
    from bot.messages import get_catalog, get_officer_replies

    placeholder = "{{1}}"
    prefix = get_catalog().render("officer_prefix", language, reference=placeholder)
    return {key: prefix + get_officer_replies().render(key, language, reference=placeholder)
            for key in load_catalogue()}


if __name__ == "__main__":
    for reply, body in bodies(sys.argv[1] if len(sys.argv) > 1 else "en").items():
        print(f"{reply}: {body}")
