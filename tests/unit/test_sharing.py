"""Sharing a tip with another agency, on SQLite and PostgreSQL: who sees it and when, and the
audit trail of every share, revocation and reading."""

from __future__ import annotations

from typing import Iterator, Tuple

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.console import sharing
from bot.console.models import Officer
from bot.console.queries import TipFilters, as_utc
from bot.console.scope import get_tip
from bot.console.workflow import WorkflowError
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry, Tip
from harness.console import make_officer, make_tip, scratch_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with scratch_database(request.param, tmp_path_factory.mktemp("sharing")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            for name, agency in (("rcmp-1", "RCMP"), ("hsi-1", "HSI"), ("cbsa-1", "CBSA")):
                make_officer(session, name, agency)
            make_officer(session, "chief", None, role="admin")
            session.commit()
        yield engine
        engine.dispose()


def officers(session: Session) -> Tuple[Officer, Officer, Officer]:
    by_name = {o.username: o for o in session.execute(select(Officer)).scalars()}
    return by_name["rcmp-1"], by_name["hsi-1"], by_name["cbsa-1"]


def visible(session: Session, officer: Officer) -> set:
    query = TipFilters(status="all").apply(select(Tip.reference), officer)
    return set(session.execute(query).scalars())


def actions(session: Session, tip: Tip) -> list:
    return [(e.actor, e.action, e.after) for e in session.execute(
        select(AuditEntry).where(AuditEntry.tip_id == tip.id).order_by(AuditEntry.id)).scalars()]


def test_the_other_agency_sees_a_shared_tip_only_while_it_is_shared(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        rcmp, hsi, cbsa = officers(session)
        tip = make_tip(session, queue="RCMP", original_text="boat unloading at Rouses Point")
        session.commit()
        assert get_tip(session, hsi, tip.reference, shared=True) is None
        assert tip.reference not in visible(session, hsi)
        share = sharing.share(session, tip, rcmp, "hsi", "  the boat came from the US side ")
        session.commit()
        assert (share.agency, share.reason) == ("HSI", "the boat came from the US side")
        assert get_tip(session, hsi, tip.reference, shared=True).id == tip.id
        assert tip.reference in visible(session, hsi)
        # read access only: the writing paths (claim, re-route, reply) still refuse it
        assert get_tip(session, hsi, tip.reference) is None
        # not a re-route, and nobody else gains access
        assert session.get(Tip, tip.id).queue == "RCMP"
        assert get_tip(session, cbsa, tip.reference, shared=True) is None
        assert tip.reference not in visible(session, cbsa)
        sharing.record_read(session, tip, hsi, "page")
        sharing.revoke(session, tip, rcmp, share.id)
        session.commit()
        assert get_tip(session, hsi, tip.reference, shared=True) is None
        assert tip.reference not in visible(session, hsi)
        assert get_tip(session, rcmp, tip.reference) is not None
        assert actions(session, tip)[1:] == [
            ("rcmp-1", "shared", {"agency": "HSI", "reason": "the boat came from the US side",
                                  "share_id": share.id}),
            ("hsi-1", "tip_read", {"via": "page", "agency": "HSI", "shared": True}),
            ("rcmp-1", "share_revoked", {"agency": "HSI", "share_id": share.id}),
        ]


def test_only_the_holding_agency_shares_and_revokes(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        rcmp, hsi, cbsa = officers(session)
        tip = make_tip(session, queue="RCMP")
        session.commit()
        refusals = [
            (lambda: sharing.share(session, tip, rcmp, "HSI", "no"), "reason"),
            (lambda: sharing.share(session, tip, rcmp, "RCMP", "own queue"), "already visible"),
            (lambda: sharing.share(session, tip, rcmp, "IBET_JOINT", "joint"), "already visible"),
            (lambda: sharing.share(session, tip, rcmp, "NSA", "who?"), "unknown agency"),
            (lambda: sharing.share(session, tip, hsi, "CBSA", "not mine"), "only the agency"),
        ]
        for attempt, message in refusals:
            with pytest.raises(WorkflowError, match=message):
                attempt()
        share = sharing.share(session, tip, rcmp, "HSI", "joint operation")
        session.commit()
        with pytest.raises(WorkflowError, match="already visible"):
            sharing.share(session, tip, rcmp, "HSI", "twice")
        for officer in (hsi, cbsa):  # the agency it is shared with cannot revoke it either
            with pytest.raises(WorkflowError, match="only the agency"):
                sharing.revoke(session, tip, officer, share.id)
        sharing.revoke(session, tip, rcmp, share.id)
        session.commit()
        with pytest.raises(WorkflowError, match="no such active share"):
            sharing.revoke(session, tip, rcmp, share.id)
        assert [a for _, a, _ in actions(session, tip)] == ["created", "shared", "share_revoked"]
        # shared again later: a new share row, audited again
        again = sharing.share(session, tip, rcmp, "HSI", "it came back")
        session.commit()
        assert again.id != share.id and sharing.is_shared_with(session, "HSI", tip)


def test_sharing_a_tip_moves_its_updated_at_for_the_api_pulls(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        rcmp, _, _ = officers(session)
        tip = make_tip(session, queue="RCMP")
        session.commit()
        before = tip.updated_at
        sharing.share(session, tip, rcmp, "CBP", "goods crossing south")
        session.commit()
        session.expire_all()
        assert as_utc(session.get(Tip, tip.id).updated_at) > as_utc(before)
