"""Twilio's status callbacks of officers' replies: the callback URL asked for, and its route's work.

An officer reply asks Twilio to report each part's fate (``status_callback`` of the
Messages API) at ``callback_url``, derived from the channel's public URL (the setting the
signature check relies on): the webhook URL with its last segment ``webhook`` replaced
by ``status``, or ``<origin>/webhooks/<input name>/status`` when the public URL is a bare
origin. No public URL (or one of another shape): no callback is asked for, and replies
stay "sent, not yet confirmed".

``StatusCallbacks.handle`` (``POST /webhooks/<input name>/status``), like the webhook:

1. ``X-Twilio-Signature`` checked against the callback URL (403 and a log line; nothing
   stored);
2. fields checked (400: no ``MessageSid``/``MessageStatus``, a bad sid or ``ErrorCode``);
3. the part's status moved forward in the webhooks' writer (reports.py: never back,
   replays change nothing); a status Twilio may add later is acknowledged and ignored;
4. 200. A MessageSid no part has is looked up again for a few seconds (the reply's
   transaction may not be committed yet), then acknowledged and ignored (logged).

``From``/``To`` (the tipster's number) are never read, stored or logged.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from bot.channels.twilio import reports
from bot.channels.twilio.signature import SignatureChecker
from bot.channels.twilio.webhook import EMPTY_TWIML, WebhookResult, first
from bot.inbox.group_commit import GroupCommit
from bot.settings import TwilioSettings

log = logging.getLogger(__name__)
WEBHOOK, STATUS = "webhook", "status"
UNKNOWN_WAITS = (0.5, 1.0, 2.0)  # seconds between the lookups of an unknown MessageSid


def callback_url(public_url: str, input_name: str) -> Optional[str]:
    """The status callback URL of a channel whose public URL is ``public_url``, or None."""
    try:
        public = urlsplit((public_url or "").strip())
    except ValueError:
        return None
    if public.scheme not in ("http", "https") or not public.netloc:
        return None
    if public.path in ("", "/"):
        path = f"/webhooks/{input_name}/{STATUS}"
    elif public.path.rstrip("/").endswith("/" + WEBHOOK):
        path = public.path.rstrip("/")[:-len(WEBHOOK)] + STATUS
    else:
        return None
    url = f"{public.scheme}://{public.netloc}{path}"
    return f"{url}?{public.query}" if public.query else url


@dataclass(frozen=True)
class StatusReport:
    """The fields of a status callback the tip line uses."""

    sid: str
    status: str
    error_code: Optional[int]


def parse_status(form: Mapping[str, Any]) -> Tuple[Optional[StatusReport], Optional[str]]:
    """The report of a status callback, or a clear reason why it is not one."""
    sid = (first(form, "MessageSid") or "").strip()
    status = (first(form, "MessageStatus") or "").strip().lower()
    missing = [name for name, value in (("MessageSid", sid), ("MessageStatus", status))
               if not value]
    if missing:
        return None, "missing field(s): " + ", ".join(missing)
    if len(sid) > 64 or not sid.isalnum():
        return None, "MessageSid must be letters and digits (at most 64)"
    if len(status) > 32 or not status.replace("_", "").isalpha():
        return None, "MessageStatus must be a word"
    code = (first(form, "ErrorCode") or "").strip()
    if code and (not code.isdigit() or len(code) > 6):
        return None, "ErrorCode must be a number"
    return StatusReport(sid, status, int(code) if code else None), None


class StatusCallbacks:
    """Receives Twilio's status callbacks for one channel (SMS or WhatsApp)."""

    def __init__(self, settings: TwilioSettings, input_name: str,
                 writers: Callable[[], GroupCommit]) -> None:
        self.url = callback_url(settings.public_url, input_name)
        # Twilio signs the URL it was given: the callback URL (without one, the request's)
        self.checker = SignatureChecker(settings.auth_token, self.url or "")
        self.input_name = input_name
        self.writers = writers
        self.unknown_waits: Tuple[float, ...] = UNKNOWN_WAITS

    async def handle(self, url: str, form: Mapping[str, Any],
                     signature: Optional[str]) -> WebhookResult:
        """Check and apply one status callback."""
        sid = (first(form, "MessageSid") or "-")[:64]
        if not self.checker.configured:
            log.error("twilio status callback rejected: no auth token configured "
                      "(MessageSid %s)", sid)
            return WebhookResult(403, "signature cannot be checked", "text/plain")
        if not self.checker.is_valid(url, form, signature):
            log.warning("twilio status callback rejected: %s X-Twilio-Signature for %s "
                        "(MessageSid %s)", "invalid" if signature else "missing",
                        self.checker.signed_url(url).split("?")[0], sid)
            return WebhookResult(403, "invalid signature", "text/plain")
        report, problem = parse_status(form)
        if report is None:
            log.warning("twilio status callback refused (400): %s (MessageSid %s)", problem, sid)
            return WebhookResult(400, problem or "bad request", "text/plain")
        if report.status not in reports.RANKS:
            log.info("twilio status callback: status %r of %s ignored", report.status,
                     report.sid)
            return WebhookResult(200, EMPTY_TWIML)
        outcome = await self._apply(report)
        for wait in self.unknown_waits:
            if outcome != reports.UNKNOWN:
                break
            await asyncio.sleep(wait)
            outcome = await self._apply(report)
        if outcome == reports.UNKNOWN:
            log.info("twilio status callback: no officer reply part has MessageSid %s "
                     "(%s): ignored", report.sid, report.status)
        else:
            log.info("twilio status callback: %s %s (%s%s)", report.sid, outcome,
                     report.status, f", error {report.error_code}" if report.error_code else "")
        return WebhookResult(200, EMPTY_TWIML)

    async def _apply(self, report: StatusReport) -> str:
        return await self.writers().run(
            report.sid, lambda conn: reports.apply_status(conn, report.sid, report.status,
                                                          report.error_code))
