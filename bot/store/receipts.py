"""Repository functions for receipts: a tip's receipt hash, set once shown, and found again."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.receipts import new_receipt, receipt_hash
from bot.store.models import Tip

ATTEMPTS = 5  # a clash of two 53-bit receipts is all but impossible; never loop forever


def give_receipt(session: Session, tip: Tip) -> str:
    """A new secret receipt for ``tip``: its hash is stored, the receipt is returned once.

    A tip confirmed again (a turn retried after a failure) gets a new receipt, replacing
    the old one, which was never shown: replies are sent only once the turn counts.
    """
    for _ in range(ATTEMPTS):
        receipt = new_receipt()
        hashed = receipt_hash(receipt)
        if tip_by_receipt_hash(session, hashed) is None:
            break
    tip.receipt_hash = hashed
    return receipt


def tip_by_receipt_hash(session: Session, hashed: str) -> Optional[Tip]:
    """The tip whose receipt has this keyed hash (an indexed lookup by equality)."""
    return session.execute(select(Tip).where(Tip.receipt_hash == hashed)).scalar_one_or_none()
