"""The escalation webhook to a paging system: a signed JSON POST, retried until delivered.

Body (no tip text, no place, nothing about the tipster)::

    {"event": "tip.escalated", "escalation_id": 7, "reference": "AB2CD3", "agency": "RCMP",
     "category": "drug_smuggling", "urgency": "high", "status": "new",
     "created_at": "...", "escalated_at": "...", "age_minutes": 12,
     "threshold_minutes": 10, "url": "https://console.example/tips/AB2CD3" or null}

Headers: ``X-Tipline-Timestamp`` (Unix seconds), ``X-Tipline-Signature: sha256=<hex>``,
the HMAC-SHA256 of ``<timestamp>.<body>`` with ``TIPLINE_ESCALATION_WEBHOOK_SECRET``,
and ``X-Tipline-Delivery`` (the escalation id: the same on every retry).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, Dict, Optional

import requests
from sqlalchemy.orm import Session

from bot.console.coordination import CoordinationSettings, coordination_settings
from bot.console.queries import as_utc
from bot.store.models import Tip, utcnow
from bot.store.sharing import Escalation
from bot.store.tips import iso_utc

EVENT = "tip.escalated"


class PagingError(RuntimeError):
    """The paging system did not take the webhook (huey retries the task)."""


def payload(escalation: Escalation, tip: Tip, console_url: str = "") -> Dict[str, Any]:
    age = as_utc(escalation.escalated_at) - as_utc(tip.created_at)
    return {
        "event": EVENT, "escalation_id": escalation.id, "reference": tip.reference,
        "agency": escalation.agency, "category": tip.category, "urgency": tip.urgency,
        "status": tip.status, "created_at": iso_utc(tip.created_at),
        "escalated_at": iso_utc(escalation.escalated_at),
        "age_minutes": int(age.total_seconds() // 60),
        "threshold_minutes": escalation.threshold_minutes,
        "url": f"{console_url.rstrip('/')}/tips/{tip.reference}" if console_url else None,
    }


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``<timestamp>.<body>``; the receiver recomputes and compares."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str,
           tolerance: float = 300.0, now: Optional[float] = None) -> bool:
    """What a receiver does: a fresh timestamp and a matching signature."""
    fresh = abs((now or time.time()) - float(timestamp or 0)) <= tolerance
    return fresh and hmac.compare_digest(signature(secret, timestamp, body), header or "")


def deliver(session: Session, escalation_id: int,
            settings: Optional[CoordinationSettings] = None) -> str:
    """POST the webhook of one escalation; raise PagingError on failure (for a retry)."""
    settings = settings or coordination_settings()
    row = session.get(Escalation, escalation_id)
    if row is None or row.webhook_status == "sent":
        return "nothing to do"
    if not settings.webhook_url:
        row.webhook_status = "off"
        session.commit()
        return "off"
    body = json.dumps(payload(row, session.get(Tip, row.tip_id), settings.console_url),
                      separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Tipline-Timestamp": timestamp,
               "X-Tipline-Signature": signature(settings.webhook_secret, timestamp, body),
               "X-Tipline-Delivery": str(row.id), "User-Agent": "tipline-escalation/1"}
    row.webhook_attempts += 1
    try:
        response = requests.post(settings.webhook_url, data=body, headers=headers,
                                 timeout=settings.webhook_timeout, allow_redirects=False)
        ok = 200 <= response.status_code < 300
        error = f"HTTP {response.status_code}"
    except requests.RequestException as exc:
        ok, error = False, type(exc).__name__
    row.webhook_status = "sent" if ok else "failed"
    if ok:
        row.webhook_sent_at = utcnow()
    session.commit()
    if not ok:
        raise PagingError(f"escalation {row.id}: paging webhook failed ({error})")
    return "sent"
