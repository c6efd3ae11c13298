"""Officers' replies held by the 24-hour window, delivered when the tipster writes again.

Called for every accepted WhatsApp message (the gateway), on the sender's thread pool:
each of the tipster's ``waiting`` replies is claimed (one process or task only), its
text found again in the tip's conversation by its digest (``gone`` once retention purged
it), and sent through the channel's door (bot/channels/twilio/delivery.py: opt-out and
forgetting respected, ``outbound_messages`` recorded; its parts tied to the message for
Twilio's delivery reports). Each delivery is audited on the tip, so the officer's page
shows when the reply went out.
"""

from __future__ import annotations

import logging
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.twilio.delivery import deliver_in_session
from bot.channels.twilio.sender import TwilioSender
from bot.channels.whatsapp import store
from bot.channels.whatsapp.spec import SPEC
from bot.store.db import session_scope
from bot.store.models import Tip, TipMessage, utcnow
from bot.store.tips import audit

log = logging.getLogger(__name__)


def _officer_message(session: Session, tip_id: int, digest: str) -> Optional[TipMessage]:
    rows = session.execute(
        select(TipMessage).where(TipMessage.tip_id == tip_id, TipMessage.direction == "out",
                                 TipMessage.author == "officer")
        .order_by(TipMessage.id.desc()).limit(50)).scalars()
    return next((message for message in rows if store.digest(message.text) == digest), None)


def release_held(contact_hash: str, sender: TwilioSender) -> int:
    """Deliver the tipster's held replies, oldest first; how many went out."""
    with session_scope() as session:
        ids = store.waiting(session, contact_hash)
    sent = 0
    for reply_id in ids:
        with session_scope() as session:
            if not store.claim(session, reply_id):
                continue
        with session_scope() as session:
            reply = session.get(store.WhatsAppReply, reply_id)
            tip = session.get(Tip, reply.tip_id)
            message = _officer_message(session, reply.tip_id, reply.digest)
            if message is None:
                status = reply.status = "gone"
            else:
                delivery = deliver_in_session(session, contact_hash, message.text, "officer",
                                              tip_id=reply.tip_id, sender=sender,
                                              channel=SPEC.name)
                delivery.recorded(session, message.id)  # for Twilio's delivery reports
                status = delivery.status
                reply.status = "delivered" if status == "sent" else status
                reply.delivered_at = utcnow() if status == "sent" else None
            audit(session, tip, "whatsapp", "whatsapp_held_reply", None,
                  {"delivery": status, "reply_id": reply_id})
            log.info("held whatsapp reply %s on tip %s: %s", reply_id, tip.reference, status)
        sent += status == "sent"
    return sent
