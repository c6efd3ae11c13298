"""Officer SMS retries: a reply Twilio would not take now is sent again later by the jobs.

``bot.channels.twilio.sender`` already retries each part a few times within seconds (429,
5xx, connection errors). When that is not enough (Twilio or the network down for minutes),
``officer_sender`` — the SMS sender ``bot.outbound`` uses — schedules ``retry_officer_sms``
(bot/jobs/tasks.py) after ``TIPLINE_JOBS_SMS_RETRY_DELAY`` seconds, retried by huey up to
``TIPLINE_JOBS_SMS_RETRIES`` times. The job carries the tip id and a digest of the text,
never the text or the number: it sends the officer message stored in ``tip_messages``
again (nothing, once retention purged it), through the channel's own sender. A reply of
several parts whose first parts went out is sent again whole; the parts of each attempt
are tied to the message for Twilio's delivery reports (bot/channels/twilio/reports.py).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbound import Delivery
from bot.settings import get_settings
from bot.store.models import Tip, TipMessage

log = logging.getLogger(__name__)


class DeliveryFailedError(RuntimeError):
    """The retry failed again (huey retries the job while it has retries left)."""


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def officer_sender(session: Session, tip: Tip, text: str) -> Delivery:
    """The SMS channel's officer sender; a failed delivery is retried later by the jobs."""
    from bot.channels.twilio.delivery import officer_sender as send
    from bot.channels.twilio.sender import get_sender

    delivery = send(session, tip, text)
    if delivery.status == "failed" and get_sender().settings.can_send:
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


def _officer_message(session: Session, tip_id: int, digest: str) -> Optional[TipMessage]:
    rows = session.execute(
        select(TipMessage).where(TipMessage.tip_id == tip_id, TipMessage.direction == "out",
                                 TipMessage.author == "officer")
        .order_by(TipMessage.id.desc()).limit(50)
    ).scalars()
    return next((m for m in rows if text_digest(m.text) == digest), None)


def resend_officer_reply(tip_id: int, digest: str) -> str:
    """Send the officer reply ``digest`` of tip ``tip_id`` again; its delivery status.

    Raises ``DeliveryFailedError`` when Twilio refuses again. Each attempt is audited.
    """
    from bot.channels.twilio.delivery import officer_sender as send
    from bot.store.db import session_scope
    from bot.store.tips import audit

    with session_scope() as session:
        tip = session.get(Tip, tip_id)
        message = _officer_message(session, tip_id, digest) if tip is not None else None
        if tip is None or message is None:
            log.info("officer reply retry on tip %s: message gone, nothing sent", tip_id)
            return "gone"
        delivery = send(session, tip, message.text)
        delivery.recorded(session, message.id)  # its parts' delivery reports, for officers
        audit(session, tip, "jobs", "sms_retry", None, {"delivery": delivery.status})
        reference = tip.reference
    log.info("officer reply retry on tip %s: %s", reference, delivery.status)
    if delivery.status == "failed":
        raise DeliveryFailedError(f"tip {reference}: {delivery.detail or 'failed'}")
    return delivery.status
