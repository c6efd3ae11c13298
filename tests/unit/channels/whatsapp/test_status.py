"""Twilio's status callbacks of officers' WhatsApp replies: free text, templates and replies
held by the 24-hour window ask for WhatsApp's own callback URL (what the fake Messages API
received) and are tied to their officer message; signed callbacks on the WhatsApp route
move them forward; one signed for another URL is refused; a 63016 failure is said plainly."""

from __future__ import annotations

import asyncio
from typing import Any, List

from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.channels.twilio.notes import delivery_states
from bot.channels.twilio.reports import ReplyPart
from bot.channels.whatsapp.gateway import WhatsAppGateway
from bot.channels.whatsapp.spec import SPEC
from bot.store.db import session_scope
from bot.store.models import Tip, TipMessage
from harness.fakes.twilio_whatsapp import FakeWhatsAppApi
from harness.twilio import AUTH_TOKEN, PUBLIC_BASE, TwilioWebhooks, number_formats
from tests.unit.channels.whatsapp.conftest import TIPSTER, close_tipster_window
from tests.unit.channels.whatsapp.test_sender import free, standard, tip_line

PATH = f"/webhooks/{SPEC.input_name}/status"
STATUS_URL = PUBLIC_BASE + PATH
INTERNAL_URL = "http://10.1.2.3:5005" + PATH


def parts() -> List[ReplyPart]:
    with session_scope() as session:
        rows = list(session.execute(select(ReplyPart).order_by(ReplyPart.id)).scalars())
        session.expunge_all()
        return rows


def officer_messages(tip: Tip) -> List[int]:
    with session_scope() as session:
        return list(session.execute(select(TipMessage.id).where(
            TipMessage.tip_id == tip.id, TipMessage.author == "officer")
            .order_by(TipMessage.id)).scalars())


def state_text(message_id: int) -> str:
    with session_scope() as session:
        return delivery_states(session, [message_id])[message_id].text


def callback(sid: str, status: str, code: Any = None, url: str = STATUS_URL) -> int:
    form = TwilioWebhooks(INTERNAL_URL).status_form(sid, status, TIPSTER, code)
    form.update(ChannelPrefix="whatsapp", ChannelToAddress=TIPSTER.removeprefix("whatsapp:"))
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    gateway = WhatsAppGateway()

    async def run() -> int:
        return (await gateway.status_callbacks.handle(INTERNAL_URL, form, signature)).status

    return asyncio.run(run())


def test_a_free_whatsapp_reply_asks_for_the_whatsapp_callback_and_is_reported(
        env: dict, api: FakeWhatsAppApi) -> None:
    tip = tip_line(api)
    before = len(api.messages(to=TIPSTER))
    assert free(tip, "Can you describe the vehicle?").status == "sent"
    [sent] = api.messages(to=TIPSTER)[before:]
    assert sent.status_callback == STATUS_URL
    assert all(m.status_callback is None for m in api.messages(to=TIPSTER)[:before])  # bot's
    [row] = parts()
    [message_id] = officer_messages(tip)
    assert (row.external_id, row.message_id, row.channel) == (sent.sid, message_id, "whatsapp")
    sms_url = PUBLIC_BASE + "/webhooks/tipline_twilio/status"
    assert callback(sent.sid, "delivered", url=sms_url) == 403  # signed for another route
    assert parts()[0].status == "queued"
    assert callback(sent.sid, "delivered") == 200
    assert callback(sent.sid, "read") == 200
    assert callback(sent.sid, "delivered") == 200  # late: changes nothing
    assert parts()[0].status == "read"
    assert state_text(message_id) == "delivered and read"
    stored = repr(vars(parts()[0]))
    assert not any(f in stored for f in number_formats(TIPSTER.removeprefix("whatsapp:")))


def test_templates_and_held_replies_are_tied_to_their_messages(
        env: dict, api: FakeWhatsAppApi) -> None:
    tip = tip_line(api)
    close_tipster_window(api)
    before = len(api.messages(to=TIPSTER))
    assert standard(tip, "investigating").status == "sent"  # the approved template
    assert free(tip, "Can you describe the vehicle?").status == "queued"  # held
    [template] = api.messages(to=TIPSTER)[before:]
    assert template.content_sid == env["template_sid"]
    assert template.status_callback == STATUS_URL
    [template_id, held_id] = officer_messages(tip)
    assert [(r.message_id, r.external_id) for r in parts()] == [(template_id, template.sid)]
    tip_line(api)  # the tipster writes: the held reply goes out
    held = next(m for m in api.messages(to=TIPSTER)[before:]
                if m.body.endswith("Can you describe the vehicle?"))
    assert held.status_callback == STATUS_URL
    assert [(r.message_id, r.external_id) for r in parts()] == [
        (template_id, template.sid), (held_id, held.sid)]
    assert callback(held.sid, "undelivered", 63016) == 200
    assert state_text(held_id) == "not delivered: outside WhatsApp's 24-hour window (63016)"
    assert state_text(template_id) == "waiting at Twilio, not yet sent"
