"""The SMS gateway fed hostile webhooks over its real path (bytes → form → signature → fields
→ inbox): forged ones refused with nothing stored, signed ones stored whole or refused
with a reason, every log line one line."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlencode

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.channels.twilio.channel import form_of
from bot.channels.twilio.gateway import SmsGateway, WebhookResult
from bot.inbox.text import clean
from bot.logging_safe import SafeLogFilter
from bot.store.db import session_scope
from bot.store.models import InboundMessage
from harness.twilio import AUTH_TOKEN, PUBLIC_BASE, WEBHOOK_PATH
from tests.unit.fuzz.strategies import fewer, short_text, twilio_forms

PUBLIC_URL = PUBLIC_BASE + WEBHOOK_PATH
INTERNAL_URL = "http://10.1.2.3:5005" + WEBHOOK_PATH
SMS_MAX_CHARS = 1600  # TIPLINE_SMS_MAX_CHARS's default (docs/reliability.md)


class _Form(dict):
    """A parsed form as RequestValidator reads repeated fields (``getlist``)."""

    def getlist(self, name: str) -> List[str]:
        return list(self[name])


class _Lines(logging.Handler):
    """The gateway's log records as a file would hold them, with the tip line's filter."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(SafeLogFilter())
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.written: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.written.append(self.format(record))


@pytest.fixture(scope="module")
def log_lines(sms_database: dict) -> Iterator[_Lines]:
    handler = _Lines()
    logger = logging.getLogger("bot.channels.twilio.gateway")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


def on_the_wire(form: Dict[str, Any]) -> Dict[str, List[str]]:
    """The form as the gateway receives it: sent as bytes (lone surrogates as the invalid
    UTF-8 a forger can send), read back by the channel."""
    values = {str(k): [str(x) for x in v] if isinstance(v, list) else [str(v)]
              for k, v in form.items()}
    body = urlencode(values, doseq=True, errors="surrogatepass").encode("ascii")
    return form_of(SimpleNamespace(content_type="application/x-www-form-urlencoded",
                                   body=body))


async def _no_reply(_message: UserMessage) -> None:
    """Rasa's agent stand-in: the turn runs and says nothing."""


async def _no_language(_sender: str) -> Optional[str]:
    return None


def post(form: Dict[str, List[str]], signature: Optional[str], url: str = INTERNAL_URL
         ) -> WebhookResult:
    async def scenario() -> WebhookResult:
        gateway = SmsGateway()
        gateway.on_new_message, gateway.read_language = _no_reply, _no_language
        result = await gateway.handle_webhook(url, form, signature)
        assert await gateway.idle(10)
        return result

    return asyncio.run(scenario())


def rows(sid: Optional[str] = None) -> Tuple[int, List[Tuple[str, str]]]:
    """(messages in the inbox, (status, text) of those with MessageSid ``sid``)."""
    with session_scope() as session:
        count = session.execute(select(func.count()).select_from(InboundMessage)).scalar()
        found = session.execute(select(InboundMessage.status, InboundMessage.text).where(
            InboundMessage.external_id == (sid or ""))).all()
    return int(count or 0), [(status, text) for status, text in found]


def assert_one_line_each(lines: List[str]) -> None:
    for line in lines:
        assert len(line.splitlines()) == 1, line


hosts = st.sampled_from(["10.1.2.3:5005", "h:99999", "h:abc", "[::1", "", "tips.example.org"])


@fewer(2)
@given(twilio_forms(), st.one_of(st.none(), short_text, st.just("sign-for-another-url")), hosts)
@example({"MessageSid": "SM1\r\nERROR forged line\u2028x", "From": "+15145550123", "Body": "x"},
         None, "10.1.2.3:5005")
@example({"MessageSid": "SM1", "From": "+15145550123", "Body": "x"}, "bm90IGEgc2lnbmF0dXJl",
         "h:abc")  # was ValueError (HTTP 500), not 403
def test_an_unsigned_or_forged_webhook_is_refused_and_nothing_is_stored(
        log_lines: _Lines, form: Dict[str, Any], signature: Optional[str], host: str) -> None:
    wire = on_the_wire(form)
    if signature == "sign-for-another-url":
        signature = RequestValidator(AUTH_TOKEN).compute_signature(INTERNAL_URL, _Form(wire))
    before, _ = rows()
    log_lines.written.clear()
    result = post(wire, signature, f"http://{host}{WEBHOOK_PATH}")
    assert (result.status, result.content_type) == (403, "text/plain")
    assert rows()[0] == before
    assert log_lines.written  # every refusal is logged ...
    assert_one_line_each(log_lines.written)  # ... on one line, whatever the MessageSid held


@fewer(2)
@given(twilio_forms())
@example({"MessageSid": "SM1a", "From": "+15145550123", "Body": "\x00\ud800 a tip\n" * 200})
@example({"MessageSid": "SM1b", "From": "+15145550123", "Body": "é" * SMS_MAX_CHARS})
@example({"MessageSid": "SM1c", "From": "+15145550123", "Body": "é" * (SMS_MAX_CHARS + 1)})
def test_a_signed_webhook_is_stored_whole_or_refused_with_a_reason(
        log_lines: _Lines, form: Dict[str, Any]) -> None:
    wire = on_the_wire(form)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL, _Form(wire))
    sid = (wire.get("MessageSid") or [""])[0].strip()
    before, earlier = rows(sid)
    log_lines.written.clear()
    result = post(wire, signature)
    after, stored = rows(sid)
    assert_one_line_each(log_lines.written)
    event(f"status {result.status}")
    if result.status == 400:  # refused: the reason is said, nothing is kept
        assert result.body and after == before
        return
    assert result.status == 200
    if earlier:  # a replay of a MessageSid already stored: nothing new
        assert after == before
        return
    assert after == before + 1 and len(stored) == 1
    status, text = stored[0]
    body = (wire.get("Body") or [""])[0]
    event("stored" if len(body) <= SMS_MAX_CHARS else "over the limit")
    if len(body) > SMS_MAX_CHARS:  # over the limit: refused, the text is not kept
        assert (status, text) == ("refused", "")
    else:  # up to the limit: stored whole, storable
        assert text == clean(body) and len(text) == len(body)
        text.encode("utf-8")
