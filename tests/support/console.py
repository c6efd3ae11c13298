"""Helpers of the console tests: seeded tips and officers, a console server process."""

from __future__ import annotations

import os
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Optional

import requests
from sqlalchemy.orm import Session

from bot.console.models import Officer
from bot.console.officers import create_officer
from bot.store.models import Attachment, AuditEntry, RoutingDecision, Tip, TipMessage, utcnow
from bot.store.references import new_reference
from tests.support.servers import ARTIFACTS, ROOT, Server, free_port

PASSWORD = "correct horse battery staple"
SECRET = "console-test-secret-" + "x" * 40


def make_officer(session: Session, username: str, agency: Optional[str] = "RCMP",
                 role: str = "officer", password: str = PASSWORD) -> Officer:
    return create_officer(session, username, password, role=role, agency=agency,
                          display_name=username.replace("-", " ").title(), actor="test")


def make_tip(session: Session, *, queue: str = "RCMP", urgency: str = "normal",
             status: str = "new", language: str = "fr",
             original_text: str = "Des hommes chargent de la drogue dans un camion a Lacolle",
             translated_text: Optional[str] = "Men are loading drugs into a truck at Lacolle",
             category: str = "drug_smuggling", side: str = "CA", place: Optional[str] = "Lacolle",
             channel: str = "sms", created_at: Optional[datetime] = None,
             entities: Optional[list] = None, attachments: Optional[list] = None,
             reference: Optional[str] = None, **extra: Any) -> Tip:
    """A routed tip as the intake stores it: first message, routing decision, audit entry."""
    moment = created_at or utcnow()
    tip = Tip(reference=reference or new_reference(), conversation_id=f"conv-{uuid.uuid4().hex}",
              channel=channel, language=language, language_confidence=0.93,
              original_text=original_text, translated_text=translated_text,
              translation_status="done" if language != "en" else "not_needed",
              category=category, category_confidence=0.87, urgency=urgency, queue=queue,
              status=status, location_text=place, location_side=side, location_place=place,
              entities=entities if entities is not None else
              [{"entity": "vehicle", "value": "white van"}, {"entity": "plate", "value": "ABC 123"}],
              created_at=moment, updated_at=moment, **extra)
    session.add(tip)
    session.flush()
    session.add(TipMessage(tip_id=tip.id, direction="in", author="tipster", text=original_text,
                           translated_text=translated_text, language=language,
                           created_at=moment))
    session.add(RoutingDecision(tip_id=tip.id, category=category, side=side, on_water=False,
                                queue=queue, rule=f"{category}/{side}", decided_by="router",
                                created_at=moment))
    for item in attachments or []:
        session.add(Attachment(tip_id=tip.id, url=item["url"], content_type=item.get("type")))
    session.add(AuditEntry(tip_id=tip.id, actor="intake", action="created", before=None,
                           after={"queue": queue, "status": status}, created_at=moment))
    return tip


def minutes_ago(minutes: float) -> datetime:
    return utcnow() - timedelta(minutes=minutes)


def console_env(tmp: Path, database_url: str, **extra: str) -> Dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TIPLINE_DATABASE_URL": database_url,
        "TIPLINE_VAR_DIR": str(tmp),
        "TIPLINE_HASH_KEY": "test-hash-key-" + uuid.uuid4().hex,
        "TIPLINE_CONSOLE_SECRET": SECRET,
        "TIPLINE_CONSOLE_POLL_SECONDS": "1",
        "TIPLINE_CONSOLE_SETTLE_SECONDS": "5",
        "TIPLINE_TRANSLATION_PROVIDER": "none",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        **extra,
    }


@dataclass
class ConsoleServer:
    """``python -m bot.console`` on a free port against its own database."""

    env: Dict[str, str]
    name: str
    port: int = field(default_factory=free_port)
    server: Optional[Server] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ConsoleServer:
        self.server = Server(
            f"console-{self.name}",
            [sys.executable, "-m", "bot.console", "--server", "werkzeug", "--bind", "127.0.0.1",
             "--port", str(self.port)],
            self.env, f"{self.url}/healthz", ARTIFACTS / f"console-{self.name}.log",
        ).start(timeout=60)
        return self

    def stop(self) -> None:
        if self.server:
            self.server.stop()


def login_session(base_url: str, username: str, password: str = PASSWORD) -> requests.Session:
    """A requests session signed in through the login form (with its CSRF token)."""
    http = requests.Session()
    token = csrf_from(http.get(f"{base_url}/login", timeout=10).text)
    response = http.post(f"{base_url}/login", data={"username": username, "password": password,
                                                     "csrf_token": token}, timeout=10)
    response.raise_for_status()
    assert "/login" not in response.url, response.text[:500]
    return http


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]
