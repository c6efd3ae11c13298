"""Sharing, related tips and escalation alerts in the console's pages and API (Flask test
client on a migrated SQLite database)."""

from __future__ import annotations

from datetime import timedelta
from typing import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.app import create_app
from bot.console.escalation import EscalationRules, escalate_due
from bot.console.models import TipNote
from bot.settings import ConsoleSettings
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry, Tip, utcnow
from bot.store.sharing import TipShare
from harness.console import PASSWORD, SECRET, csrf_from, make_officer, make_tip


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('console-sharing') / 'tips.db'}"
    upgrade(url)
    with Session(make_engine(url)) as session:
        for name, agency in (("rcmp-one", "RCMP"), ("hsi-one", "HSI"), ("cbp-one", "CBP")):
            make_officer(session, name, agency)
        session.commit()
    return url


@pytest.fixture(scope="module")
def app(db_url: str) -> Flask:
    return create_app(ConsoleSettings(secret_key=SECRET, login_rate_limit="100 per minute",
                                      login_rate_limit_per_address="1000 per minute"),
                      database_url=db_url)


@pytest.fixture()
def db(db_url: str) -> Iterator[Session]:
    with Session(make_engine(db_url), expire_on_commit=False) as session:
        yield session


def client_for(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    return client


def csrf(client: FlaskClient) -> str:
    return csrf_from(client.get("/account").text)


def actions(db: Session, tip: Tip) -> list:
    db.expire_all()
    return [(e.actor, e.action) for e in db.execute(
        select(AuditEntry).where(AuditEntry.tip_id == tip.id).order_by(AuditEntry.id)).scalars()]


def test_a_shared_tip_is_readable_and_annotated_by_the_other_agency_until_revoked(
        app: Flask, db: Session) -> None:
    tip = make_tip(db, queue="RCMP", original_text="Boat <b>unloading</b> at Rouses Point")
    db.commit()
    rcmp, hsi, cbp = (client_for(app, n) for n in ("rcmp-one", "hsi-one", "cbp-one"))
    path = f"/tips/{tip.reference}"
    assert hsi.get(path).status_code == 404
    page = rcmp.get(path).text
    form = page.split('id="share-form"')[1].split("</form>")[0]
    assert '<option value="HSI">' in form
    assert '"IBET_JOINT"' not in form and '"RCMP"' not in form  # joint queue, own queue
    response = rcmp.post(f"{path}/share", data={"csrf_token": csrf(rcmp), "agency": "HSI",
                                                "reason": "landed on the <US> side"})
    assert response.status_code == 302
    page = hsi.get(path).text
    assert 'id="shared-view"' in page and "Boat &lt;b&gt;unloading&lt;/b&gt;" in page
    assert 'id="claim"' not in page and "Reply to the tipster" not in page  # read only
    assert "landed on the &lt;US&gt; side" in page
    queue = hsi.get("/").text
    assert tip.reference in queue and 'badge-shared">shared<' in queue
    assert 'badge-shared' not in rcmp.get("/").text.split(tip.reference)[1].split("</tr>")[0]
    assert hsi.get(f"/api/tips/{tip.reference}").json["reference"] == tip.reference
    assert tip.reference in {t["reference"] for t in hsi.get("/api/tips?limit=500").json["tips"]}
    # notes from both sides; but no triage by the agency it is shared with
    hsi_token = csrf(hsi)
    hsi.post(f"{path}/shared-note", data={"csrf_token": hsi_token, "text": "we saw it too"})
    rcmp.post(f"{path}/shared-note", data={"csrf_token": csrf(rcmp), "text": "thanks"})
    for action, form in (("claim", {}), ("status", {"status": "closed"}),
                         ("reroute", {"queue": "HSI", "reason": "ours"}), ("notes", {"text": "x"}),
                         ("share", {"agency": "CBP", "reason": "pass it on"})):
        assert hsi.post(f"{path}/{action}", data={"csrf_token": hsi_token, **form}
                        ).status_code == 404, action
    assert hsi.patch(f"/api/tips/{tip.reference}", json={"status": "closed"},
                     headers={"X-CSRFToken": hsi_token}).status_code == 404
    assert cbp.get(path).status_code == 404 and cbp.get(f"/api/tips/{tip.reference}"
                                                        ).status_code == 404
    notes = db.execute(select(TipNote.author, TipNote.text).where(TipNote.tip_id == tip.id)
                       .order_by(TipNote.id)).all()
    assert [tuple(n) for n in notes] == [("hsi-one", "we saw it too"), ("rcmp-one", "thanks")]
    share = db.execute(select(TipShare).where(TipShare.tip_id == tip.id)).scalar_one()
    rcmp.post(f"{path}/shares/{share.id}/revoke", data={"csrf_token": csrf(rcmp)})
    assert hsi.get(path).status_code == 404
    assert hsi.get(f"/api/tips/{tip.reference}").status_code == 404
    assert tip.reference not in hsi.get("/?status=all").text
    assert "revoked by rcmp-one" in rcmp.get(path).text
    trail = actions(db, tip)
    assert trail[:4] == [("intake", "created"), ("rcmp-one", "tip_read"),
                         ("rcmp-one", "shared"), ("hsi-one", "tip_read")]
    assert ("rcmp-one", "share_revoked") in trail and ("hsi-one", "note_added") in trail
    assert trail.count(("hsi-one", "tip_read")) == 2  # the page and the API reading
    assert "tip_read" not in rcmp.get(path).text.split('id="audit-log"')[1]  # not in history


def test_related_tips_are_shown_and_linked_or_marked_duplicate(app: Flask, db: Session) -> None:
    first = make_tip(db, queue="RCMP", entities=[{"entity": "plate", "value": "FXR 221"}],
                     original_text="A grey truck FXR 221 is moving crates at Emerson")
    second = make_tip(db, queue="RCMP", language="es",
                      entities=[{"entity": "plate", "value": "fxr-221"}],
                      original_text="Un camión gris con placa FXR-221 mueve cajas en Emerson")
    third = make_tip(db, queue="RCMP", entities=[{"entity": "plate", "value": "FXR 221"}],
                     original_text="Same truck FXR 221 again at Emerson")
    db.commit()
    rcmp = client_for(app, "rcmp-one")
    page = rcmp.get(f"/tips/{first.reference}").text
    related = page.split('id="related-tips"')[1].split("</ul>")[0]
    assert second.reference in related and "same plate FXR221" in related
    token = csrf(rcmp)
    rcmp.post(f"/tips/{first.reference}/link", data={"csrf_token": token,
                                                     "other": second.reference})
    page = rcmp.get(f"/tips/{first.reference}").text
    assert second.reference in page.split('id="linked-tips"')[1].split("</p>")[0]
    rcmp.post(f"/tips/{third.reference}/duplicate", data={"csrf_token": token,
                                                          "original": first.reference})
    db.expire_all()
    assert db.get(Tip, third.id).duplicate_of_id == first.id
    assert ("rcmp-one", "linked") in actions(db, second)


def test_escalated_unclaimed_tips_raise_an_alert_on_the_queue(app: Flask, db: Session) -> None:
    tip = make_tip(db, queue="CBP", urgency="high", created_at=utcnow() - timedelta(hours=1))
    db.commit()
    escalate_due(db, EscalationRules(15, {}), webhook=False)
    cbp = client_for(app, "cbp-one")
    alert = cbp.get("/").text.split('id="escalation-alerts"')[1].split("</div>")[0]
    assert tip.reference in alert
    assert 'id="escalation-alerts"' not in client_for(app, "rcmp-one").get("/").text
    assert 'id="tip-escalated"' in cbp.get(f"/tips/{tip.reference}").text
    cbp.post(f"/tips/{tip.reference}/claim", data={"csrf_token": csrf(cbp)})
    assert 'id="escalation-alerts"' not in cbp.get("/").text  # claimed: the alert is over
