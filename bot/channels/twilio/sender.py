"""Outbound SMS through Twilio's Messages API: split into parts, each retried with backoff.

``TwilioSender`` calls the real ``twilio.rest.Client`` (pointed at ``api_base_url`` in
tests). Its calls block, so the channel runs them on a dedicated thread pool
(``SEND_EXECUTOR``) and the event loop never waits on Twilio. Each part of a long reply is
one Messages API call; 429, 5xx and connection errors are retried a bounded number of
times with exponential backoff; error 21610 (the recipient replied STOP to Twilio itself)
reports the part as ``blocked_opted_out``. Officer replies ask Twilio for status
callbacks (``status_callback``, the URL of status.py) to learn each part's fate.

Recording and opt-out rules around a send live in ``bot.channels.twilio.delivery``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, List, Optional

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.channels.twilio.segments import segment_count, split_message
from bot.channels.twilio.signature import split_tokens
from bot.channels.twilio.spec import SPEC
from bot.channels.twilio.status import callback_url
from bot.settings import TwilioSettings, get_settings

log = logging.getLogger(__name__)
# twilio's HTTP client logs each request and response at INFO (URLs, response headers):
# nothing the tip line needs in its logs.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

OPTED_OUT_ERROR = 21610  # "Attempt to send to unsubscribed recipient"
MAX_BACKOFF = 8.0
SEND_EXECUTOR = ThreadPoolExecutor(max_workers=16, thread_name_prefix="twilio-send")


@dataclass
class PartResult:
    """The fate of one Messages API call."""

    status: str  # queued | sent | failed | blocked_opted_out
    sid: Optional[str] = None
    segments: int = 0
    characters: int = 0
    attempts: int = 0
    error: Optional[str] = None
    error_code: Optional[int] = None  # Twilio's code of a refusal (21610, 21211...)


@dataclass
class SendResult:
    parts: List[PartResult] = field(default_factory=list)
    planned: int = 0  # how many parts the text was split into (the sending stops at a failure)

    @property
    def status(self) -> str:
        if any(p.status == "blocked_opted_out" for p in self.parts):
            return "blocked_opted_out"
        if self.parts and all(p.status in ("queued", "sent", "accepted") for p in self.parts):
            return "sent"
        return "failed"

    @property
    def sids(self) -> List[str]:
        return [p.sid for p in self.parts if p.sid]


def _retryable(error: Exception) -> bool:
    if isinstance(error, TwilioRestException):
        return error.status == 429 or error.status >= 500
    return isinstance(error, requests.exceptions.RequestException)


class TwilioSender:
    """Sends texts with the Messages API (blocking: call it from a worker thread)."""

    input_name = SPEC.input_name  # whose status callback route reports its parts

    def __init__(self, settings: TwilioSettings,
                 client_factory: Optional[Callable[[], Client]] = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self._client_factory = client_factory or self._new_client
        self._local = threading.local()
        self._sleep = sleep

    def _new_client(self) -> Client:
        tokens = split_tokens(self.settings.auth_token)
        client = Client(self.settings.account_sid, tokens[0] if tokens else "",
                        http_client=TwilioHttpClient(timeout=self.settings.send_timeout))
        if self.settings.api_base_url:
            client.api.base_url = self.settings.api_base_url.rstrip("/")
        return client

    @property
    def client(self) -> Client:
        """One client per thread (its HTTP session is not shared between threads)."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._client_factory()
        return client

    def _from(self) -> dict:
        if self.settings.messaging_service_sid:
            return {"messaging_service_sid": self.settings.messaging_service_sid}
        return {"from_": self.settings.from_number}

    def status_callback_url(self) -> Optional[str]:
        """Where Twilio reports an officer reply's parts (None: no public URL configured)."""
        return callback_url(self.settings.public_url, self.input_name)

    def _extra(self, status_callback: Optional[str]) -> dict:
        return {**self._from(), **({"status_callback": status_callback} if status_callback
                                   else {})}

    def send_part(self, to: str, body: str, status_callback: Optional[str] = None) -> PartResult:
        """One message, retried on 429/5xx/connection errors with exponential backoff."""
        attempts = max(1, self.settings.send_attempts)
        last_error = ""
        for attempt in range(1, attempts + 1):
            try:
                message = self.client.messages.create(to=to, body=body,
                                                      **self._extra(status_callback))
            except TwilioRestException as error:
                if error.code == OPTED_OUT_ERROR:
                    return PartResult("blocked_opted_out", attempts=attempt,
                                      characters=len(body), error=f"twilio {error.code}",
                                      error_code=error.code)
                last_error = f"HTTP {error.status} (twilio {error.code})"
                if not _retryable(error):
                    return PartResult("failed", attempts=attempt, characters=len(body),
                                      error=last_error, error_code=error.code)
            except requests.exceptions.RequestException as error:
                last_error = type(error).__name__
            except TwilioException as error:  # no credentials, bad configuration
                return PartResult("failed", attempts=attempt, characters=len(body),
                                  error=str(error)[:200])
            else:
                segments = int(message.num_segments or 0) or segment_count(body)
                return PartResult(str(message.status or "queued"), sid=message.sid,
                                  segments=segments, characters=len(body), attempts=attempt)
            if attempt < attempts:
                delay = min(MAX_BACKOFF, self.settings.send_backoff * 2 ** (attempt - 1))
                self._sleep(delay * (0.75 + random.random() / 2))
        log.warning("sms part not sent after %d attempts: %s", attempts, last_error)
        return PartResult("failed", attempts=attempts, characters=len(body), error=last_error)

    def send_text(self, to: str, text: str, status_callback: Optional[str] = None) -> SendResult:
        """``text`` split at segment limits, one call per part; stops at the first failure."""
        parts = split_message(text)
        result = SendResult(planned=len(parts))
        for part in parts:
            outcome = self.send_part(to, part, status_callback)
            result.parts.append(outcome)
            if outcome.status in ("failed", "blocked_opted_out"):
                break
        return result


_sender: Optional[TwilioSender] = None
_sender_lock = threading.Lock()


def get_sender() -> TwilioSender:
    """The process-wide sender configured from the settings."""
    global _sender
    with _sender_lock:
        if _sender is None:
            _sender = TwilioSender(get_settings().twilio)
        return _sender


def set_sender(sender: Optional[TwilioSender]) -> None:
    """Replace the process-wide sender (tests, or a channel with its own credentials)."""
    global _sender
    with _sender_lock:
        _sender = sender
