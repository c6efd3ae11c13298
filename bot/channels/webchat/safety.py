"""What goes in and out of the widget: plain text out, whitelisted metadata in.

Out: rasa-webchat renders every bot message as Markdown (react-markdown 4, GFM, HTML
escaped, but links not sanitised: ``[x](javascript:...)`` would be a live link, and
``![x](https://elsewhere/)`` would make the resident's browser call a third party).
Bot and officer texts are plain text, so ``as_plain_markdown`` escapes them: every
Markdown-active character is backslash-escaped, and ``&``, ``<`` and ``:`` become
entities (no raw HTML, no ``<scheme://...>`` or bare ``https://...`` link). The widget
then shows the text exactly as written.

In: the widget's ``customData`` becomes the Rasa message metadata, stored in the tracker.
``clean_metadata`` keeps only what the tip line uses: ``location`` (``lat``/``lon``,
finite, in range) when the resident pressed "Share my location", and ``language`` (the
widget's interface language, a hint for short first messages). Anything else (a device
id, a fingerprint, a user agent) is dropped before it reaches Rasa.
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Optional

# CommonMark/GFM backslash escapes that remark-parse accepts in GFM mode (react-markdown 4)
_MARKDOWN_ACTIVE = re.compile(r"([\\`*{}\[\]()#+\-.!_>~|])")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def as_plain_markdown(text: str) -> str:
    """``text`` escaped so that a Markdown renderer shows it literally."""
    text = _MARKDOWN_ACTIVE.sub(r"\\\1", text)
    # entities after the backslashes (they add '#'); ':' so that no "http://", "mailto:"
    # becomes a link of its own
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(":", "&#58;")


def _coordinate(value: Any, limit: float) -> Optional[float]:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or abs(number) > limit:
        return None
    return round(number, 5)


def clean_metadata(raw: Any) -> Dict[str, Any]:
    """The whitelisted part of the widget's ``customData``."""
    if not isinstance(raw, dict):
        return {}
    clean: Dict[str, Any] = {}
    location = raw.get("location")
    if isinstance(location, dict):
        lat = _coordinate(location.get("lat"), 90.0)
        lon = _coordinate(location.get("lon"), 180.0)
        if lat is not None and lon is not None:
            clean["location"] = {"lat": lat, "lon": lon}
    language = raw.get("language")
    if isinstance(language, str) and _LANGUAGE.match(language.strip().lower()):
        clean["language"] = language.strip().lower()
    return clean


def clean_text(raw: Any) -> Optional[str]:
    """The resident's message as text, whole (the size limit refuses, never cuts: turns.py),
    or None if it is not text."""
    return raw if isinstance(raw, str) else None
