"""Officer reply retries (SMS and WhatsApp): a reply Twilio would not take now is sent again later.

``bot.channels.twilio.sender`` already retries each part a few times within seconds (429,
5xx, connection errors). When that is not enough (Twilio or the network down for minutes),
``officer_sender`` — the sender ``bot.outbound`` uses for SMS and WhatsApp tips (their
``SPEC.sender``) — schedules ``retry_officer_sms`` (bot/jobs/tasks.py) after
``TIPLINE_JOBS_SMS_RETRY_DELAY`` seconds, retried by huey up to ``TIPLINE_JOBS_SMS_RETRIES``
times. The job carries the tip id and a digest of the text, never the text or the number:
it sends the officer message stored in ``tip_messages`` again (nothing, once retention
purged it) through the tip's channel's own sender (``CHANNELS``), which decides anew: on
WhatsApp the 24-hour window is checked again (free text, a template, or held until the
tipster writes: bot/channels/whatsapp/sender.py). A reply Twilio already took whole
(``officer_reply_parts``, bot/channels/twilio/reports.py), or a later copy of the same text
it took, is not sent again. A reply of several parts whose first parts went out is sent
again whole; the parts of each attempt are tied to the message for Twilio's delivery
reports (the attempt number grows).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbound import Delivery, Sender
from bot.settings import get_settings
from bot.store.models import Tip, TipMessage

log = logging.getLogger(__name__)
# The channels whose officer replies are retried: their own officer sender (no retry of its
# own beyond Twilio's quick ones) and the function giving their Twilio sender (configured?).
CHANNELS: Dict[str, Tuple[str, str]] = {
    "sms": ("bot.channels.twilio.delivery:officer_sender",
            "bot.channels.twilio.sender:get_sender"),
    "whatsapp": ("bot.channels.whatsapp.sender:officer_sender",
                 "bot.channels.whatsapp.sender:get_sender"),
}
GONE, ACCEPTED = "gone", "accepted"  # what a retry did instead of sending


class DeliveryFailedError(RuntimeError):
    """The retry failed again (huey retries the job while it has retries left)."""


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _load(path: str) -> Any:
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def channel_sender(channel: str) -> Optional[Sender]:
    """The channel's own officer sender (None: its replies are not retried by the jobs)."""
    paths = CHANNELS.get(channel)
    return _load(paths[0]) if paths else None


def officer_sender(session: Session, tip: Tip, text: str) -> Delivery:
    """The SMS and WhatsApp officer sender: the channel's own; a failed delivery is retried
    later by the jobs (not a reply WhatsApp's window holds: it waits for the tipster)."""
    send = channel_sender(tip.channel)
    if send is None:
        return Delivery("no_channel", tip.channel)
    delivery = send(session, tip, text)
    if delivery.status == "failed" and _load(CHANNELS[tip.channel][1])().settings.can_send:
        schedule_retry(tip.id, text)
    return delivery


def schedule_retry(tip_id: int, text: str) -> bool:
    """Queue a later retry of this reply; False (logged) if the queue is unreachable."""
    try:
        from bot.jobs.tasks import retry_officer_sms

        retry_officer_sms.schedule((tip_id, text_digest(text)),
                                   delay=get_settings().jobs.sms_retry_delay)
    except Exception as error:  # the reply stays recorded as failed in the audit
        log.warning("officer reply on tip %s: retry not queued (%s)", tip_id,
                    type(error).__name__)
        return False
    return True


def _officer_message(session: Session, tip_id: int,
                     digest: str) -> Tuple[Optional[TipMessage], str]:
    """The officer message to send again: of the messages with this text, the oldest one
    newer than any Twilio took whole. (None, ``gone``): none left; (None, ``accepted``):
    Twilio took it (or a later copy of it) already."""
    from bot.channels.twilio.reports import accepted

    rows = session.execute(
        select(TipMessage).where(TipMessage.tip_id == tip_id, TipMessage.direction == "out",
                                 TipMessage.author == "officer")
        .order_by(TipMessage.id.desc()).limit(50)
    ).scalars()
    copies: List[TipMessage] = [m for m in rows if text_digest(m.text) == digest]
    taken = accepted(session, [m.id for m in copies])
    found: Optional[TipMessage] = None
    for message in copies:  # newest first
        if message.id in taken:
            break
        found = message
    return found, GONE if not copies else ACCEPTED


def resend_officer_reply(tip_id: int, digest: str) -> str:
    """Send the officer reply ``digest`` of tip ``tip_id`` again through the tip's channel's
    sender; its delivery status (``gone``, ``accepted``: nothing was sent).

    Raises ``DeliveryFailedError`` when Twilio refuses again. Each attempt is audited
    (``sms_retry``, ``whatsapp_retry``).
    """
    from bot.store.db import session_scope
    from bot.store.tips import audit

    with session_scope() as session:
        tip = session.get(Tip, tip_id)
        send = channel_sender(tip.channel) if tip is not None else None
        message, why = _officer_message(session, tip_id, digest) if send else (None, GONE)
        if tip is None or send is None or message is None:
            log.info("officer reply retry on tip %s: %s, nothing sent", tip_id,
                     "already accepted by Twilio" if why == ACCEPTED else "message gone")
            return why
        delivery = send(session, tip, message.text)
        delivery.recorded(session, message.id)  # its parts' delivery reports, for officers
        audit(session, tip, "jobs", f"{tip.channel}_retry", None, {"delivery": delivery.status})
        reference = tip.reference
    log.info("officer reply retry on tip %s: %s", reference, delivery.status)
    if delivery.status == "failed":
        raise DeliveryFailedError(f"tip {reference}: {delivery.detail or 'failed'}")
    return delivery.status
