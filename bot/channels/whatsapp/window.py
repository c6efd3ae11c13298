"""WhatsApp's 24-hour session window: may an officer's reply go out now, and how.

A business may send free text to a WhatsApp user for 24 hours after the user's last
message; after that, only a template the platform approved. The tip line's window is
``TIPLINE_WHATSAPP_WINDOW_MINUTES`` (23 h 55 min by default, so a reply never arrives
just too late) after the tipster's last message in the inbox. Outside it, an officer's
reply goes out as a template when the deployment has one for that reply and language,
else it is held until the tipster writes again (held.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from bot.channels.whatsapp.store import FREE, QUEUED, TEMPLATE


def window_open(last_inbound: Optional[datetime], now: datetime, minutes: float) -> bool:
    """True while the tipster's last message is less than ``minutes`` old."""
    return last_inbound is not None and now - last_inbound < timedelta(minutes=minutes)


def decide(is_open: bool, template_sid: Optional[str], use_templates: bool = True) -> str:
    """``free`` inside the window; outside, ``template`` when one is approved for this
    reply (and templates are in use), else ``queued``."""
    if is_open:
        return FREE
    if template_sid and use_templates:
        return TEMPLATE
    return QUEUED
