"""Reading the tips database in tests (the same models the tip line uses)."""

from __future__ import annotations

import time
from typing import Callable, List

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.store.models import AuditEntry, Tip, TipMessage


class TipsDb:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, future=True)

    def tips_of(self, conversation_id: str) -> List[Tip]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.execute(
                select(Tip).where(Tip.conversation_id == conversation_id).order_by(Tip.id)
            ).scalars())

    def messages_of(self, tip_id: int) -> List[TipMessage]:
        with Session(self.engine) as session:
            return list(session.execute(
                select(TipMessage).where(TipMessage.tip_id == tip_id).order_by(TipMessage.id)
            ).scalars())

    def audit_of(self, tip_id: int) -> List[AuditEntry]:
        with Session(self.engine) as session:
            return list(session.execute(
                select(AuditEntry).where(AuditEntry.tip_id == tip_id).order_by(AuditEntry.id)
            ).scalars())

    def wait_for(self, probe: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if probe():
                return True
            time.sleep(0.2)
        return probe()
