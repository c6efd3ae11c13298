"""The WhatsApp channel's part of the inbox: the SMS turns (bot/channels/twilio/turns.py)
with WhatsApp's SPEC, and the release of officers' replies held by the 24-hour window.

A stored WhatsApp message runs exactly as an SMS does: contact read first, the bot turn
(sender id = contact hash of the ``whatsapp:`` address, media in the metadata), media
reconciled, replies through the WhatsApp sender (whole, not in SMS segments), the
``delayed`` reply once when the turn could not complete. Before the turn, the officers'
replies the window held go out (held.py): they were written first. Tips, contacts, inbox rows and
outbound records are stored with ``channel = "whatsapp"``.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from bot.channels.twilio.sender import SEND_EXECUTOR
from bot.channels.twilio.turns import SmsTurns
from bot.channels.whatsapp.held import release_held
from bot.channels.whatsapp.spec import SPEC
from bot.inbox.store import Pending
from bot.inbox.turn import Attempt

log = logging.getLogger(__name__)


class WhatsAppTurns(SmsTurns):
    """Bot turns of stored WhatsApp messages, and the replies the window held."""

    spec = SPEC
    channel = SPEC.name

    async def run(self, pending: Pending) -> Attempt:
        """The tipster wrote: what the window held goes first, then the message's turn."""
        await self.release(pending.sender)
        return await super().run(pending)

    async def release(self, key: str) -> int:
        """The tipster wrote: the window is open, send what it held (worker thread)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(SEND_EXECUTOR,
                                              partial(release_held, key, self.sender))
        except Exception:
            log.exception("whatsapp held replies to %s: release failed", key[:12])
            return 0
