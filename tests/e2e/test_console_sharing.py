"""The running console over HTTP, on SQLite and PostgreSQL: a tip shared with another agency
is visible there (page, queue, API) only while it is shared, and every step is audited."""

from __future__ import annotations

from typing import Iterator, List

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import AuditEntry, Tip
from bot.store.sharing import TipShare
from harness.console import RunningConsole, csrf_from, login_session, running_console


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    tmp = tmp_path_factory.mktemp(f"console-sharing-{request.param}")
    officers = [("rcmp-a", "RCMP", "officer"), ("hsi-a", "HSI", "officer"),
                ("cbsa-a", "CBSA", "officer")]
    with running_console(request.param, tmp, officers,
                         TIPLINE_RELATED_SEMANTIC="0") as running:
        yield running


def trail(console: RunningConsole, tip: Tip) -> List[tuple]:
    with Session(console.engine) as session:
        return [(e.actor, e.action) for e in session.execute(
            select(AuditEntry).where(AuditEntry.tip_id == tip.id).order_by(AuditEntry.id)
        ).scalars()]


def test_the_other_agency_sees_a_shared_tip_only_while_it_is_shared(
        console: RunningConsole) -> None:
    tip = console.seed(queue="RCMP", original_text="crates moved to a boat at Rouses Point")
    url = f"{console.url}/tips/{tip.reference}"
    rcmp, hsi, cbsa = (login_session(console.url, n) for n in ("rcmp-a", "hsi-a", "cbsa-a"))

    def hsi_sees() -> tuple:
        return (hsi.get(url, timeout=10).status_code,
                hsi.get(f"{console.url}/api/tips/{tip.reference}", timeout=10).status_code,
                tip.reference in hsi.get(f"{console.url}/?status=all", timeout=10).text)

    assert hsi_sees() == (404, 404, False)
    token = csrf_from(rcmp.get(url, timeout=10).text)
    shared = rcmp.post(f"{url}/share", data={"csrf_token": token, "agency": "HSI",
                                             "reason": "the boat is headed south"}, timeout=10)
    assert shared.status_code == 200 and "is shared with HSI" in shared.text
    assert hsi_sees() == (200, 200, True)
    assert cbsa.get(url, timeout=10).status_code == 404
    hsi_token = csrf_from(hsi.get(url, timeout=10).text)
    noted = hsi.post(f"{url}/shared-note", data={"csrf_token": hsi_token,
                                                 "text": "our marine unit is on it"}, timeout=10)
    assert "our marine unit is on it" in noted.text
    claim = hsi.post(f"{url}/claim", data={"csrf_token": hsi_token}, timeout=10,
                     allow_redirects=False)
    assert claim.status_code == 404  # read access and notes, not the tip itself
    with Session(console.engine) as session:
        share_id = session.execute(select(TipShare.id).where(
            TipShare.tip_id == tip.id)).scalar_one()
    rcmp.post(f"{url}/shares/{share_id}/revoke", data={"csrf_token": token}, timeout=10)
    assert hsi_sees() == (404, 404, False)
    stored = console.tip(tip.reference)
    assert (stored.queue, stored.status, stored.assigned_to) == ("RCMP", "new", None)
    steps = trail(console, tip)
    assert steps[0] == ("intake", "created")
    assert ("rcmp-a", "shared") in steps and ("rcmp-a", "share_revoked") in steps
    assert ("hsi-a", "note_added") in steps
    # each successful reading by HSI: the two pages and the API call while it was shared
    assert steps.count(("hsi-a", "tip_read")) == 4
    assert ("cbsa-a", "tip_read") not in steps
    assert steps.index(("rcmp-a", "shared")) < steps.index(("hsi-a", "tip_read"))
