"""Background jobs (bot.jobs) on huey: translation retries against the fake LibreTranslate
(huey in immediate mode, and a real consumer on SQLite), officer SMS retries against the
fake Twilio API, the inbox-recovery hook."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import types
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.store.db import session_scope
from bot.store.models import AuditEntry, Contact, Tip, TipMessage
from harness.db import TipsDb
from harness.env import tipline_env
from harness.fakes.libretranslate import FakeLibreTranslate
from harness.fakes.twilio_api import FakeTwilioApi
from harness.twilio import ACCOUNT_SID, AUTH_TOKEN, sms_environment

ROOT = Path(__file__).resolve().parents[2]
GERMAN = "Ich habe gesehen, wie Männer Drogen über die Grenze bei Lacolle gebracht haben"
ENGLISH = "I saw men bringing drugs across the border at Lacolle"


@pytest.fixture(scope="module")
def libre() -> Iterator[FakeLibreTranslate]:
    with FakeLibreTranslate() as fake:
        yield fake


@pytest.fixture()
def jobs_env(tmp_path: Path, libre: FakeLibreTranslate) -> Iterator[dict]:
    """This process (and its children) on a fresh tips database, translating through the
    fake LibreTranslate, with the job queue in ``tmp_path/jobs.db``."""
    libre.reset()
    with tipline_env(tmp_path, TIPLINE_TRANSLATION_PROVIDER="libre",
                     TIPLINE_TRANSLATION_URL=libre.url, TIPLINE_TRANSLATION_TIMEOUT="2",
                     TIPLINE_TRANSLATION_BREAKER_COOLDOWN="0.1") as env:
        yield env
    libre.reset()


def failed_tip(conversation: str = "jobs-1", channel: str = "rest",
               language: str = "de", text: str = GERMAN) -> int:
    with session_scope() as session:
        tip = Tip(reference="J" + secrets.token_hex(2).upper(), conversation_id=conversation,
                  channel=channel, language=language, original_text=text,
                  translated_text=None, translation_status="failed", category="drug_smuggling",
                  queue="RCMP", entities=[])
        session.add(tip)
        session.flush()
        session.add(TipMessage(tip_id=tip.id, direction="in", author="tipster", text=text,
                               language=language))
        return tip.id


def tip_row(tip_id: int) -> Tip:
    with session_scope() as session:
        return session.get(Tip, tip_id)


def audit_actions(tip_id: int) -> list:
    with session_scope() as session:
        return [(a.actor, a.action, a.after) for a in session.execute(
            select(AuditEntry).where(AuditEntry.tip_id == tip_id).order_by(AuditEntry.id)
        ).scalars()]


@pytest.fixture()
def immediate() -> Iterator[object]:
    """huey in immediate mode: an enqueued task runs at once, in this process."""
    from bot.jobs import tasks

    tasks.huey.immediate = True
    try:
        yield tasks
    finally:
        tasks.huey.immediate = False


def test_enqueued_translation_retry_fills_the_translation(jobs_env: dict, immediate,
                                                          libre: FakeLibreTranslate) -> None:
    tip_id = failed_tip()
    libre.set_mode("fail")
    immediate.retry_translations()  # enqueued; immediate mode runs it now
    assert tip_row(tip_id).translation_status == "failed", "the provider is down: still failed"
    libre.set_mode("ok")
    immediate.retry_translations()
    tip = tip_row(tip_id)
    assert (tip.translated_text, tip.translation_status) == (ENGLISH, "done")
    assert audit_actions(tip_id) == [("translation-retry", "translated", {"translation": "done"})]
    assert libre.requests[-1].params["q"] == GERMAN


def test_a_real_consumer_on_sqlite_runs_the_enqueued_retry(jobs_env: dict, tmp_path: Path,
                                                           libre: FakeLibreTranslate) -> None:
    tip_id = failed_tip()
    env = {**os.environ, **jobs_env, "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "consumer.log").open("w")
    # -n: no periodic tasks, so that only the enqueued retry can translate the tip
    consumer = subprocess.Popen([sys.executable, "-m", "bot.jobs", "-w", "1", "-n"], cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        subprocess.run([sys.executable, "-c", "from bot.jobs.tasks import retry_translations;"
                        " retry_translations()"], cwd=ROOT, env=env, check=True, timeout=60)
        db = TipsDb(jobs_env["TIPLINE_DATABASE_URL"])
        assert db.wait_for(lambda: tip_row(tip_id).translation_status == "done", timeout=60), \
            (tmp_path / "consumer.log").read_text()[-3000:]
        assert tip_row(tip_id).translated_text == ENGLISH
    finally:
        consumer.send_signal(signal.SIGTERM)
        assert consumer.wait(timeout=30) == 0
        log.close()
    assert "Executing bot.jobs.tasks.retry_translations" in (tmp_path / "consumer.log").read_text()


def test_the_cli_command_uses_the_same_retry(jobs_env: dict) -> None:
    from bot.cli import main

    tip_id = failed_tip()
    assert main(["retry-translations"]) == 0
    assert tip_row(tip_id).translated_text == ENGLISH


def due(huey) -> list:  # type: ignore[no-untyped-def]
    """Take every scheduled task off the schedule, as the consumer's scheduler does."""
    return huey.read_schedule(datetime(2100, 1, 1))


def test_a_failed_officer_sms_is_sent_again_by_a_job(tmp_path: Path,
                                                     tmp_path_factory: pytest.TempPathFactory,
                                                     immediate) -> None:
    from bot.jobs.sms import text_digest
    from bot.outbound import send_officer_reply
    from bot.privacy.keys import AddressCipher, contact_hash

    number = "+15145550177"
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as api, \
            sms_environment(tmp_path, api, tmp_path_factory.getbasetemp()):
        key = contact_hash(number)
        with session_scope() as session:
            session.add(Contact(channel="sms", contact_hash=key, language="en",
                                address_encrypted=AddressCipher().encrypt(number)))
        tip_id = failed_tip(conversation=key, channel="sms", language="en", text="a truck")
        api.set_mode("fail")  # Twilio down: the sender's own quick retries all fail
        with session_scope() as session:
            delivery = send_officer_reply(session, session.get(Tip, tip_id),
                                          "Can you tell us the plate?", "officer-1")
        assert delivery.status == "failed" and api.messages() == []
        [job] = due(immediate.huey)
        assert job.retries == immediate.retry_officer_sms.retries == 5
        with session_scope() as session:
            sent = session.execute(select(TipMessage.text).where(
                TipMessage.tip_id == tip_id, TipMessage.author == "officer")).scalar_one()
        assert job.args == (tip_id, text_digest(sent)), "tip id and digest, never the text"

        immediate.huey.execute(job, timestamp=job.eta)  # still down: huey plans a retry
        [again] = due(immediate.huey)
        assert again.retries == 4 and api.messages() == []

        api.set_mode("ok")
        immediate.huey.execute(again, timestamp=again.eta)
        assert [m.body for m in api.messages(to=number)] == [sent]
        assert due(immediate.huey) == []
        retries = [a for a in audit_actions(tip_id) if a[1] == "sms_retry"]
        assert retries == [("jobs", "sms_retry", {"delivery": "failed"}),
                           ("jobs", "sms_retry", {"delivery": "sent"})]


def test_inbox_recovery_hook(monkeypatch: pytest.MonkeyPatch, immediate) -> None:
    monkeypatch.setitem(sys.modules, "bot.inbox.recovery", None)  # not written yet
    assert immediate.recover_inbox.call_local() is None
    calls = []
    monkeypatch.setitem(sys.modules, "bot.inbox.recovery",
                        types.SimpleNamespace(run_once=lambda: calls.append(1) or 3))
    assert immediate.recover_inbox.call_local() == 3 and calls == [1]


def test_job_queue_urls() -> None:
    from huey import MemoryHuey, RedisHuey, SqliteHuey

    from bot.jobs.queue import build_huey
    from bot.settings import JobsSettings

    assert isinstance(build_huey(JobsSettings(url="memory://")), MemoryHuey)
    assert isinstance(build_huey(JobsSettings(url="redis://127.0.0.1:6379/2")), RedisHuey)
    with pytest.raises(ValueError, match="TIPLINE_JOBS_URL"):
        build_huey(JobsSettings(url="postgresql://x/y"))
    assert type(build_huey(JobsSettings(url="sqlite:////tmp/x-jobs.db"))) is SqliteHuey
