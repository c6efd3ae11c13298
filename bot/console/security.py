"""Passwords (argon2id) and API tokens (SHA-256 of a random secret)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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
