"""The tipster side of SMS: the one door to a contact, recorded, opt-out and forgetting respected.

``deliver_to_contact`` loads the contact by its hash, refuses when the tipster opted out or
asked to be forgotten, decrypts the number in memory only, sends through
``bot.channels.twilio.sender``, and records each part in ``outbound_messages`` (never the
number). An officer reply asks Twilio for status callbacks and ties its parts to the
officer message once recorded (``Delivery.on_recorded``, reports.py).
``officer_sender`` adapts it to ``bot.outbound``'s Sender signature.
"""

from __future__ import annotations

from functools import partial
from typing import Optional

from sqlalchemy.orm import Session

from bot.channels.twilio import reports, store
from bot.channels.twilio.sender import TwilioSender, get_sender
from bot.channels.twilio.spec import SPEC
from bot.outbound import Delivery
from bot.privacy.keys import AddressCipher
from bot.store.db import session_scope
from bot.store.models import Tip


def deliver_in_session(session: Session, contact_hash: str, text: str, kind: str, *,
                       tip_id: Optional[int] = None, address: Optional[str] = None,
                       ignore_opt_out: bool = False,
                       sender: Optional[TwilioSender] = None,
                       channel: str = SPEC.name) -> Delivery:
    """Send ``text`` to the tipster behind ``contact_hash`` and record it in ``session``.

    ``address`` (the number, held in memory only) answers the message being processed even
    if the tipster just asked to be forgotten; otherwise it is decrypted from the contact.
    ``ignore_opt_out`` is for the one confirmation that follows STOP. ``channel`` is the
    stored channel of the records (WhatsApp sends through this door too).
    """
    sender = sender or get_sender()
    record = partial(store.record_outbound, channel=channel)
    contact = store.find_contact(session, contact_hash)
    if contact is None:
        return Delivery("no_channel", "unknown contact")
    if contact.opted_out and not ignore_opt_out:
        record(session, contact_hash, kind, "blocked_opted_out", tip_id=tip_id,
               characters=len(text), error="opted out")
        return Delivery("blocked_opted_out", "the tipster replied STOP")
    if address is None:
        if contact.address_encrypted is None:
            record(session, contact_hash, kind, "blocked_opted_out",
                   tip_id=tip_id, characters=len(text), error="forgotten")
            return Delivery("blocked_opted_out", "the tipster asked to forget their number")
        address = AddressCipher().decrypt(contact.address_encrypted)
        if address is None:
            record(session, contact_hash, kind, "failed", tip_id=tip_id,
                   characters=len(text), error="no key opens the address")
            return Delivery("failed", "address cannot be decrypted with the configured keys")
    if not sender.settings.can_send:
        record(session, contact_hash, kind, "failed", tip_id=tip_id,
               characters=len(text), error="twilio not configured")
        return Delivery("failed", "Twilio is not configured (account, token, sender)")
    officer = kind == "officer"
    callback = sender.status_callback_url() if officer else None
    result = sender.send_text(address, text, callback)
    link = reports.linker(result.parts, result.planned, channel, tip_id,
                          callback is not None) if officer else None
    for part in result.parts:
        record(session, contact_hash, kind, part.status, tip_id=tip_id,
               external_id=part.sid, segments=part.segments,
               characters=part.characters, attempts=part.attempts,
               error=part.error)
    if result.status == "blocked_opted_out":
        contact.opted_out = True  # Twilio says the number opted out: believe it
        return Delivery("blocked_opted_out", "Twilio reports the recipient unsubscribed",
                        on_recorded=link)
    return Delivery(result.status, ",".join(result.sids), on_recorded=link)


def deliver_to_contact(contact_hash: str, text: str, kind: str, *,
                       tip_id: Optional[int] = None, address: Optional[str] = None,
                       ignore_opt_out: bool = False,
                       sender: Optional[TwilioSender] = None,
                       channel: str = SPEC.name) -> Delivery:
    """``deliver_in_session`` in its own transaction (for the channel's worker threads)."""
    with session_scope() as session:
        return deliver_in_session(session, contact_hash, text, kind, tip_id=tip_id,
                                  address=address, ignore_opt_out=ignore_opt_out,
                                  sender=sender, channel=channel)


def officer_sender(session: Session, tip: Tip, text: str) -> Delivery:
    """``bot.outbound`` Sender for SMS tips: the tip's conversation id is the contact hash."""
    return deliver_in_session(session, tip.conversation_id, text, "officer", tip_id=tip.id)
