"""Receipts in use: given when a tip is confirmed, quoted later from any channel."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Optional

from bot.conversation import TIP_CATEGORIES, Turn, word_count
from bot.intake import english_text
from bot.receipts import (
    PATTERN,
    ReceiptGuard,
    find_receipts,
    get_guard,
    mask_receipts,
    receipt_hash,
    same_hash,
)
from bot.store.db import session_scope
from bot.store.receipts import give_receipt, tip_by_receipt_hash
from bot.store.tips import add_message, audit, find_for_conversation

log = logging.getLogger(__name__)

# What a message quoting a receipt must add to be kept as information for the tip: words
# beyond the receipt ("receipt 4821 9930 1177 2045 any news?" only asks for the status).
INFO_WORDS = 5
INFO_WORDS_OF_A_TIP = 2  # when the NLU reads a tip or more information in it


@dataclass(frozen=True)
class ReceiptAnswer:
    """What the tip line may say to a receipt: nothing about any tip unless ``found``."""

    found: bool
    reference: Optional[str] = None
    status: Optional[str] = None
    added: bool = False
    rest_words: int = 0  # words of the message besides the receipt


def issue_receipt(reference: str, conversation_id: str) -> Optional[str]:
    """A secret receipt for this conversation's tip ``reference`` (None: no such tip)."""
    with session_scope() as session:
        tip = find_for_conversation(session, reference, conversation_id)
        if tip is None:
            return None
        receipt = give_receipt(session, tip)
        audit(session, tip, "system", "receipt_issued")
        return receipt


def has_receipt(turn: Turn) -> bool:
    return bool(find_receipts(turn.original_text))


def use_receipt(turn: Turn, conversation_id: str,
                guard: Optional[ReceiptGuard] = None) -> Optional[ReceiptAnswer]:
    """Answer a message that quotes a receipt (None: it quotes none).

    The tip is looked up by the receipt's keyed hash even when the try is throttled, and a
    throttled try is answered as a wrong one: neither says whether the receipt exists. A
    found tip gets the message as information when it says more than the receipt; the
    conversation is never linked to the tip.
    """
    codes = find_receipts(turn.original_text)
    if not codes:
        return None
    guard = guard or get_guard()
    hashed = receipt_hash(codes[0])
    verdict = guard.attempt(conversation_id, hashed)
    rest_words = word_count(PATTERN.sub(" ", turn.original_text))
    with session_scope() as session:
        tip = tip_by_receipt_hash(session, hashed)
        if tip is None or not verdict.allowed or not same_hash(tip.receipt_hash, hashed):
            guard.wrong(verdict)
            log.info("receipt try answered: no tip shown (wrong or throttled)")
            return ReceiptAnswer(False, rest_words=rest_words)
        reference, status = tip.reference, tip.status
    added = carries_information(turn, rest_words)
    if added:
        added = add_by_receipt(turn, hashed)
    log.info("receipt try answered: tip %s, information added=%s", reference, added)
    return ReceiptAnswer(True, reference, status, added, rest_words)


def carries_information(turn: Turn, rest_words: int) -> bool:
    """More than a status question: kept for the officers."""
    if turn.intent == "add_information" or turn.intent in TIP_CATEGORIES:
        return rest_words >= INFO_WORDS_OF_A_TIP
    return rest_words >= INFO_WORDS


def add_by_receipt(turn: Turn, hashed: str) -> bool:
    """Attach the message, its receipt masked, to the tip (translated for officers first)."""
    masked = mask_receipts(turn.original_text)
    translated = mask_receipts(turn.translated_text) if turn.translated_text else None
    clean = dataclasses.replace(turn, original_text=masked, translated_text=translated)
    english, _ = english_text(clean)
    with session_scope() as session:
        tip = tip_by_receipt_hash(session, hashed)
        if tip is None:
            return False
        add_message(session, tip, "in", "tipster", masked, turn.language,
                    mask_receipts(english) if english else None)
        audit(session, tip, "tipster", "information_added", None,
              {"characters": len(masked), "by": "receipt"})
        return True
