"""Size and rate limits per channel, and the admission of a message to the inbox.

Size: a message up to the channel's limit is stored whole; a longer one is refused with
the ``too_long`` reply and nothing of it is stored (never cut silently). Rate: as SMS
(ratelimit.py), a message over the sender's limit is stored ``deferred`` and processed
when the window allows, with one ``rate_limited`` notice per window; a sender with
``max_backlog`` messages already waiting is refused (a flood, not a tipster).
Limits per channel: docs/reliability.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Dict, Optional

from sqlalchemy.exc import IntegrityError

from bot.channels.registry import spec_of
from bot.inbox import store
from bot.inbox.config import InboxSettings
from bot.inbox.ratelimit import SenderRateLimit
from bot.store.db import get_engine, patiently


@dataclass(frozen=True)
class ChannelLimits:
    """The limits of one channel."""

    max_chars: int
    rate: SenderRateLimit
    max_backlog: int
    store_wait: float = 0.0  # seconds a message waits for an unreachable database


def channel_limits(channel: str, settings: InboxSettings) -> ChannelLimits:
    """The limits the channel's SPEC names, read from the settings (a channel whose SPEC
    names no rate limit, SMS, applies its own: this is for web chat and REST)."""
    spec = spec_of(channel)
    if spec is None or spec.limits.rate_limit is None:
        raise ValueError(f"channel {channel!r} has no inbox rate limit of its own")
    max_chars: int = getattr(settings, spec.limits.max_chars)
    rate: str = getattr(settings, spec.limits.rate_limit)
    return ChannelLimits(max_chars, SenderRateLimit(rate, settings.rate_limit_storage,
                                                    f"tipline-{channel}"),
                         settings.max_backlog, settings.store_wait_seconds)


@dataclass(frozen=True)
class Admission:
    """What became of a message: ``received``, ``deferred``, ``replay`` (known id),
    ``too_long`` or ``flood`` (the last two: nothing stored)."""

    outcome: str
    message_id: Optional[int] = None
    notify: bool = False  # send the rate_limited notice

    @property
    def stored(self) -> bool:
        return self.message_id is not None


def admit(channel: str, sender: str, text: str, limits: ChannelLimits, *,
          meta: Optional[Dict[str, Any]] = None, external_id: Optional[str] = None) -> Admission:
    """Check and store one message (synchronous: call it on a worker thread), waiting up
    to ``limits.store_wait`` while the database is unreachable (a restart). The message's
    id is chosen once: a try whose commit went through unseen is found as a replay."""
    if len(text) > limits.max_chars:
        return Admission("too_long")
    key = external_id or uuid.uuid4().hex
    return patiently(lambda: _admit(channel, sender, text, limits, meta, key),
                     limits.store_wait)


def _admit(channel: str, sender: str, text: str, limits: ChannelLimits,
           meta: Optional[Dict[str, Any]], external_id: str) -> Admission:
    with get_engine().connect() as conn:
        known = store.known(conn, channel, external_id)
    if known is not None:
        return Admission("replay", known)
    if limits.max_backlog and store.backlog(channel, sender) >= limits.max_backlog:
        return Admission("flood", notify=limits.rate.should_notify(sender))
    allowed = limits.rate.arrival(sender) if limits.rate.enabled else True
    status = "received" if allowed else "deferred"
    try:
        with get_engine().begin() as conn:
            message_id = store.insert(conn, channel, external_id, sender, text, meta=meta,
                                      status=status)
    except IntegrityError:  # the same external id, at the same moment
        with get_engine().connect() as conn:
            known = store.known(conn, channel, external_id)
        if known is None:
            raise
        return Admission("replay", known)
    return Admission(status, message_id, notify=not allowed and limits.rate.should_notify(sender))
