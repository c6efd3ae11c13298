"""Officers' WhatsApp replies Twilio would not take, sent again by the jobs (bot/jobs/sms.py):
huey in immediate mode, the real twilio client against the fake Messages API made to fail
and then recover. The job holds the tip id and a digest, never the text or the number; the
reply is delivered once, its attempts tied to it for Twilio's delivery reports; nothing is
sent again once Twilio took it, nor after retention purged the conversation; one retry of a
reply at a time."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any, Callable, List, Tuple

from sqlalchemy import select

from bot.channels.twilio.notes import delivery_states
from bot.channels.whatsapp.sender import WhatsAppSender, set_sender, twilio_settings
from bot.channels.whatsapp.store import WhatsAppReply
from bot.jobs.sms import text_digest
from bot.outbound import Delivery
from bot.store.db import session_scope
from bot.store.models import AuditEntry, Tip, TipMessage, utcnow
from harness.fakes.twilio_whatsapp import FakeWhatsAppApi
from harness.twilio import number_formats
from tests.unit.channels.whatsapp.conftest import TIPSTER, due
from tests.unit.channels.whatsapp.test_sender import free, tip_line
from tests.unit.channels.whatsapp.test_status import STATUS_URL, callback, parts

QUESTION = "Can you describe the vehicle?"


def officer_text(tip: Tip) -> str:
    """The text of the tip's latest officer message (what the tipster is to receive)."""
    with session_scope() as session:
        return session.execute(select(TipMessage.text).where(
            TipMessage.tip_id == tip.id, TipMessage.author == "officer")
            .order_by(TipMessage.id.desc()).limit(1)).scalar_one()


def failed_reply(tip: Tip, api: FakeWhatsAppApi, tasks: Any,
                 send: Callable[[Tip], Delivery] = lambda tip: free(tip, QUESTION)
                 ) -> Tuple[Any, str]:
    """An officer reply while Twilio refuses every call: its retry job, and its text."""
    api.set_mode("fail")
    before = len(api.messages())
    assert send(tip).status == "failed"
    assert len(api.messages()) == before
    [job] = due(tasks.huey)
    text = officer_text(tip)
    assert job.args == (tip.id, text_digest(text)) and job.kwargs == {}
    stored = tasks.huey.serialize_task(job)  # what the queue (Redis, SQLite) would hold
    assert text.encode() not in stored and QUESTION.encode() not in stored
    assert not any(f.encode() in stored for f in number_formats(TIPSTER[len("whatsapp:"):]))
    return job, text


def sent(text: str, api: FakeWhatsAppApi) -> List[Any]:
    return [m for m in api.messages(to=TIPSTER) if m.body == text]


def retries(tip: Tip) -> List[Any]:
    with session_scope() as session:
        return list(session.execute(select(AuditEntry.after).where(
            AuditEntry.tip_id == tip.id, AuditEntry.action == "whatsapp_retry")
            .order_by(AuditEntry.id)).scalars())


def replies() -> List[Tuple[str, str]]:
    with session_scope() as session:
        return [(r.mode, r.status) for r in session.execute(
            select(WhatsAppReply).order_by(WhatsAppReply.id)).scalars()]


def test_a_reply_twilio_would_not_take_is_sent_again_by_a_job_and_delivered_once(
        env: dict, api: FakeWhatsAppApi, immediate: Any) -> None:
    tip = tip_line(api)
    job, text = failed_reply(tip, api, immediate)
    assert job.retries == immediate.retry_officer_sms.retries == 5
    assert [(r.attempt, r.status, r.external_id) for r in parts()] == [(1, "failed", None)]

    immediate.huey.execute(job, timestamp=job.eta)  # still down: huey plans another try
    [again] = due(immediate.huey)
    assert again.retries == 4 and sent(text, api) == []

    api.set_mode("ok")  # Twilio is back
    immediate.huey.execute(again, timestamp=again.eta)
    [message] = sent(text, api)
    assert message.error_code is None and message.content_sid is None  # free text, in window
    assert message.status_callback == STATUS_URL
    assert due(immediate.huey) == []
    assert retries(tip) == [{"delivery": "failed"}, {"delivery": "sent"}]
    assert replies()[-3:] == [("free", "failed")] * 2 + [("free", "sent")]
    # each attempt is one more row of the reply's delivery reports
    rows = parts()
    assert [(r.attempt, r.status) for r in rows] == [(1, "failed"), (2, "failed"), (3, "queued")]
    assert rows[-1].external_id == message.sid and rows[-1].channel == "whatsapp"
    assert len({r.message_id for r in rows}) == 1
    assert callback(message.sid, "delivered") == 200
    with session_scope() as session:
        assert delivery_states(session, [rows[-1].message_id])[rows[-1].message_id].text == \
            "delivered"


def test_a_retry_never_sends_again_what_twilio_already_took(
        env: dict, api: FakeWhatsAppApi, immediate: Any) -> None:
    tip = tip_line(api)
    job, text = failed_reply(tip, api, immediate)
    api.set_mode("ok")
    immediate.huey.execute(job, timestamp=job.eta)
    assert len(sent(text, api)) == 1
    # the same job once more (a copy left by a crash, a second consumer): nothing is sent
    assert immediate.retry_officer_sms.call_local(tip.id, text_digest(text)) == "accepted"
    assert len(sent(text, api)) == 1 and due(immediate.huey) == []
    assert retries(tip) == [{"delivery": "sent"}]

    # the officer sent the same reply again by hand once Twilio was back: the job that
    # retries the first one finds the later copy taken and sends nothing
    later, text = failed_reply(tip, api, immediate, lambda tip: free(tip, "Are you safe?"))
    api.set_mode("ok")
    assert free(tip, "Are you safe?").status == "sent"
    immediate.huey.execute(later, timestamp=later.eta)
    assert len(sent(text, api)) == 1 and due(immediate.huey) == []
    assert retries(tip) == [{"delivery": "sent"}]


def test_a_retry_after_retention_purged_the_conversation_sends_nothing(
        env: dict, api: FakeWhatsAppApi, immediate: Any) -> None:
    from bot.jobs.retention import purge

    tip = tip_line(api)
    job, text = failed_reply(tip, api, immediate)
    with session_scope() as session:
        session.get(Tip, tip.id).status = "closed"
    [purged] = purge(days=90, now=utcnow() + timedelta(days=91))
    assert purged.reference == tip.reference and purged.messages >= 2
    api.set_mode("ok")
    count = len(api.messages())
    immediate.huey.execute(job, timestamp=job.eta)
    assert len(api.messages()) == count and sent(text, api) == []
    assert due(immediate.huey) == [], "nothing to send: not retried again"
    assert retries(tip) == []
    assert [r.message_id for r in parts()] == [None]  # the delivery record stays


def test_one_retry_of_a_reply_at_a_time(env: dict, api: FakeWhatsAppApi,
                                        immediate: Any) -> None:
    tip = tip_line(api)
    job, text = failed_reply(tip, api, immediate)
    api.set_mode("ok")
    left = job.retries
    with immediate.huey.lock_task(f"tipline-officer-reply-{tip.id}-{text_digest(text)}"):
        immediate.huey.execute(job, timestamp=job.eta)  # another worker is sending it
    assert sent(text, api) == []
    [later] = due(immediate.huey)
    assert later.retries == left - 1  # waits for a later try
    immediate.huey.execute(later, timestamp=later.eta)
    assert len(sent(text, api)) == 1


def test_without_a_twilio_account_a_failed_reply_is_not_queued_for_retry(
        env: dict, api: FakeWhatsAppApi, immediate: Any) -> None:
    tip = tip_line(api)
    set_sender(WhatsAppSender(dataclasses.replace(twilio_settings(), account_sid="")))
    assert free(tip, QUESTION).status == "failed"
    assert due(immediate.huey) == [], "it could never succeed: no job"
