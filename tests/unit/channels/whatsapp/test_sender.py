"""Officers' replies on WhatsApp and the 24-hour window: free text inside it; outside, an
approved template (ContentSid) when the reply has one, else held until the tipster writes;
the console says which; opted-out tipsters get nothing."""

from __future__ import annotations

import asyncio
from typing import Tuple

import pytest
from sqlalchemy import select

from bot.channels.whatsapp.address import contact_key
from bot.channels.whatsapp.notes import window_note, window_record
from bot.channels.whatsapp.store import WhatsAppReply
from bot.outbound import Delivery, send_officer_reply, send_standard_reply
from bot.store.db import session_scope
from bot.store.models import AuditEntry, Tip, TipMessage
from harness.fakes.twilio_whatsapp import FakeWhatsAppApi
from tests.unit.channels.whatsapp.conftest import (
    TIPSTER,
    SpanishBot,
    close_tipster_window,
    close_window,
    latest_tip,
    make_gateway,
    say,
)

TEXT = "Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine desde ayer"


def tip_line(api: FakeWhatsAppApi, *later: str) -> Tip:
    """A Spanish tip from the tipster's WhatsApp (and ``later`` messages); its tip."""
    async def scenario() -> None:
        gateway = make_gateway(SpanishBot())
        for text in (TEXT, *later):
            await say(gateway, api, text)

    asyncio.run(scenario())
    return latest_tip(contact_key(TIPSTER))


def standard(tip: Tip, key: str) -> Delivery:
    with session_scope() as session:
        return send_standard_reply(session, session.get(Tip, tip.id), key, "officer-1")


def free(tip: Tip, text: str) -> Delivery:
    with session_scope() as session:
        return send_officer_reply(session, session.get(Tip, tip.id), text, "officer-1")


def last_note(tip: Tip) -> Tuple[str, str]:
    """(text, console note) of the tip's latest officer message."""
    with session_scope() as session:
        row = session.get(Tip, tip.id)
        message = session.execute(select(TipMessage).where(
            TipMessage.tip_id == tip.id, TipMessage.author == "officer")
            .order_by(TipMessage.id.desc())).scalars().first()
        return message.text, window_note(window_record(row, message))


def replies() -> list:
    with session_scope() as session:
        return [(r.mode, r.status, r.template) for r in
                session.execute(select(WhatsAppReply).order_by(WhatsAppReply.id)).scalars()]


def test_inside_the_window_a_reply_is_free_text(env: dict, api: FakeWhatsAppApi) -> None:
    tip = tip_line(api)
    before = len(api.messages(to=TIPSTER))
    assert standard(tip, "ask_vehicle").status == "sent"
    [sent] = api.messages(to=TIPSTER)[before:]
    assert sent.content_sid is None and sent.error_code is None
    assert sent.body.startswith(f"Mensaje de un agente sobre la denuncia {tip.reference}")
    assert replies() == [("free", "sent", None)]
    assert last_note(tip)[1] == ""


def test_outside_the_window_a_standard_reply_goes_as_its_template(
        env: dict, api: FakeWhatsAppApi) -> None:
    tip = tip_line(api)
    close_tipster_window(api)
    before = len(api.messages(to=TIPSTER))
    delivery = standard(tip, "investigating")
    assert delivery.status == "sent" and "template" in delivery.detail
    [sent] = api.messages(to=TIPSTER)[before:]
    assert sent.content_sid == env["template_sid"]
    assert sent.content_variables == {"1": tip.reference}
    assert sent.body == (f"Mensaje de un agente sobre la denuncia {tip.reference}: Estamos "
                         "investigando. Gracias.")
    assert sent.error_code is None  # a template is allowed outside the window
    assert replies() == [("template", "sent", "investigating")]
    text, note = last_note(tip)
    assert text == sent.body and "sent as template" in note


def test_outside_the_window_free_text_waits_for_the_tipster(env: dict,
                                                           api: FakeWhatsAppApi) -> None:
    tip = tip_line(api)
    key = contact_key(TIPSTER)
    close_window(key)
    api.age(TIPSTER, hours=25)
    before = len(api.messages(to=TIPSTER))
    delivery = free(tip, "Can you describe the vehicle?")
    assert delivery.status == "queued" and "24-hour window" in delivery.detail
    assert len(api.messages(to=TIPSTER)) == before  # nothing sent outside the window
    assert replies() == [("queued", "waiting", None)]
    assert "queued until the tipster writes (WhatsApp 24-hour window)" in last_note(tip)[1]
    tip_line(api)  # the tipster writes again: the held reply goes first
    sent = [m.body for m in api.messages(to=TIPSTER)[before:]]
    assert sent[0].endswith("Can you describe the vehicle?"), sent
    assert all(m.error_code is None for m in api.messages(to=TIPSTER))
    assert replies() == [("queued", "delivered", None)]
    assert "delivered" in last_note(tip)[1]
    with session_scope() as session:
        audited = session.execute(select(AuditEntry.after).where(
            AuditEntry.tip_id == tip.id, AuditEntry.action == "whatsapp_held_reply")).scalars()
        assert [entry["delivery"] for entry in audited] == ["sent"]


def test_a_reply_without_a_template_in_the_language_waits_too(env: dict,
                                                             api: FakeWhatsAppApi) -> None:
    tip = tip_line(api)
    close_window(contact_key(TIPSTER))
    assert standard(tip, "thanks").status == "queued"  # no SID for "thanks" in Spanish
    assert replies() == [("queued", "waiting", None)]


def test_templates_can_be_turned_off(env: dict, api: FakeWhatsAppApi,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import get_settings

    tip = tip_line(api)
    close_window(contact_key(TIPSTER))
    monkeypatch.setenv("TIPLINE_WHATSAPP_OUTSIDE_WINDOW", "queue")
    get_settings.cache_clear()
    assert standard(tip, "investigating").status == "queued"
    assert all(m.content_sid is None for m in api.messages(to=TIPSTER))


def test_an_opted_out_tipster_gets_no_reply_and_nothing_is_held(
        env: dict, api: FakeWhatsAppApi) -> None:
    tip = tip_line(api, "STOP")
    count = len(api.messages(to=TIPSTER))
    assert free(tip, "Are you safe?").status == "blocked_opted_out"
    close_window(contact_key(TIPSTER))
    assert standard(tip, "investigating").status == "blocked_opted_out"
    assert len(api.messages(to=TIPSTER)) == count
    assert [status for _, status, _ in replies()] == ["blocked_opted_out"] * 2


def test_a_held_reply_is_not_sent_after_stop(env: dict, api: FakeWhatsAppApi) -> None:
    tip = tip_line(api)
    close_window(contact_key(TIPSTER))
    assert free(tip, "Are you safe?").status == "queued"
    count = len(api.messages(to=TIPSTER))
    asyncio.run(say(make_gateway(SpanishBot()), api, "STOP"))
    bodies = [m.body for m in api.messages(to=TIPSTER)[count:]]
    assert len(bodies) == 1 and "START" in bodies[0]  # only STOP's confirmation
    assert replies() == [("queued", "blocked_opted_out", None)]
