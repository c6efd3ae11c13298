"""What the officers' console says of a WhatsApp reply and the 24-hour window."""

from __future__ import annotations

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


def window_note(tip: Tip, message: TipMessage) -> str:
    """" · <how the window let it out>" for an officer reply on WhatsApp, else ""."""
    session = object_session(tip)
    if tip.channel != SPEC.name or session is None:
        return ""
    reply = store.reply_for(session, tip.id, message.text)
    if reply is None or reply.mode == store.FREE:
        return ""
    when = store.aware(reply.delivered_at).strftime("%Y-%m-%d %H:%M") if reply.delivered_at else ""
    note = NOTES.get((reply.mode, reply.status), f"{reply.mode}: {reply.status}")
    return " · " + note.format(when=when)


def held_now(tip: Tip, message: TipMessage) -> bool:
    """True while an officer reply on WhatsApp waits for the tipster (window closed, no
    template): its earlier failed attempt is then not the reply's fate."""
    session = object_session(tip)
    if tip.channel != SPEC.name or session is None:
        return False
    reply = store.reply_for(session, tip.id, message.text)
    return reply is not None and reply.mode == "queued" and reply.status in ("waiting",
                                                                            "sending")
