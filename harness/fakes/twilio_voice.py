"""Twilio Voice's side of a call, for tests: signed voice webhooks in, TwiML answers played.

``FakeVoiceCall`` plays a caller through Twilio: it posts the form-encoded webhooks
Twilio posts (``CallSid``, ``From``, ``To``, ``Digits``, ``SpeechResult``,
``RecordingUrl``, ``TranscriptionText`` ...), signed with the auth token over the public
URL, and executes the TwiML answers as Twilio does: ``<Say>`` heard, ``<Gather>`` and
``<Record>`` wait for the caller, ``<Redirect>`` and actions followed (relative to the URL
called), ``<Hangup/>`` or the end of the document ends the call. An answer slower than
Twilio's 15 s fails the call, as it would on Twilio. ``FakeRecordingsApi`` receives the
tip line's ``DELETE /Recordings/<sid>``.
"""

from __future__ import annotations

import secrets
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List, Optional
from urllib.parse import urljoin, urlsplit

import requests
from twilio.request_validator import RequestValidator

from harness.fakes.base import FakeServer, QuietHandler

TWILIO_TIMEOUT = 15.0  # Twilio gives up on a webhook after this many seconds
MAX_REDIRECTS = 20


def sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class Said:
    text: str
    language: str


@dataclass
class FakeVoiceCall:
    """One inbound call to the tip line's number."""

    local_base: str  # http://127.0.0.1:<port>: where the requests go
    public_base: str  # https://tips.example.org: what Twilio signs
    auth_token: str
    account_sid: str
    caller: str
    to: str
    entry: str = "/webhooks/tipline_voice/call"
    call_sid: str = field(default_factory=lambda: sid("CA"))
    heard: List[Said] = field(default_factory=list)
    waiting: Optional[ET.Element] = None  # the <Gather> or <Record> waiting for the caller
    rest: List[ET.Element] = field(default_factory=list)  # verbs after it
    url: str = ""  # public URL of the current document
    ended: bool = False
    answer_seconds: List[float] = field(default_factory=list)

    def params(self, **extra: str) -> Dict[str, str]:
        base = {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01",
                "CallSid": self.call_sid, "CallStatus": "in-progress" if self.url else "ringing",
                "Called": self.to, "Caller": self.caller, "Direction": "inbound",
                "From": self.caller, "FromCity": "", "FromCountry": "CA", "FromState": "QC",
                "FromZip": "", "To": self.to, "ToCity": "", "ToCountry": "CA", "ToState": "",
                "ToZip": ""}
        return {**base, **extra}

    def post(self, url: str, params: Dict[str, str], signature: Optional[str] = "sign"
             ) -> requests.Response:
        """POST to the public ``url`` (sent to the local server), signed like Twilio."""
        parts = urlsplit(url)
        local = self.local_base + parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": "TwilioProxy/1.1",
                   "I-Twilio-Idempotency-Token": secrets.token_hex(8)}
        if signature == "sign":
            signature = RequestValidator(self.auth_token).compute_signature(url, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        started = time.monotonic()
        response = requests.post(local, data=params, headers=headers, timeout=TWILIO_TIMEOUT)
        self.answer_seconds.append(time.monotonic() - started)
        return response

    def request(self, target: str, **extra: str) -> None:
        """Twilio fetching ``target`` (relative to the current URL) and playing its TwiML."""
        url = urljoin(self.url or self.public_base, target)
        response = self.post(url, self.params(**extra))
        if response.status_code != 200:
            raise AssertionError(f"{target}: HTTP {response.status_code}: {response.text}")
        self.url = url
        # the tip line under test wrote it (no DTD, no entities: VoiceResponse's output)
        self.play(ET.fromstring(response.content))  # noqa: S314

    def start(self) -> FakeVoiceCall:
        self.request(self.public_base + self.entry)
        return self

    def play(self, document: ET.Element) -> None:
        verbs = list(document)
        self.waiting, self.rest = None, []
        for index, verb in enumerate(verbs):
            if verb.tag == "Say":
                self.heard.append(Said(verb.text or "", verb.get("language", "")))
            elif verb.tag in ("Gather", "Record"):
                for inner in verb.findall("Say"):  # said while listening
                    self.heard.append(Said(inner.text or "", inner.get("language", "")))
                self.waiting, self.rest = verb, verbs[index + 1:]
                return
            elif verb.tag == "Redirect":
                return self._follow((verb.text or "").strip())
            elif verb.tag == "Hangup":
                break
        self.ended = True

    def _follow(self, target: str) -> None:
        if len(self.answer_seconds) > MAX_REDIRECTS * 4:
            raise AssertionError("the call redirects without end")
        self.request(target)

    def _act(self, tag: str, **extra: str) -> None:
        verb = self.waiting
        if verb is None or verb.tag != tag:
            raise AssertionError(f"the call waits for {verb.tag if verb is not None else None}")
        self.request(verb.get("action") or self.url, **extra)

    # -- what the caller does --------------------------------------------------------------

    def press(self, digits: str) -> None:
        assert self.waiting is not None and "dtmf" in self.waiting.get("input", "dtmf")
        self._act("Gather", Digits=digits)

    def speak(self, text: str, confidence: float = 0.92) -> None:
        assert self.waiting is not None and "speech" in self.waiting.get("input", "")
        self._act("Gather", SpeechResult=text, Confidence=f"{confidence:.8f}",
                  Language=self.waiting.get("language", "en-US"))

    def silence(self) -> None:
        """Say nothing: Twilio goes on with the verbs after the <Gather> or <Record>."""
        verbs, self.waiting = self.rest, None
        document = ET.Element("Response")
        document.extend(verbs)
        self.play(document)

    def record(self, transcription: Optional[str], seconds: int = 12) -> str:
        """Leave a recorded message; Twilio then posts its transcription (None: failed)."""
        verb = self.waiting
        assert verb is not None and verb.tag == "Record"
        recording = sid("RE")
        recording_url = (f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}"
                         f"/Recordings/{recording}")
        callback = verb.get("transcribeCallback")
        page = self.url
        self._act("Record", RecordingUrl=recording_url, RecordingSid=recording,
                  RecordingDuration=str(seconds), Digits="#")
        if callback and verb.get("transcribe") == "true":
            fields = {"TranscriptionSid": sid("TR"), "RecordingSid": recording,
                      "RecordingUrl": recording_url,
                      "TranscriptionStatus": "completed" if transcription else "failed",
                      "TranscriptionUrl": f"{recording_url}/Transcriptions",
                      "CallStatus": "completed"}
            if transcription:
                fields["TranscriptionText"] = transcription
            target = urljoin(page, callback)
            response = self.post(target, self.params(**fields))
            assert response.status_code == 200, response.text
        return recording

    def texts(self) -> List[str]:
        return [said.text for said in self.heard]


class _RecordingsHandler(QuietHandler):
    server_ref: FakeRecordingsApi

    def do_DELETE(self) -> None:  # noqa: N802
        self.server_ref.deleted.append(self.path.rstrip("/").split("/")[-1].split(".")[0])
        self.send_response(204)
        self.end_headers()

    def _dispatch(self, method: str) -> None:
        self.send_response(404)
        self.end_headers()


class FakeRecordingsApi(FakeServer):
    """Twilio's Recordings API: notes each recording the tip line deletes."""

    thread_name = "fake-twilio-recordings"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("Handler", (_RecordingsHandler,), {"server_ref": self})
        super().__init__(handler, host, port, hang_seconds=0)
        self.deleted: List[str] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"
