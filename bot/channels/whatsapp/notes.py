"""What the officers' console says of a WhatsApp reply and the 24-hour window."""

from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import object_session

from bot.channels.whatsapp import store
from bot.channels.whatsapp.spec import SPEC
from bot.store.models import Tip, TipMessage

NOTES = {
    ("template", "sent"): "sent as template (WhatsApp 24-hour window closed)",
    ("template", "failed"): "template NOT sent (WhatsApp 24-hour window closed)",
    ("queued", "waiting"): "queued until the tipster writes (WhatsApp 24-hour window)",
    ("queued", "sending"): "queued, being delivered (the tipster wrote)",
    ("queued", "delivered"): "queued by the WhatsApp 24-hour window, delivered {when} UTC "
                             "when the tipster wrote",
    ("queued", "blocked_opted_out"): "queued by the WhatsApp 24-hour window, then NOT sent: "
                                     "the tipster opted out",
    ("queued", "gone"): "queued by the WhatsApp 24-hour window, purged before the tipster wrote",
    ("queued", "failed"): "queued by the WhatsApp 24-hour window, then failed",
}


def window_record(tip: Tip, message: TipMessage) -> Optional[store.WhatsAppReply]:
    """The WhatsApp record of an officer reply (how the window let it out), else None."""
    session = object_session(tip)
    if tip.channel != SPEC.name or session is None:
        return None
    return store.reply_for(session, tip.id, message.text)


def window_note(reply: Optional[store.WhatsAppReply]) -> str:
    """" · <how the window let it out>" for a reply of ``window_record``, else ""."""
    if reply is None or reply.mode == store.FREE:
        return ""
    when = store.aware(reply.delivered_at).strftime("%Y-%m-%d %H:%M") if reply.delivered_at else ""
    note = NOTES.get((reply.mode, reply.status), f"{reply.mode}: {reply.status}")
    return " · " + note.format(when=when)


def held_now(reply: Optional[store.WhatsAppReply]) -> bool:
    """True while the reply waits for the tipster (window closed, no template): its
    earlier failed attempt is then not the reply's fate."""
    return (reply is not None and reply.mode == store.QUEUED
            and reply.status in (store.WAITING, store.SENDING))
