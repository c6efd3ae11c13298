"""The Rasa input channel of the voice line (Twilio Voice).

In credentials.yml (no values: everything comes from the ``TIPLINE_VOICE_*`` settings,
bot/channels/voice/config.py)::

    bot.channels.voice.VoiceTipChannel:

Routes (under ``/webhooks/tipline_voice/``): ``GET /`` health; ``POST /call``, the voice
webhook to configure on the toll-free number ("A call comes in", HTTP POST); the other
steps of the call (``/menu``, ``/language``, ``/speech``, ``/wait``, ``/silence``,
``/recorded``, ``/transcription``) are URLs the tip line's own TwiML gives Twilio. The
work is in ``calls.VoiceCalls``; this module only adapts Sanic and Rasa to it.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.twilio.channel import form_of
from bot.channels.twilio.signature import SIGNATURE_HEADER
from bot.channels.voice.calls import ROUTES, VoiceCalls
from bot.channels.voice.spec import SPEC

log = logging.getLogger(__name__)


class VoiceTipChannel(InputChannel):
    """Signed Twilio Voice webhooks: a language menu, spoken tips, answers read aloud."""

    @classmethod
    def name(cls) -> str:
        return SPEC.input_name

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        if credentials:
            log.warning("%s credentials: keys ignored (settings are TIPLINE_VOICE_*): %s",
                        SPEC.input_name, ", ".join(sorted(credentials)))
        return cls()

    def __init__(self, calls: Optional[VoiceCalls] = None) -> None:
        self.calls = calls or VoiceCalls()
        if not self.calls.checker.configured:
            log.warning("%s: no auth token: every webhook will be refused (403)", SPEC.input_name)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        calls = self.calls
        calls.on_new_message = on_new_message
        blueprint = Blueprint(f"{SPEC.input_name}_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def webhook(request: Request) -> HTTPResponse:
            route = request.path.rstrip("/").rsplit("/", 1)[-1]
            query = parse_qs(request.query_string or "", keep_blank_values=True)
            result = await calls.handle(route, request.url, form_of(request), query,
                                        request.headers.get(SIGNATURE_HEADER))
            return response.text(result.body, status=result.status,
                                 content_type=result.content_type)

        for route in ROUTES:  # one POST route per step of the call
            blueprint.add_route(webhook, f"/{route}", methods=["POST"], name=f"voice_{route}")

        @blueprint.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            app.add_task(self._connect(app))

        @blueprint.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await calls.worker.stop()

        return blueprint

    async def _connect(self, app: Any) -> None:
        """Once Rasa's agent is loaded: drains, recovery and the tracker for the answers."""
        if await self.calls.link.connect(app):
            await self.calls.worker.start()

    def get_output_channel(self) -> None:
        """No output channel: replies are read aloud in the answer to Twilio's request."""
        return None
