"""The Rasa input channel for web chat on community sites (replaces Rasa's ``socketio``).

In credentials.yml (docs/webchat.md): ``bot.channels.webchat.WebChatChannel:`` with
``session_persistence: true`` and, optionally, ``allowed_origins`` (else
``TIPLINE_WEBCHAT_ORIGINS``).

Socket.io at ``/socket.io/`` (rasa-webchat's protocol: ``session_request`` →
``session_confirm``, ``user_uttered`` → ``bot_uttered``), with:

* origins limited to the community sites' list plus the tip line's own pages (origins.py);
* session persistence: the session id (random, issued by the server) is the sender id, so
  a reload that presents it again continues the conversation;
* the widget's ``customData`` reduced to location and interface language (safety.py);
* every bot and officer text escaped for the widget's Markdown renderer (safety.py);
* officers' replies queued by the console delivered to open sessions (delivery.py);
* every message stored before its turn, within size and rate limits, never lost (turns.py);
* a ``tipline_language`` event after each turn with the language the bot answered in, so
  that the widget's own texts follow the resident's language;
* no access log: Sanic's access log (client address and port) is switched off for the
  server, and its records are stripped of the address if something turns it back on.

Pages and files (pages.py): ``/webchat/embed.js``, ``/webchat/demo/{en,fr,es}``,
``/webchat/static/*``. Health: ``GET /webhooks/tipline_webchat/``.
"""

from __future__ import annotations

import inspect
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.webchat import pages
from bot.channels.webchat.delivery import OutboxDelivery
from bot.channels.webchat.origins import OriginCheckedServer, configured_origins
from bot.channels.webchat.safety import as_plain_markdown, clean_metadata, clean_text
from bot.channels.webchat.sender import officer_sender
from bot.channels.webchat.socket import WebChatBlueprint, WebChatOutput, json_object
from bot.channels.webchat.spec import SPEC
from bot.channels.webchat.store import OutboxMessage
from bot.channels.webchat.turns import WebChatInbox
from bot.outbound import register_sender
from bot.settings import get_settings

log = logging.getLogger(__name__)
LANGUAGE_EVENT = "tipline_language"
CREDENTIAL_KEYS = ("allowed_origins", "session_persistence", "socketio_path", "poll_seconds",
                   "user_message_evt", "bot_message_evt", "metadata_key")
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


class WebChatChannel(SocketIOInput):
    """rasa-webchat's socket.io protocol, restricted to the community sites' origins."""

    @classmethod
    def name(cls) -> str:
        return SPEC.input_name

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        credentials = credentials or {}
        unknown = sorted(set(credentials) - set(CREDENTIAL_KEYS))
        if unknown:
            log.warning("%s credentials: unknown keys ignored: %s", SPEC.input_name,
                        ", ".join(unknown))
        persistence = credentials.get("session_persistence", True)
        if isinstance(persistence, str):
            persistence = persistence.strip().lower() not in ("0", "false", "no", "off")
        return cls(
            allowed_origins=configured_origins(credentials.get("allowed_origins")),
            session_persistence=bool(persistence),
            socketio_path=credentials.get("socketio_path") or "/socket.io",
            poll_seconds=float(credentials.get("poll_seconds") or 2.0),
            user_message_evt=credentials.get("user_message_evt") or "user_uttered",
            bot_message_evt=credentials.get("bot_message_evt") or "bot_uttered",
            metadata_key=credentials.get("metadata_key") or "customData",
        )

    def __init__(self, allowed_origins: Optional[List[str]] = None,
                 session_persistence: bool = True, socketio_path: str = "/socket.io",
                 poll_seconds: float = 2.0, user_message_evt: str = "user_uttered",
                 bot_message_evt: str = "bot_uttered", metadata_key: str = "customData") -> None:
        super().__init__(user_message_evt=user_message_evt, bot_message_evt=bot_message_evt,
                         namespace=None, session_persistence=session_persistence,
                         socketio_path=socketio_path, metadata_key=metadata_key)
        self.allowed_origins = list(allowed_origins or [])
        self.poll_seconds = poll_seconds
        self.sessions: Dict[str, str] = {}  # socket id -> chat session id
        self.delivery: Optional[OutboxDelivery] = None
        self._delivery_task: Optional[Any] = None
        self._inbox_task: Optional[Any] = None
        self.inbox = WebChatInbox(SPEC.input_name, get_settings().inbox)
        self.inbox.is_open = lambda session_id: session_id in self.open_sessions()
        register_sender(SPEC.name, officer_sender)
        if not self.allowed_origins:
            log.warning("%s: no community site origin configured (TIPLINE_WEBCHAT_ORIGINS): "
                        "only the tip line's own pages can chat", SPEC.input_name)

    def get_output_channel(self) -> Optional[WebChatOutput]:
        if self.sio is None:
            return None
        return WebChatOutput(self.sio, self.bot_message_evt)

    def open_sessions(self) -> set:
        return set(self.sessions.values())

    async def _emit_outbox(self, message: OutboxMessage) -> None:
        assert self.sio is not None
        await self.sio.emit(self.bot_message_evt, {"text": as_plain_markdown(message.text)},
                            room=message.session_id)
        if message.language:
            await self.sio.emit(LANGUAGE_EVENT, {"language": message.language},
                                room=message.session_id)

    async def _emit_messages(self, session_id: str, messages: List[Dict[str, Any]],
                             language: Optional[str]) -> None:
        """A turn's replies to the session's room, then the language they are in."""
        assert self.sio is not None
        output = WebChatOutput(self.sio, self.bot_message_evt)
        for message in messages:
            await output._send_message(session_id, {k: v for k, v in message.items()
                                                    if k != "recipient_id"})
        if language:
            await self.sio.emit(LANGUAGE_EVENT, {"language": language}, room=session_id)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = OriginCheckedServer(self.allowed_origins)
        self.sio = sio
        self.inbox.on_new_message = on_new_message
        self.inbox.emit = self._emit_messages
        self.delivery = OutboxDelivery(self._emit_outbox, self.open_sessions, self.poll_seconds)
        webhook = WebChatBlueprint(sio, self.socketio_path, pages.blueprint(),
                                   f"{SPEC.input_name}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.listener("after_server_start")
        async def start(app: Sanic, loop: Any) -> None:
            assert self.delivery is not None
            self._delivery_task = loop.create_task(self.delivery.run())
            self._inbox_task = loop.create_task(self.inbox.connect(app))

        @webhook.listener("before_server_stop")
        async def stop(_app: Sanic, _loop: Any) -> None:
            if self.delivery:
                self.delivery.stop()
            await self.inbox.worker.stop()

        @sio.on("connect")
        async def connect(sid: str, environ: Dict, auth: Optional[Dict] = None) -> bool:
            return True

        @sio.on("disconnect")
        async def disconnect(sid: str) -> None:
            self.sessions.pop(sid, None)

        @sio.on("session_request")
        async def session_request(sid: str, data: Optional[Dict]) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            if not self.session_persistence:
                session_id = sid
            elif isinstance(requested, str) and _SESSION_ID.match(requested):
                session_id = requested  # a reload: the conversation goes on
            else:
                session_id = uuid.uuid4().hex
            if session_id != sid:
                joined = sio.enter_room(sid, session_id)
                if inspect.isawaitable(joined):  # python-socketio >= 5.9
                    await joined
            self.sessions[sid] = session_id
            await sio.emit("session_confirm", session_id, room=sid)
            if self.delivery:  # officers' replies that waited for this session
                await self.delivery.deliver([session_id])

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any) -> None:
            session_id = self.sessions.get(sid)
            if session_id is None or not isinstance(data, dict):
                log.debug("web chat: message before session_request ignored")
                return
            text = clean_text(data.get("message"))
            if text is None:
                return
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):
                metadata = json_object(metadata)
            await self.inbox.accept(session_id, text, clean_metadata(metadata))

        return webhook
