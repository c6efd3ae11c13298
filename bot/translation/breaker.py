"""A circuit breaker: after a failure, calls are refused for a cooldown."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    """Closed until a failure; open (refusing) for `cooldown` seconds; then one trial call.

    While the trial call runs, other callers are still refused, so a provider that hangs
    costs one timeout per cooldown, not one per message.
    """

    def __init__(self, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None

    @property
    def is_open(self) -> bool:
        """True while calls are refused."""
        with self._lock:
            return self._open_until is not None and self._clock() < self._open_until

    def allow(self) -> bool:
        """May a call go ahead now? A trial call after the cooldown re-arms the cooldown."""
        with self._lock:
            if self._open_until is None:
                return True
            now = self._clock()
            if now < self._open_until:
                return False
            self._open_until = now + self.cooldown  # refuse others while the trial runs
            return True

    def success(self) -> None:
        """Close the breaker."""
        with self._lock:
            self._open_until = None

    def failure(self) -> None:
        """Open the breaker for a full cooldown from now."""
        with self._lock:
            self._open_until = self._clock() + self.cooldown
