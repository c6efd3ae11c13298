"""Receipts: made, found in any script, hashed with the key, throttled, used from elsewhere."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.conversation import Turn
from bot.logging_safe import make_safe
from bot.privacy.keys import contact_hash
from bot.receipt_followup import issue_receipt, use_receipt
from bot.receipts import (
    ReceiptGuard,
    find_receipts,
    get_guard,
    mask_receipts,
    new_receipt,
    normalise,
    receipt_hash,
    same_hash,
)
from bot.store.models import AuditEntry, Tip, TipMessage

RECEIPT = "4821 9930 1177 2045"
DIGITS = "4821993011772045"


def turn(text: str, intent: str = "check_status", language: str = "en") -> Turn:
    return Turn.from_parse_data({"text": text, "intent": {"name": intent, "confidence": 0.9},
                                 "language": language, "language_reliable": True})


# --- the code itself --------------------------------------------------------------------------

def test_a_new_receipt_is_16_random_digits_in_groups_of_4() -> None:
    made = {new_receipt() for _ in range(200)}
    assert len(made) == 200
    assert all(re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{4}", receipt) for receipt in made)


@pytest.mark.parametrize("text", [
    f"receipt {RECEIPT} any news?", DIGITS, "4821-9930-1177-2045", "4821.9930.1177.2045",
    "Mon reçu : 4821 - 9930 - 1177 - 2045, des nouvelles ?",
    "٤٨٢١ ٩٩٣٠ ١١٧٧ ٢٠٤٥ هل من جديد؟",  # Arabic-Indic digits
    "رسید من ۴۸۲۱ ۹۹۳۰ ۱۱۷۷ ۲۰۴۵",  # Persian digits
    "控え番号は４８２１　９９３０　１１７７　２０４５です",  # full-width digits
    "रसीद ४८२१ ९९३० ११७७ २०४५",  # Devanagari digits
    "48 21 99 30 11 77 20 45",  # read out in pairs on a voice line
])
def test_a_receipt_is_found_however_it_is_typed(text: str) -> None:
    assert find_receipts(text) == [DIGITS]
    assert DIGITS not in mask_receipts(text) and "[receipt]" in mask_receipts(text)


@pytest.mark.parametrize("text", [
    "call me at +1 514 555 0100", "514-555-0100 and 514-555-0199",
    "on 2024-05-01 at 10:30, plate GKT 4419, 12 people",
    "4821 9930 1177 204",  # 15 digits
    "4821 9930 1177 2045 9",  # 17 digits
    "B4RT7W",
])
def test_other_numbers_are_no_receipt(text: str) -> None:
    assert find_receipts(text) == []


def test_the_hash_is_keyed_normalised_and_apart_from_contact_hashes() -> None:
    hashed = receipt_hash(RECEIPT, key="k1")
    assert re.fullmatch("[0-9a-f]{64}", hashed) and DIGITS not in hashed
    assert hashed == receipt_hash("4821-9930-1177-2045", key="k1") == receipt_hash(
        "٤٨٢١٩٩٣٠١١٧٧٢٠٤٥", key="k1")
    assert hashed != receipt_hash(RECEIPT, key="k2")
    assert hashed != contact_hash(DIGITS, key="k1")
    assert normalise("4821 9930") is None
    assert same_hash(hashed, hashed) and not same_hash(hashed, None)


def test_a_receipt_never_reaches_a_log() -> None:
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "text was %s",
                               (f"receipt {RECEIPT} from +15145550100",), None)
    message = make_safe(record).getMessage()
    assert DIGITS[:4] not in message and "[redacted-receipt]" in message
    assert "5550100" not in message


def test_a_message_sid_with_sixteen_digits_in_a_row_stays_whole_in_the_logs() -> None:
    sid = "SM283fdab82c78186f5459606724240990"  # a real shape: 16 digits at its end
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "webhook %s; receipt %s",
                               (sid, RECEIPT), None)
    message = make_safe(record).getMessage()
    assert sid in message and message.endswith("receipt [redacted-receipt]")


# --- the throttle -----------------------------------------------------------------------------

def test_wrong_tries_are_throttled_per_conversation_and_per_receipt() -> None:
    guard = ReceiptGuard(per_conversation="5/hour", per_receipt="3/hour", overall="100/hour")
    for attempt in range(5):
        verdict = guard.attempt("conversation-a", f"hash-{attempt}")
        assert verdict.allowed
        guard.wrong(verdict)
    assert not guard.attempt("conversation-a", "hash-right").allowed  # after 5 wrong tries
    assert guard.attempt("conversation-b", "hash-right").allowed  # another conversation
    for other in range(3):
        assert guard.attempt(f"other-{other}", "hash-x").allowed
    assert not guard.attempt("conversation-c", "hash-x").allowed  # one receipt, 3 tries


def test_wrong_tries_of_every_conversation_share_a_global_budget() -> None:
    guard = ReceiptGuard(per_conversation="5/hour", per_receipt="5/hour", overall="10/hour")
    for attempt in range(10):
        guard.wrong(guard.attempt(f"conversation-{attempt}", f"hash-{attempt}"))
    assert not guard.attempt("conversation-new", "hash-new").allowed


# --- in use, on a real tips store --------------------------------------------------------------

@pytest.fixture()
def store(tmp_path: Path) -> Iterator[str]:
    from harness.env import tipline_env

    get_guard.cache_clear()
    with tipline_env(tmp_path) as env:
        yield env["TIPLINE_DATABASE_URL"]
    get_guard.cache_clear()


def a_tip(conversation: str = "sms-conversation") -> str:
    from bot.intake import receive_tip

    tip = receive_tip(turn("Two men loaded bags of drugs into a van near Lacolle last night",
                           "drug_smuggling"), conversation, "sms", "en")
    return tip.reference


def rows(url: str, model: type) -> list:
    with Session(create_engine(url, future=True)) as session:
        return list(session.execute(select(model)).scalars())


def test_a_receipt_from_another_conversation_reaches_the_right_tip(store: str) -> None:
    a_tip("someone-else")
    reference = a_tip()
    receipt = issue_receipt(reference, "sms-conversation")
    assert receipt and issue_receipt(reference, "another-conversation") is None
    status = use_receipt(turn(f"receipt {receipt} any news?"), "webchat-session")
    assert status and (status.found, status.reference, status.status, status.added) == (
        True, reference, "new", False)
    more = use_receipt(turn(f"{receipt.replace('-', ' ')} the van came back tonight, "
                            "plate GKT 4419", "add_information"), "rest-sender")
    assert more and (more.found, more.reference, more.added) == (True, reference, True)
    tip = next(t for t in rows(store, Tip) if t.reference == reference)
    assert tip.conversation_id == "sms-conversation"  # never linked to the new conversation
    *_, message = [m for m in rows(store, TipMessage) if m.tip_id == tip.id]
    assert message.text == "[receipt] the van came back tonight, plate GKT 4419"


def test_the_receipt_is_stored_only_as_its_keyed_hash(store: str) -> None:
    receipt = issue_receipt(a_tip(), "sms-conversation") or ""
    use_receipt(turn(f"{receipt} they are back at the bridge with two trucks",
                     "add_information"), "other")
    digits = receipt.replace("-", "")
    dumped = " ".join(repr(vars(row)) for model in (Tip, TipMessage, AuditEntry)
                      for row in rows(store, model))
    assert digits[:8] not in dumped.replace(" ", "") and receipt not in dumped
    assert receipt_hash(receipt) in dumped


def test_a_wrong_receipt_tried_20_times_is_throttled_and_reveals_nothing(store: str) -> None:
    reference = a_tip()
    receipt = issue_receipt(reference, "sms-conversation") or ""
    before = len(rows(store, TipMessage))
    answers = [use_receipt(turn(f"receipt {new_receipt()}"), "attacker") for _ in range(20)]
    assert all(a is not None and not a.found and a.reference is None and a.status is None
               for a in answers)
    late = use_receipt(turn(f"receipt {receipt}"), "attacker")  # right, but throttled
    assert late is not None and (late.found, late.reference) == (False, None)
    assert len(rows(store, TipMessage)) == before
    right = use_receipt(turn(f"receipt {receipt}"), "the-tipster")  # elsewhere: still works
    assert right is not None and right.reference == reference


def test_a_message_without_a_receipt_is_not_a_receipt_try(store: str) -> None:
    assert use_receipt(turn("any news about B4RT7W?"), "sms-conversation") is None
