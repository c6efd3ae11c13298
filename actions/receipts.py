"""Receipts in the actions: confirm a tip with its secret receipt, answer a quoted one.

Imports nothing from ``actions.base`` so that its ``LocalizedReply`` can answer receipts too.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation import Turn
from bot.engagement.confirmed import note_confirmed
from bot.messages import get_catalog
from bot.receipt_followup import ReceiptAnswer, has_receipt, issue_receipt, use_receipt

# A message quoting a wrong receipt that has at least this many other words is also taken
# as what it is (a tip: a 16-digit card number in a scam report), never dropped.
WORDS_OF_A_TIP = 4


def say(dispatcher: CollectingDispatcher, key: str, language: str, **params: Any) -> None:
    dispatcher.utter_message(text=get_catalog().render(key, language, **params))


async def confirm(dispatcher: CollectingDispatcher, tracker: Tracker, key: str, language: str,
                  reference: str) -> None:
    """The confirmation ``key`` of tip ``reference``, then its receipt (shown this once)."""
    receipt = await asyncio.to_thread(issue_receipt, reference, tracker.sender_id)
    say(dispatcher, key, language, reference=reference)
    if receipt:
        say(dispatcher, "tip_receipt", language, receipt=receipt)
    note_confirmed(reference, language)  # may get the feedback question (actions/engagement.py)


async def answer_receipt(dispatcher: CollectingDispatcher, tracker: Tracker,
                         language: str) -> Optional[ReceiptAnswer]:
    """Answer a receipt quoted in the latest message (None: it quotes none).

    A found tip gets its status (and "information added" when the message said more); a
    wrong or throttled receipt gets one answer that says nothing of any tip.
    """
    turn = Turn.from_parse_data(tracker.latest_message or {})
    if not has_receipt(turn):
        return None
    answer = await asyncio.to_thread(use_receipt, turn, tracker.sender_id)
    if answer is None:
        return None
    if not answer.found:
        say(dispatcher, "receipt_not_found", language)
        return answer
    if answer.added:
        say(dispatcher, "info_added", language, reference=answer.reference)
    label = get_catalog().status_label(answer.status or "new", language)
    say(dispatcher, "status", language, reference=answer.reference, status=label)
    return answer


def answered(answer: Optional[ReceiptAnswer]) -> bool:
    """True when the receipt's answer is all the message gets (no new tip from it)."""
    return answer is not None and (answer.found or answer.rest_words < WORDS_OF_A_TIP)
