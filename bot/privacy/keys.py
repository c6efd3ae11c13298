"""Keyed hashing and reversible encryption of tipster addresses (phone numbers).

* ``contact_hash``: HMAC-SHA256 of the normalised address with ``TIPLINE_HASH_KEY``. It
  identifies a conversation without revealing the number.
* ``AddressCipher``: Fernet encryption with ``TIPLINE_ENCRYPTION_KEYS`` (comma-separated;
  the first key encrypts, every key decrypts: prepend a new key, run
  ``tipline rotate-keys``, then drop the old one).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.settings import get_settings


class MissingSecretError(RuntimeError):
    """A secret the tip line needs is not set in the environment."""


def normalise_address(address: str) -> str:
    """``+1 (514) 555-0100`` and ``+15145550100`` are the same tipster."""
    digits = re.sub(r"[^\d+]", "", address.strip())
    return digits if digits else address.strip().lower()


def contact_hash(address: str, key: Optional[str] = None) -> str:
    """The keyed hash that stands for ``address`` everywhere in the tip line."""
    secret = key if key is not None else get_settings().hash_key
    if not secret:
        raise MissingSecretError("TIPLINE_HASH_KEY is not set")
    digest = hmac.new(secret.encode(), normalise_address(address).encode(), hashlib.sha256)
    return digest.hexdigest()


class AddressCipher:
    """Encrypts addresses so that only this server can reply to a tipster."""

    def __init__(self, keys: Optional[str] = None) -> None:
        raw = keys if keys is not None else get_settings().encryption_keys
        parts = [k.strip() for k in raw.split(",") if k.strip()]
        if not parts:
            raise MissingSecretError("TIPLINE_ENCRYPTION_KEYS is not set")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])

    def encrypt(self, address: str) -> str:
        return self._fernet.encrypt(normalise_address(address).encode()).decode()

    def decrypt(self, token: str) -> Optional[str]:
        """The clear address, or None if no configured key opens it."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` with the newest key."""
        return self._fernet.rotate(token.encode()).decode()


def new_key() -> str:
    """A fresh Fernet key (for ``tipline secrets``)."""
    return Fernet.generate_key().decode()
