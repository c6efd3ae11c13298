"""Helpers of the console tests: seeded tips and officers, a console server process."""

from __future__ import annotations

import os
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.console.models import Officer
from bot.console.officers import create_officer
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import Attachment, AuditEntry, RoutingDecision, Tip, TipMessage, utcnow
from bot.store.references import new_reference
from harness.servers import ARTIFACTS, ROOT, Server, free_port

PG_ADMIN_URL = os.environ.get("TIPLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
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
             reference: Optional[str] = None, translation_status: Optional[str] = None,
             **extra: Any) -> Tip:
    """A routed tip as the intake stores it: first message, routing decision, audit entry."""
    moment = created_at or utcnow()
    if entities is None:
        entities = [{"entity": "vehicle", "value": "white van"},
                    {"entity": "plate", "value": "ABC 123"}]
    tip = Tip(reference=reference or new_reference(), conversation_id=f"conv-{uuid.uuid4().hex}",
              channel=channel, language=language, language_confidence=0.93,
              original_text=original_text, translated_text=translated_text,
              translation_status=translation_status or (
                  "done" if language != "en" else "not_needed"),
              category=category, category_confidence=0.87, urgency=urgency, queue=queue,
              status=status, location_text=place, location_side=side, location_place=place,
              entities=entities,
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
    start = html.index(marker := 'name="csrf_token" value="') + len(marker)
    return html[start:html.index('"', start)]


@contextmanager
def scratch_database(kind: str, tmp: Path) -> Iterator[str]:
    """A new empty SQLite file or PostgreSQL database (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'console-tips.db'}"
        return
    name = f"tipline_console_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@dataclass
class RunningConsole:
    """A console server process and its database, for end-to-end tests."""

    kind: str  # sqlite | postgresql
    url: str
    engine: Engine

    def seed(self, **fields: Any) -> Tip:
        with Session(self.engine, expire_on_commit=False) as session:
            tip = make_tip(session, **fields)
            session.commit()
            return tip

    def tip(self, reference: str) -> Tip:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.execute(select(Tip).filter_by(reference=reference)).scalar_one()

    def audit_count(self, tip: Tip) -> int:
        """Audit entries of ``tip`` that record a change (reads, ``tip_read``, left out)."""
        changes = (AuditEntry.tip_id == tip.id, AuditEntry.action != "tip_read")
        with Session(self.engine) as session:
            return session.execute(select(func.count(AuditEntry.id)).where(*changes)).scalar_one()


@contextmanager
def running_console(kind: str, tmp: Path, officers: Sequence[Tuple[str, Optional[str], str]],
                    **env: str) -> Iterator[RunningConsole]:
    """A migrated ``kind`` database with ``officers`` (name, agency, role) and a console."""
    with scratch_database(kind, tmp) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            for name, agency, role in officers:
                make_officer(session, name, agency, role=role)
            session.commit()
        server = ConsoleServer(console_env(tmp, url, **env), f"{tmp.name}").start()
        try:
            yield RunningConsole(kind, server.url, engine)
        finally:
            server.stop()
            engine.dispose()
