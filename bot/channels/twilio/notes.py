"""What the officers' console says of an officer reply's delivery, from Twilio's reports.

A reply's state is that of the parts of its latest attempt (reports.py), in plain English:
"delivered", "sent, not yet confirmed", "not delivered: the phone is unreachable (30003)",
"partly delivered: part 2 of 3 not delivered: ...". ``all_failed`` marks a reply none of
whose parts reached the phone, for the console to flag. Plain text: the console escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from sqlalchemy.orm import Session

from bot.channels.twilio.reports import FAILED, RANKS, ReplyPart, latest_parts

# Twilio's error codes an officer may meet, said plainly (https://www.twilio.com/docs/errors)
ERRORS: Dict[int, str] = {
    21211: "the number is not valid",
    21408: "texts to that country are not enabled on the tip line's account",
    21610: "the tipster opted out (STOP)",
    21614: "the number cannot receive texts",
    30001: "too many messages were waiting at Twilio",
    30002: "the tip line's Twilio account is suspended",
    30003: "the phone is unreachable",
    30004: "the message was blocked (the number may refuse messages)",
    30005: "the number is unknown or no longer exists",
    30006: "the number cannot receive texts (a landline, or its carrier is unreachable)",
    30007: "the carrier filtered it as spam",
    30008: "the carrier gave no reason",
    30034: "the tip line's number is not registered for texting in the US (A2P 10DLC)",
    63003: "the number is not on WhatsApp",
    63016: "outside WhatsApp's 24-hour window",
    63024: "WhatsApp refused the recipient",
}
PENDING = {1: "waiting at Twilio, not yet sent", 2: "being sent, not yet confirmed",
           3: "sent, not yet confirmed"}
NO_REPORTS = "handed to Twilio; no delivery reports (the tip line's public URL is not set)"


@dataclass(frozen=True)
class DeliveryState:
    """One officer reply's delivery, for the console."""

    text: str
    level: str  # delivered | pending | partial | failed | unknown
    all_failed: bool = False


def reason(part: Optional[ReplyPart]) -> str:
    """Why a part did not reach the phone, in plain English, with Twilio's code."""
    if part is None:
        return "not sent (an earlier part was refused)"
    code = part.error_code
    if code is None:
        return "Twilio did not accept it" if part.external_id is None else "no reason given"
    return f"{ERRORS.get(code, 'Twilio error')} ({code})"


def _numbers(indexes: Sequence[int]) -> str:
    return ("part " if len(indexes) == 1 else "parts ") + ", ".join(map(str, indexes))


def describe(parts: List[ReplyPart]) -> DeliveryState:
    """The state of one attempt at sending a reply, from its parts."""
    unknown = [p.status for p in parts if p.status not in RANKS]
    if unknown:
        return DeliveryState(f"unknown delivery state: {unknown[0]}", "unknown")
    total = max([p.parts for p in parts] + [len(parts)])
    by_index = {p.part: p for p in parts}
    every: List[Optional[ReplyPart]] = [by_index.get(i) for i in range(1, total + 1)]
    failed = [i for i, p in enumerate(every, 1) if p is None or p.status in FAILED]
    reasons = list(dict.fromkeys(reason(every[i - 1]) for i in failed))
    delivered = [p for p in parts if p.status_rank >= RANKS["delivered"]]
    if len(failed) == total:
        return DeliveryState("not delivered: " + "; ".join(reasons), "failed", True)
    if failed:
        return DeliveryState(f"partly delivered: {_numbers(failed)} of {total} not "
                             f"delivered: " + "; ".join(reasons), "partial")
    if len(delivered) == total:
        read = all(p.status == "read" for p in parts)
        whole = "" if total == 1 else f" (all {total} parts)"
        return DeliveryState(("delivered and read" if read else "delivered") + whole,
                             "delivered")
    lowest = min(p.status_rank for p in parts)
    text = PENDING.get(lowest, PENDING[3])
    if not all(p.callback for p in parts if p.status_rank < RANKS["delivered"]):
        text = NO_REPORTS
    if delivered:
        text += f" ({len(delivered)} of {total} parts delivered)"
    return DeliveryState(text, "pending")


def delivery_states(session: Session, message_ids: Sequence[int]) -> Dict[int, DeliveryState]:
    """The delivery state of each officer message that has parts handed to Twilio."""
    return {message_id: describe(parts)
            for message_id, parts in latest_parts(session, message_ids).items()}
