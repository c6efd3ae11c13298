"""The tipster's secret receipt: made, found in a message, hashed and throttled.

A receipt is 16 random digits shown once, grouped 4-4-4-4 ("4821-9930-1177-2045", about
53 bits; dashes, not spaces: an SMS reply split at whitespace never cuts it): easy to type
on a phone keypad and to read out on a voice line, and quoted from any channel to check a
tip or add to it (docs/receipts.md). Only its keyed hash is stored
(HMAC-SHA256 with ``TIPLINE_HASH_KEY``, apart from contact hashes by a prefix); it is
never written in clear to the tips store or to a log (bot/privacy/redact.py masks it).

Wrong receipts are throttled with the ``limits`` library, in the storage of the inbox
rate limits (``TIPLINE_INBOX_RATE_LIMIT_STORAGE``: memory, or Redis shared by replicas):
``PER_CONVERSATION`` wrong tries per conversation, ``PER_RECEIPT`` tries of one receipt
from anywhere and ``GLOBAL`` wrong tries in all. A throttled try gets the same answer as
a wrong one, after the same lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from bot.privacy.keys import MissingSecretError
from bot.settings import get_settings

log = logging.getLogger(__name__)

DIGITS = 16
GROUP = 4
PER_CONVERSATION = "5/hour;10/day"
PER_RECEIPT = "20/hour"
GLOBAL = "300/minute;3000/hour"
NAMESPACE = "tipline-receipt"
HASH_PREFIX = "receipt:"  # a receipt's hash can never equal a contact's hash

# Separators a tipster may type between digits: spaces (also no-break and ideographic),
# dashes of any kind, dots, slashes. Digits of any script count (٤٨٢١, ४८२१, ４８２１).
_SEP = r"[\s\-\u2010-\u2015\u2212.,/_\u3000\u30fc]"
PATTERN = re.compile(
    rf"(?<!\d)(?<!\d{_SEP})(?<!\d{_SEP}{{2}})(?<!\d{_SEP}{{3}})"
    rf"\d(?:{_SEP}{{0,3}}\d){{{DIGITS - 1}}}(?!{_SEP}{{0,3}}\d)"
)


def new_receipt() -> str:
    """16 random digits, grouped 4-4-4-4 with dashes."""
    return format_receipt(f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}")


def format_receipt(digits: str) -> str:
    return "-".join(digits[i:i + GROUP] for i in range(0, len(digits), GROUP))


def normalise(code: str) -> Optional[str]:
    """The 16 ASCII digits of a receipt as typed (any script, any separators), or None."""
    digits = "".join(str(unicodedata.decimal(ch)) for ch in code if ch.isdecimal())
    return digits if len(digits) == DIGITS else None


def find_receipts(text: str) -> List[str]:
    """Receipt-shaped codes in ``text``, normalised to 16 digits, in order."""
    found = [normalise(match.group()) for match in PATTERN.finditer(text or "")]
    return [code for code in found if code]


def mask_receipts(text: str, mask: str = "[receipt]") -> str:
    """``text`` with every receipt-shaped code replaced (for officers and logs)."""
    return PATTERN.sub(mask, text or "")


def receipt_hash(receipt: str, key: Optional[str] = None) -> str:
    """The keyed hash under which a receipt is stored and looked up."""
    secret = key if key is not None else get_settings().hash_key
    if not secret:
        raise MissingSecretError("TIPLINE_HASH_KEY is not set")
    digits = normalise(receipt) or ""
    return hmac.new(secret.encode(), (HASH_PREFIX + digits).encode(),
                    hashlib.sha256).hexdigest()


def same_hash(a: Optional[str], b: Optional[str]) -> bool:
    """Constant-time comparison of two hashes (a missing one never matches)."""
    return bool(a and b) and hmac.compare_digest(str(a), str(b))


@dataclass(frozen=True)
class Verdict:
    """Whether a receipt try may be looked at (``allowed``) and under what keys."""

    allowed: bool
    conversation_key: str
    receipt_key: str


class ReceiptGuard:
    """Attempt budgets of receipt tries, in a ``limits`` storage."""

    def __init__(self, storage: str = "memory://", per_conversation: str = PER_CONVERSATION,
                 per_receipt: str = PER_RECEIPT, overall: str = GLOBAL) -> None:
        self._storage = storage_from_string(storage)  # the limiter holds it weakly
        self._limiter = MovingWindowRateLimiter(self._storage)
        self.per_conversation = parse_many(per_conversation)
        self.per_receipt = parse_many(per_receipt)
        self.overall = parse_many(overall)

    def _room(self, items: List[RateLimitItem], scope: str, key: str) -> bool:
        return all(self._limiter.test(item, NAMESPACE, scope, key) for item in items)

    def _hit(self, items: List[RateLimitItem], scope: str, key: str) -> None:
        for item in items:
            self._limiter.hit(item, NAMESPACE, scope, key)

    def attempt(self, conversation_id: str, hashed: str) -> Verdict:
        """Count one try of the receipt hashed ``hashed`` from ``conversation_id``."""
        conversation_key = hashlib.sha256(conversation_id.encode()).hexdigest()[:32]
        receipt_key = hashed[:32]
        try:
            allowed = (self._room(self.per_conversation, "wrong", conversation_key)
                       and self._room(self.overall, "wrong", "all")
                       and self._room(self.per_receipt, "try", receipt_key))
            self._hit(self.per_receipt, "try", receipt_key)
        except (RedisError, OSError) as error:  # storage down: 53 bits still stand
            log.warning("receipt throttle: storage unreachable (%s); try allowed",
                        type(error).__name__)
            allowed = True
        return Verdict(allowed, conversation_key, receipt_key)

    def wrong(self, verdict: Verdict) -> None:
        """Count a wrong (or throttled) try against the conversation and in all."""
        try:
            self._hit(self.per_conversation, "wrong", verdict.conversation_key)
            self._hit(self.overall, "wrong", "all")
        except (RedisError, OSError) as error:
            log.warning("receipt throttle: storage unreachable (%s)", type(error).__name__)


@lru_cache(maxsize=1)
def get_guard() -> ReceiptGuard:
    """The receipt throttle of this process (shared storage across replicas)."""
    return ReceiptGuard(get_settings().inbox.rate_limit_storage)
