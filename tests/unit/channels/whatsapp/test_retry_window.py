"""A job's retry of an officer's WhatsApp reply meets the 24-hour window as it is then: closed
meanwhile, the reply goes as its approved template, else it is held until the tipster writes
(and then delivered once); a failed template is retried; reopened, free text goes. What the
officers' console says of a failed and retried WhatsApp reply."""

from __future__ import annotations

from typing import Any, Dict

from sqlalchemy import select

from bot.console.replies import _outcome
from bot.console.replyinfo import ReplyNote, reply_notes
from bot.store.db import session_scope
from bot.store.models import AuditEntry, Tip
from harness.fakes.twilio_whatsapp import FakeWhatsAppApi
from tests.unit.channels.whatsapp.conftest import TIPSTER, close_tipster_window, due
from tests.unit.channels.whatsapp.test_retry import (
    QUESTION,
    failed_reply,
    replies,
    retries,
    sent,
)
from tests.unit.channels.whatsapp.test_sender import free, last_note, standard, tip_line
from tests.unit.channels.whatsapp.test_status import STATUS_URL, parts


def templates(api: FakeWhatsAppApi) -> list:
    return [m for m in api.messages(to=TIPSTER) if m.content_sid]


def test_a_retry_after_the_window_closed_sends_the_reply_as_its_template(
        env: dict, api: FakeWhatsAppApi, immediate: Any) -> None:
    tip = tip_line(api)
    job, text = failed_reply(tip, api, immediate, lambda tip: standard(tip, "investigating"))
    assert replies() == [("free", "failed")]  # the window was open: free text, refused
    close_tipster_window(api)
    api.set_mode("ok")
    immediate.huey.execute(job, timestamp=job.eta)
    [template] = templates(api)
    assert template.content_sid == env["template_sid"]
    assert template.content_variables == {"1": tip.reference}
    assert template.body == text and template.error_code is None
    assert sent(text, api) == [template], "no free text outside the window"
    assert replies()[-1] == ("template", "sent") and due(immediate.huey) == []
    assert retries(tip) == [{"delivery": "sent"}]
    assert [(r.attempt, r.external_id) for r in parts()] == [(1, None), (2, template.sid)]
    assert template.status_callback == STATUS_URL
    assert "sent as template" in last_note(tip)[1]


def test_a_template_twilio_would_not_take_is_retried_as_the_template(
        env: dict, api: FakeWhatsAppApi, immediate: Any) -> None:
    tip = tip_line(api)
    close_tipster_window(api)
    job, text = failed_reply(tip, api, immediate, lambda tip: standard(tip, "investigating"))
    assert replies() == [("template", "failed")]
    api.set_mode("ok")
    immediate.huey.execute(job, timestamp=job.eta)
    [template] = templates(api)
    assert template.body == text and sent(text, api) == [template]
    assert replies()[-1] == ("template", "sent")


def test_a_retry_after_the_tipster_wrote_again_goes_as_free_text(
        env: dict, api: FakeWhatsAppApi, immediate: Any) -> None:
    tip = tip_line(api)
    close_tipster_window(api)
    job, text = failed_reply(tip, api, immediate, lambda tip: standard(tip, "investigating"))
    api.set_mode("ok")
    tip_line(api)  # the tipster writes: the window is open again (a failed reply is not held)
    assert sent(text, api) == []
    immediate.huey.execute(job, timestamp=job.eta)
    [message] = sent(text, api)
    assert message.content_sid is None and message.error_code is None
    assert replies()[-1] == ("free", "sent")


def test_a_retry_after_the_window_closed_without_a_template_is_held_for_the_tipster(
        env: dict, api: FakeWhatsAppApi, immediate: Any) -> None:
    tip = tip_line(api)
    job, text = failed_reply(tip, api, immediate)  # free text: no template exists for it
    close_tipster_window(api)
    api.set_mode("ok")
    count = len(api.messages())
    immediate.huey.execute(job, timestamp=job.eta)
    assert len(api.messages()) == count, "nothing sent outside the window"
    assert replies()[-1] == ("queued", "waiting")
    assert retries(tip) == [{"delivery": "queued"}]
    assert due(immediate.huey) == [], "held: the tipster's next message releases it, not a job"
    assert "queued until the tipster writes (WhatsApp 24-hour window)" in last_note(tip)[1]
    [held] = notes(tip).values()
    assert held.delivery is None, "waiting for the tipster: not flagged as undelivered"
    tip_line(api)  # the tipster writes again
    [message] = sent(text, api)
    assert message.error_code is None and message.status_callback == STATUS_URL
    assert replies()[-1] == ("queued", "delivered")
    assert [(r.attempt, r.external_id) for r in parts()] == [(1, None), (2, message.sid)]
    tip_line(api)
    assert len(sent(text, api)) == 1, "delivered once"


def notes(tip: Tip) -> Dict[int, ReplyNote]:
    """What the tip page says of each officer reply (bot/console/replyinfo.py)."""
    with session_scope() as session:
        row = session.get(Tip, tip.id)
        entries = list(session.execute(select(AuditEntry).where(AuditEntry.tip_id == tip.id))
                       .scalars())
        return reply_notes(row, row.messages, entries)


def test_the_console_says_of_a_failed_then_retried_whatsapp_reply_what_it_says_for_sms(
        env: dict, api: FakeWhatsAppApi, immediate: Any) -> None:
    tip = tip_line(api)
    api.set_mode("fail")
    delivery = free(tip, QUESTION)
    # the officer's flash message: the same words as for an SMS reply Twilio refused
    assert _outcome(tip, delivery, "Reply", "en") == (
        "The reply is recorded but was not delivered (failed).", "warning")
    [job] = due(immediate.huey)
    [note] = notes(tip).values()
    assert note.delivery is not None
    assert (note.delivery.text, note.delivery.all_failed) == (
        "not delivered: Twilio did not accept it", True)
    assert note.note.endswith("· delivery: failed")  # free text: no window note
    api.set_mode("ok")
    immediate.huey.execute(job, timestamp=job.eta)
    [note] = notes(tip).values()
    assert note.delivery is not None
    assert (note.delivery.text, note.delivery.all_failed) == (
        "waiting at Twilio, not yet sent", False)
