"""Template helpers. Everything they return is plain text: Jinja escapes it on output."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from bot.channels.registry import spec_of
from bot.console.queries import as_utc
from bot.routing.gazetteer import Place
from bot.routing.router import get_router

LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "es": "Spanish", "pt": "Portuguese", "de": "German",
    "it": "Italian", "nl": "Dutch", "ar": "Arabic", "zh": "Chinese", "ru": "Russian",
    "uk": "Ukrainian", "pa": "Punjabi", "hi": "Hindi", "ur": "Urdu", "tl": "Tagalog",
    "vi": "Vietnamese", "ko": "Korean", "ja": "Japanese", "pl": "Polish", "so": "Somali",
    "fa": "Persian", "und": "undetermined",
}
CATEGORY_LABELS = {
    "drug_smuggling": "Drug smuggling", "human_trafficking": "Human trafficking",
    "human_smuggling": "Human smuggling", "weapons_smuggling": "Weapons smuggling",
    "contraband": "Contraband", "suspicious_activity": "Suspicious activity",
    "cybercrime": "Cybercrime",
    "unknown": "unknown — needs a human",  # the NLU could not place it (unclassified queue)
}
SIDE_LABELS = {"CA": "Canada", "US": "United States", "unknown": "unknown"}


def language_name(code: Optional[str]) -> str:
    return LANGUAGE_NAMES.get(code or "", code or "?")


def category_label(code: Optional[str]) -> str:
    return CATEGORY_LABELS.get(code or "", code or "?")


def side_label(code: Optional[str]) -> str:
    return SIDE_LABELS.get(code or "", code or "?")


def percent(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def utc_text(moment: Optional[datetime]) -> str:
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def iso(moment: Optional[datetime]) -> str:
    moment = as_utc(moment)
    return moment.isoformat() if moment else ""


def age(moment: Optional[datetime], now: Optional[datetime] = None) -> str:
    moment = as_utc(moment)
    if moment is None:
        return "—"
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"
    return f"{seconds // 86400} d"


def excerpt(text: Optional[str], length: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def link_url(url: Optional[str]) -> Optional[str]:
    """``url`` if it is safe to put in an href (http or https), else None (shown as text)."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def entity_rows(entities: Any) -> List[Tuple[str, str]]:
    rows = []
    for item in entities or []:
        if isinstance(item, dict):
            rows.append((str(item.get("entity", "?")), str(item.get("value", ""))))
    return rows


def change_rows(before: Optional[Dict[str, Any]], after: Optional[Dict[str, Any]]
                ) -> List[Tuple[str, str, str]]:
    """(field, before, after) for an audit entry."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))

    def show(value: Any) -> str:
        if value is None:
            return "—"
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return [(k, show(before.get(k)) if k in before else "", show(after.get(k))
             if k in after else "") for k in keys]


@lru_cache(maxsize=1)
def _places() -> Dict[str, Place]:
    return {p.name.casefold(): p for p in get_router().gazetteer.places}


def gazetteer_place(name: Optional[str]) -> Optional[Place]:
    return _places().get((name or "").casefold()) if name else None


def channel_label(name: Optional[str]) -> str:
    """How officers read a stored channel name ("SMS", "web chat"; bot/channels/registry.py)."""
    spec = spec_of(name or "")
    return spec.label if spec is not None else (name or "")


FILTERS = {
    "language_name": language_name, "category_label": category_label,
    "channel_label": channel_label,
    "side_label": side_label, "percent": percent, "utc": utc_text, "iso": iso, "age": age,
    "excerpt": excerpt,
}
GLOBALS = {"link_url": link_url, "entity_rows": entity_rows, "change_rows": change_rows,
           "gazetteer_place": gazetteer_place}
