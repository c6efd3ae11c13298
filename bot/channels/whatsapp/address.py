"""A WhatsApp address as the tip line keeps it: its own keyed hash, and the prefix on sending.

Twilio writes a WhatsApp user as ``whatsapp:+15145550123``. The privacy layer
(bot/privacy/keys.py) normalises an address to its digits, so the number is encrypted
without the prefix, and the prefix is put back on every message sent (``to_whatsapp``).
The contact's key is an HMAC of the same number under a key derived for WhatsApp: the
same number on SMS and on WhatsApp is two contacts, two conversations, and neither hash
reveals the other.
"""

from __future__ import annotations

from typing import Optional

from bot.channels.whatsapp.config import PREFIX
from bot.privacy.keys import MissingSecretError, contact_hash
from bot.settings import get_settings

DOMAIN = "/whatsapp"  # appended to TIPLINE_HASH_KEY for WhatsApp contacts


def contact_key(address: str, key: Optional[str] = None) -> str:
    """The keyed hash standing for the WhatsApp user ``address`` (with or without prefix)."""
    secret = key if key is not None else get_settings().hash_key
    if not secret:
        raise MissingSecretError("TIPLINE_HASH_KEY is not set")
    return contact_hash(address.removeprefix(PREFIX), key=secret + DOMAIN)


def to_whatsapp(address: str) -> str:
    """``+1514...`` -> ``whatsapp:+1514...`` (unchanged when already prefixed)."""
    return address if address.startswith(PREFIX) else PREFIX + address
