"""Passwords (argon2id), API tokens (SHA-256 of a random secret) and login rate limits."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "tlk_"  # noqa: S105 (a marker, not a secret)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the user name is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def check_password_policy(password: str) -> None:
    """Raise ValueError when ``password`` is too weak to be an officer's password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        raise ValueError("the password must not start or end with spaces")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (after the policy check)."""
    check_password_policy(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash costs the same time and fails."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash uses older parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)


def new_api_token() -> str:
    """A fresh bearer token (shown once, never stored in clear)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (the token has 256 random bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class LimitVerdict:
    allowed: bool
    retry_after: int = 0


class LoginLimiter:
    """Failed logins per user name and per client address, in a moving window.

    ``memory://`` counts in this process; ``redis://…`` shares the counts between replicas.
    Addresses are kept only in the limiter's memory for the window, never written to a log
    or the database.
    """

    def __init__(self, storage_uri: str, per_user: str, per_address: str) -> None:
        # The strategy holds its storage by weak reference only: keep it alive here.
        self._storage = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._per_user = parse(per_user)
        self._per_address = parse(per_address)

    def _keys(self, username: str, address: str) -> list:
        return [(self._per_user, "login-user", username.strip().casefold()),
                (self._per_address, "login-address", address or "-")]

    def check(self, username: str, address: str) -> LimitVerdict:
        """May this user name try a password from this address now?"""
        for item, *ids in self._keys(username, address):
            if not self._limiter.test(item, *ids):
                reset, _remaining = self._limiter.get_window_stats(item, *ids)
                return LimitVerdict(False, max(1, int(reset - time.time())))
        return LimitVerdict(True)

    def failed(self, username: str, address: str) -> None:
        """Count one failed attempt."""
        for item, *ids in self._keys(username, address):
            self._limiter.hit(item, *ids)
