"""A Twilio messaging webhook as the SMS channel reads it: fields checked, media listed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from bot.channels.twilio.keywords import Keyword

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_MEDIA = 10


@dataclass(frozen=True)
class WebhookResult:
    status: int
    body: str
    content_type: str = "text/xml"


@dataclass(frozen=True)
class Inbound:
    """The fields of a Twilio messaging webhook the tip line uses."""

    sid: str
    address: str  # the tipster's number: in memory only
    text: str
    media: List[Dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Accepted:
    replay: bool = False
    keyword: Optional[Keyword] = None
    keyword_allowed: bool = True
    deferred: bool = False
    notify: bool = False
    too_long: bool = False
    language: Optional[str] = None


def first(form: Mapping[str, Any], name: str) -> Optional[str]:
    value = form.get(name)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return value if value is None else str(value)


def parse_inbound(form: Mapping[str, Any]) -> tuple[Optional[Inbound], Optional[str]]:
    """The message of a webhook, or a clear reason why it is not one."""
    missing = [name for name in ("MessageSid", "From") if not (first(form, name) or "").strip()]
    body = first(form, "Body")
    num_media_raw = (first(form, "NumMedia") or "0").strip() or "0"
    try:
        num_media = int(num_media_raw)
    except ValueError:
        return None, f"NumMedia must be a number, not {num_media_raw[:20]!r}"
    if not 0 <= num_media <= MAX_MEDIA:
        return None, f"NumMedia must be between 0 and {MAX_MEDIA}"
    media: List[Dict[str, str]] = []
    for index in range(num_media):
        url = (first(form, f"MediaUrl{index}") or "").strip()
        if not url:
            missing.append(f"MediaUrl{index}")
            continue
        if not url.startswith(("https://", "http://")):
            return None, f"MediaUrl{index} must be an http(s) URL"
        media.append({"url": url, "type": (first(form, f"MediaContentType{index}") or "")})
    if body is None and not media:
        missing.append("Body")
    if missing:
        return None, "missing field(s): " + ", ".join(missing)
    sid = (first(form, "MessageSid") or "").strip()
    if len(sid) > 64 or not sid.isalnum():
        return None, "MessageSid must be letters and digits (at most 64)"
    return Inbound(sid, (first(form, "From") or "").strip(), body or "", media), None
