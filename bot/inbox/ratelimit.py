"""Per-sender rate limit of every channel, with the ``limits`` library (moving window).

Every accepted message is stored before the limit is looked at: a message over the limit
is kept (status ``deferred``) and processed later, when the sender's window allows, so a
tipster who splits a long story over many messages loses nothing, while a flood costs the
tip line at most the limit's rate of bot turns and replies. The sender gets one polite
notice per window, not one per message.

The limit ("10/minute", or several: "10/minute;60/hour") and the storage ("memory://" for
one Rasa process, "redis://host:6379" shared by replicas) come from the settings: SMS
``TIPLINE_TWILIO_RATE_LIMIT`` (``_STORAGE``); web chat ``TIPLINE_WEBCHAT_RATE_LIMIT`` and
REST ``TIPLINE_REST_RATE_LIMIT`` (storage ``TIPLINE_INBOX_RATE_LIMIT_STORAGE``). Keys are
the channel's sender keys (contact hash, chat session id, REST sender), never a number
or an address. While the storage cannot be reached (Redis restarting), every message is
allowed and no notice is sent: a limit never costs a tip.
"""

from __future__ import annotations

import logging
import time
from typing import List

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
NAMESPACE = "tipline-sms"
UNREACHABLE = (RedisError, OSError)  # the storage is down: count nothing, hold nothing back


class SenderRateLimit:
    """Arrival and processing budgets per sender of one channel (``namespace``)."""

    def __init__(self, limit: str = "10/minute", storage: str = "memory://",
                 namespace: str = NAMESPACE) -> None:
        self.namespace = namespace
        self.items: List[RateLimitItem] = parse_many(limit) if limit.strip() else []
        # the limiter holds its storage by weak reference: keep it alive here
        self._storage = storage_from_string(storage)
        self._limiter = MovingWindowRateLimiter(self._storage)

    @property
    def enabled(self) -> bool:
        return bool(self.items)

    def _unreachable(self, error: Exception) -> None:
        log.warning("rate limit %s: storage unreachable (%s); message allowed",
                    self.namespace, type(error).__name__)

    def _hit(self, scope: str, key: str) -> bool:
        try:
            if not all(self._limiter.test(item, self.namespace, scope, key)
                       for item in self.items):
                return False
            for item in self.items:
                self._limiter.hit(item, self.namespace, scope, key)
        except UNREACHABLE as error:
            self._unreachable(error)
        return True

    def arrival(self, key: str) -> bool:
        """Count a message's arrival; False when the sender is over the limit."""
        return self._hit("arrival", key)

    def should_notify(self, key: str) -> bool:
        """True once per window of the narrowest limit: when to send the polite notice."""
        if not self.items:
            return False
        narrowest = min(self.items, key=lambda item: item.get_expiry())
        once = type(narrowest)(1, narrowest.multiples)
        try:
            return self._limiter.hit(once, self.namespace, "notice", key)
        except UNREACHABLE as error:
            self._unreachable(error)
            return False

    def process(self, key: str) -> bool:
        """Take one unit of the sender's processing budget (False: wait)."""
        return self._hit("process", key)

    def wait_seconds(self, key: str) -> float:
        """How long until the processing budget has room again."""
        wait = 0.0
        now = time.time()
        try:
            for item in self.items:
                reset, remaining = self._limiter.get_window_stats(item, self.namespace,
                                                                  "process", key)
                if remaining <= 0:
                    wait = max(wait, reset - now)
        except UNREACHABLE as error:
            self._unreachable(error)
        return max(wait, 0.05)
