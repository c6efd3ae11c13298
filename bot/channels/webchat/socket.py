"""The web chat's socket.io pieces: bot messages as plain text, the blueprint that serves
socket.io and the widget's pages with the access log off."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict

from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, Sanic

from bot.channels.webchat import pages
from bot.channels.webchat.origins import OriginCheckedServer
from bot.channels.webchat.safety import as_plain_markdown
from bot.channels.webchat.spec import SPEC

log = logging.getLogger(__name__)


class WebChatOutput(SocketIOOutput):
    """Bot messages to a chat session, as plain text the widget cannot mistake for markup."""

    @classmethod
    def name(cls) -> str:
        return SPEC.input_name

    async def _send_message(self, socket_id: str, message: Any) -> None:
        message = dict(message)
        if isinstance(message.get("text"), str):
            message["text"] = as_plain_markdown(message["text"])
        if message.get("quick_replies"):
            message["quick_replies"] = [
                {**reply, "title": as_plain_markdown(str(reply.get("title", "")))}
                for reply in message["quick_replies"]
            ]
        await self.sio.emit(self.bot_message_evt, message, room=socket_id)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any],
                               **kwargs: Any) -> None:
        """Custom payloads are not part of the tip line's web chat: dropped."""
        log.debug("web chat: custom payload not sent")


class WebChatBlueprint(SocketBlueprint):
    """Attaches socket.io and the widget's pages; switches the access log off."""

    def __init__(self, sio: OriginCheckedServer, socketio_path: str, page_routes: Blueprint,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(sio, socketio_path, *args, **kwargs)
        self.ctx.page_routes = page_routes

    def register(self, app: Sanic, options: Dict[str, Any]) -> None:
        pages.disable_access_log(app)
        super().register(app, options)
        app.blueprint(self.ctx.page_routes)


def json_object(text: str) -> Any:
    """A JSON text as a value (None if it is not JSON, or nested past the recursion limit)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
