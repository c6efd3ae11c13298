"""What the fake Twilio API stores and answers: sent-message records, JSON errors, resources."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, Dict, List, Optional

MODES = ("ok", "fail", "throttle", "hang", "unsubscribed")
MAX_BODY = 1600
MEDIA_BYTES = b"\xff\xd8\xff\xe0fake-jpeg-bytes\xff\xd9"  # what GET .../Media/ME... returns


@dataclass(frozen=True)
class SentMessage:
    """A message the fake accepted (test data only)."""

    sid: str
    to: str
    from_: Optional[str]
    messaging_service_sid: Optional[str]
    body: str
    media_urls: List[str]
    num_segments: int
    created: float = field(default_factory=time.time)
    status_callback: Optional[str] = None  # the StatusCallback URL the client asked for


def twilio_error(status: int, code: int, message: str) -> Dict[str, Any]:
    """Twilio's JSON error body."""
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


def message_resource(account_sid: str, message: SentMessage) -> Dict[str, Any]:
    """The JSON Twilio returns for a message."""
    date = formatdate(message.created, usegmt=True)
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{message.sid}.json"
    return {
        "account_sid": account_sid, "api_version": "2010-04-01", "body": message.body,
        "date_created": date, "date_sent": None, "date_updated": date,
        "direction": "outbound-api", "error_code": None, "error_message": None,
        "from": message.from_, "messaging_service_sid": message.messaging_service_sid,
        "num_media": str(len(message.media_urls)), "num_segments": str(message.num_segments),
        "price": None, "price_unit": "USD", "sid": message.sid, "status": "queued",
        "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        "to": message.to, "uri": uri,
    }
