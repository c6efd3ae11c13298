"""Short tip reference codes a tipster can quote by SMS ("K7Q2XA")."""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: nothing to misread
LENGTH = 6
PATTERN = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z2-9]*[2-9])(?=[A-Za-z2-9]*[A-Za-z])([A-HJ-NP-Za-hj-np-z2-9]{6})"
    r"(?![A-Za-z0-9])"
)


def new_reference() -> str:
    """A random code with at least one digit and one letter."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if any(c.isdigit() for c in code) and any(c.isalpha() for c in code):
            return code


def find_references(text: str) -> list[str]:
    """Reference-shaped codes in ``text``, upper-cased, in order."""
    return [m.upper() for m in PATTERN.findall(text or "")]
