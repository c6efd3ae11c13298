"""Replies on WhatsApp through Twilio's Messages API, and officers' replies and the window.

``WhatsAppSender`` is the SMS sender (bot/channels/twilio/sender.py: retries, back-off,
21610) with the WhatsApp sender address, a reply sent whole (no SMS segments; parts of at
most 1600 characters, Twilio's limit) and approved templates (``ContentSid`` and
``ContentVariables``). ``officer_sender``, the channel's ``SPEC.sender``, applies the
24-hour window (window.py): free text inside it; outside, a template when the reply has
one, else the reply waits for the tipster's next message (held.py). Which of the three
is recorded in ``whatsapp_replies`` (store.py), for the officers' console; officer
replies and templates ask for Twilio's status callbacks (bot/channels/twilio/reports.py).
A free text or template Twilio would not take is sent again later by the jobs
(``bot.jobs.sms.officer_sender`` wraps this one), which call ``officer_sender`` anew: the
window is checked again at that time.
"""

from __future__ import annotations

import dataclasses
import textwrap
import threading
from typing import List, Optional

from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException

from bot.channels.twilio import reports
from bot.channels.twilio import store as contacts
from bot.channels.twilio.delivery import deliver_in_session
from bot.channels.twilio.sender import OPTED_OUT_ERROR, PartResult, SendResult, TwilioSender
from bot.channels.whatsapp import store
from bot.channels.whatsapp.address import to_whatsapp
from bot.channels.whatsapp.spec import SPEC
from bot.channels.whatsapp.templates import Template, template_for
from bot.channels.whatsapp.window import decide, window_open
from bot.inbox.text import clean
from bot.outbound import Delivery, standard_message
from bot.privacy.keys import AddressCipher
from bot.settings import Settings, TwilioSettings, get_settings
from bot.store.models import Tip, utcnow

MAX_BODY = 1600  # characters in one Messages API call
QUEUED_DETAIL = "queued until the tipster writes (WhatsApp 24-hour window)"
TEMPLATE_DETAIL = "sent as an approved WhatsApp template (24-hour window closed)"


def twilio_settings(settings: Optional[Settings] = None) -> TwilioSettings:
    """The SMS channel's Twilio account with WhatsApp's sender, webhook URL and limit."""
    settings = settings or get_settings()
    whatsapp = settings.whatsapp
    return dataclasses.replace(settings.twilio, from_number=whatsapp.sender_address,
                               messaging_service_sid=whatsapp.messaging_service_sid,
                               public_url=whatsapp.public_url, rate_limit=whatsapp.rate_limit)


def split_body(text: str) -> List[str]:
    """A reply as one message (parts of at most 1600 characters only beyond that)."""
    text = clean(text).strip()
    if len(text) <= MAX_BODY:
        return [text] if text else []
    return textwrap.wrap(text, MAX_BODY, replace_whitespace=False, drop_whitespace=True)


class WhatsAppSender(TwilioSender):
    """Sends WhatsApp messages and templates (blocking: call it from a worker thread)."""

    input_name = SPEC.input_name

    def send_part(self, to: str, body: str, status_callback: Optional[str] = None) -> PartResult:
        return super().send_part(to_whatsapp(to), body, status_callback)

    def send_text(self, to: str, text: str, status_callback: Optional[str] = None) -> SendResult:
        parts = split_body(text)
        result = SendResult(planned=len(parts))
        for part in parts:
            outcome = self.send_part(to, part, status_callback)
            result.parts.append(outcome)
            if outcome.status in ("failed", "blocked_opted_out"):
                break
        return result

    def send_template(self, to: str, template: Template,
                      status_callback: Optional[str] = None) -> SendResult:
        """One approved template (not retried here: the officer sees a failure at once, and
        the jobs send the reply again later)."""
        try:
            message = self.client.messages.create(
                to=to_whatsapp(to), content_sid=template.content_sid,
                content_variables=template.variables, **self._extra(status_callback))
        except TwilioRestException as error:
            status = "blocked_opted_out" if error.code == OPTED_OUT_ERROR else "failed"
            part = PartResult(status, attempts=1, error_code=error.code,
                              error=f"HTTP {error.status} (twilio {error.code})")
        except (TwilioException, OSError) as error:
            part = PartResult("failed", attempts=1, error=type(error).__name__)
        else:
            part = PartResult(str(message.status or "queued"), sid=message.sid, segments=1,
                              attempts=1)
        return SendResult([part], planned=1)


_sender: Optional[WhatsAppSender] = None
_lock = threading.Lock()


def get_sender() -> WhatsAppSender:
    """The process-wide WhatsApp sender configured from the settings."""
    global _sender
    with _lock:
        if _sender is None:
            _sender = WhatsAppSender(twilio_settings())
        return _sender


def set_sender(sender: Optional[WhatsAppSender]) -> None:
    """Replace the process-wide sender (the channel's own, tests)."""
    global _sender
    with _lock:
        _sender = sender


def standard_key(tip: Tip, text: str) -> Optional[str]:
    """The standard reply ``text`` is (as ``bot.outbound`` wrote it), or None: free text."""
    from bot.messages import get_officer_replies

    keys = get_officer_replies().keys()  # the catalogue is not a mapping
    for key in keys:
        if standard_message(tip, key).text == text:
            return key
    return None


def officer_sender(session: Session, tip: Tip, text: str) -> Delivery:
    """``bot.outbound`` Sender for WhatsApp tips (conversation id = contact hash)."""
    sender, settings = get_sender(), get_settings().whatsapp
    key = tip.conversation_id
    contact = contacts.find_contact(session, key)
    reachable = (contact is not None and not contact.opted_out
                 and contact.address_encrypted is not None)
    is_open = window_open(store.last_inbound(session, key), utcnow(), settings.window_minutes)
    template = None
    if reachable and not is_open and settings.uses_templates:
        template = template_for(standard_key(tip, text), tip.language,
                                {"reference": tip.reference}, settings.content_sids)
    mode = decide(is_open or not reachable, template and template.content_sid,
                  settings.uses_templates)
    if mode == store.FREE:  # also: the door refuses (and records) an unreachable tipster
        delivery = deliver_in_session(session, key, text, "officer", tip_id=tip.id,
                                      sender=sender, channel=SPEC.name)
        if contact is not None:
            store.record_reply(session, tip.id, key, text, store.FREE, delivery.status)
        return delivery
    if mode == store.QUEUED:
        store.record_reply(session, tip.id, key, text, store.QUEUED, store.WAITING)
        return Delivery("queued", QUEUED_DETAIL)
    assert template is not None and contact is not None
    return _send_template(session, tip, text, template, contact.address_encrypted, sender)


def _send_template(session: Session, tip: Tip, text: str, template: Template,
                   encrypted: str, sender: WhatsAppSender) -> Delivery:
    key = tip.conversation_id
    address = AddressCipher().decrypt(encrypted)
    if address is None or not sender.settings.can_send:
        why = "no key opens the address" if address is None else "twilio not configured"
        contacts.record_outbound(session, key, "officer", "failed", tip_id=tip.id,
                                 error=why, channel=SPEC.name)
        store.record_reply(session, tip.id, key, text, store.TEMPLATE, "failed", template.key)
        return Delivery("failed", why)
    callback = sender.status_callback_url()
    result = sender.send_template(address, template, callback)
    link = reports.linker(result.parts, 1, SPEC.name, tip.id, callback is not None)
    for part in result.parts:
        contacts.record_outbound(session, key, "officer", part.status, tip_id=tip.id,
                                 external_id=part.sid, segments=part.segments,
                                 characters=len(text), attempts=part.attempts,
                                 error=part.error, channel=SPEC.name)
    store.record_reply(session, tip.id, key, text, store.TEMPLATE, result.status, template.key)
    if result.status != "sent":
        return Delivery(result.status, ",".join(p.error or "" for p in result.parts),
                        on_recorded=link)
    return Delivery("sent", TEMPLATE_DETAIL, on_recorded=link)
