"""Login throttling: growing waits per account, known device and address, never a lock-out."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from itsdangerous import BadData, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

ACCOUNT_CAP = 60  # seconds: the longest wait failures can impose on an account or device
ADDRESS_CAP = 900  # seconds: the longest wait of one client address
GROWTH = 32  # failures counted beyond the free ones (2**32 s is past every cap)
ALERT_EVERY = 3600  # an account under attack is reported to administrators once an hour
DEVICE_COOKIE = "tipline_device"
DEVICE_DAYS = 180
DEVICE_NAMES = 8  # officers remembered per browser (a shared duty workstation)

Subject = Tuple[str, str]  # (kind, identifier): account name, device id or client address


@dataclass(frozen=True)
class Rule:
    counter: RateLimitItem  # failures counted in a moving window
    free: int  # failures in the window before any wait
    cap: int  # the longest wait, seconds


def _rule(item: RateLimitItem, free: int, cap: int) -> Rule:
    # A wait must end inside the window, or the failures it follows are forgotten.
    return Rule(type(item)(free + GROWTH, item.multiples), free,
                max(1, min(cap, item.get_expiry() // 2)))


class LoginThrottle:
    """Each failed sign-in makes the next attempt of the same account and address wait.

    The nth failure (beyond the free ones) within the window makes the next attempt wait
    2**n seconds, up to a cap: the answer is HTTP 429 at once, with Retry-After; no thread
    sleeps and no account is ever locked. A browser where the officer signed in before
    (a signed device cookie) waits on its own count instead of the account's, so failures
    from elsewhere do not slow the officer down. ``memory://`` counts in this process,
    ``redis://…`` across replicas. Addresses live only there, for the window.
    """

    def __init__(self, storage_uri: str, per_account: str, per_address: str,
                 clock: Callable[[], float] = time.time) -> None:
        # The strategy holds its storage by weak reference only: keep it alive here.
        self._storage = storage_from_string(storage_uri)
        self._counter = MovingWindowRateLimiter(self._storage)
        self.clock = clock
        account, address = parse(per_account), parse(per_address)
        self.alert_after, self.alert_window = account.amount, per_account
        self._rules = {"account": _rule(account, 0, ACCOUNT_CAP),
                       "device": _rule(account, 0, ACCOUNT_CAP),
                       "address": _rule(address, address.amount, ADDRESS_CAP)}

    @staticmethod
    def _subjects(username: str, address: str, device: Optional[str]) -> List[Subject]:
        subjects = [("address", address or "-"), ("account", username.strip().casefold())]
        return (subjects + [("device", device)]) if device else subjects

    @staticmethod
    def _key(*parts: str) -> str:
        return "tipline/login/" + "/".join(parts)

    def retry_after(self, username: str, address: str, device: Optional[str] = None) -> int:
        """Seconds to wait before this attempt may be checked (0: now).

        ``device`` is the browser's device id when it knows ``username``: its own count
        replaces the account's.
        """
        subjects = [s for s in self._subjects(username, address, device)
                    if not (device and s[0] == "account")]
        until = max(self._storage.get(self._key("wait", *s)) for s in subjects)  # ms
        return max(0, -(-(until - int(self.clock() * 1000)) // 1000))  # whole seconds, up

    def failed(self, username: str, address: str, device: Optional[str] = None) -> int:
        """Count one failure; the account's failures within its window."""
        now, counts = self.clock(), {}
        for kind, ident in self._subjects(username, address, device):
            rule = self._rules[kind]
            self._counter.hit(rule.counter, kind, ident)
            _reset, remaining = self._counter.get_window_stats(rule.counter, kind, ident)
            counts[kind] = rule.counter.amount - remaining
            if counts[kind] > rule.free:
                wait = min(rule.cap, 2 ** min(counts[kind] - rule.free, GROWTH))
                key = self._key("wait", kind, ident)
                self._storage.clear(key)
                self._storage.incr(key, wait + 1, amount=int(now * 1000) + wait * 1000)
        return counts["account"]

    def should_alert(self, username: str, failures: int) -> bool:
        """True, at most once an hour per account, when ``failures`` reach the threshold."""
        key = self._key("alerted", username.strip().casefold())
        if failures < self.alert_after or self._storage.get(key):
            return False
        self._storage.incr(key, ALERT_EVERY)
        return True


class DeviceCookies:
    """A signed cookie naming the officers who signed in on this browser before."""

    max_age = DEVICE_DAYS * 86400

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="tipline-console-device")

    def read(self, value: Optional[str]) -> Tuple[Optional[str], List[str]]:
        """(device id, user names) of a valid cookie, else (None, [])."""
        try:
            data = self._serializer.loads(value or "", max_age=self.max_age)
        except BadData:
            return None, []
        if not (isinstance(data, dict) and isinstance(data.get("d"), str)
                and isinstance(data.get("u"), list)):
            return None, []
        return data["d"], [name for name in data["u"] if isinstance(name, str)]

    def issue(self, device: Optional[str], names: List[str], username: str) -> str:
        """The cookie value after ``username`` signed in (the device keeps its id)."""
        names = [username, *(name for name in names if name != username)][:DEVICE_NAMES]
        return self._serializer.dumps({"d": device or secrets.token_urlsafe(12), "u": names})
