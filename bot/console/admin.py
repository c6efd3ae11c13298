"""Administration of officer accounts (administrators only; every change audited)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot.console.context import admin_required, db
from bot.console.models import ROLES, Officer
from bot.console.officers import agency_codes, agency_names, check_agency, create_officer
from bot.console.security import hash_password
from bot.store.models import AuditEntry, utcnow
from bot.store.tips import audit

bp = Blueprint("admin", __name__, url_prefix="/admin")
ALERT_HOURS = 24


def _state(officer: Officer) -> dict:
    return {"display_name": officer.display_name, "agency": officer.agency,
            "role": officer.role, "active": officer.active}


def _login_alerts() -> list:
    """Accounts that saw many failed sign-ins in the last day (``login_failures`` entries)."""
    since = utcnow() - timedelta(hours=ALERT_HOURS)
    return list(db().execute(
        select(AuditEntry).where(AuditEntry.action == "login_failures",
                                 AuditEntry.created_at >= since)
        .order_by(AuditEntry.id.desc()).limit(50)
    ).scalars())


@bp.route("/officers")
@admin_required
def officers():  # type: ignore[no-untyped-def]
    rows = db().execute(select(Officer).order_by(Officer.agency, Officer.username)).scalars()
    return render_template("admin_officers.html", officers=list(rows), roles=ROLES,
                           agencies=agency_codes(), agency_names=agency_names(),
                           login_alerts=_login_alerts(), alert_hours=ALERT_HOURS)


@bp.route("/officers", methods=["POST"])
@admin_required
def create():  # type: ignore[no-untyped-def]
    form = request.form
    try:
        if form.get("password") != form.get("confirm_password"):
            raise ValueError("the passwords differ")
        officer = create_officer(db(), form.get("username", ""), form.get("password", ""),
                                 role=form.get("role", "officer"), agency=form.get("agency"),
                                 display_name=form.get("display_name", ""),
                                 actor=g.officer.username)
    except ValueError as exc:
        db().rollback()
        flash(f"Not created: {exc}.", "error")
        return redirect(url_for("admin.officers"))
    db().commit()
    flash(f"Officer {officer.username} created.", "info")
    return redirect(url_for("admin.officers"))


def _other_active_admins(officer: Officer) -> int:
    return db().execute(
        select(func.count(Officer.id)).where(Officer.role == "admin", Officer.active.is_(True),
                                             Officer.id != officer.id)
    ).scalar_one()


@bp.route("/officers/<int:officer_id>", methods=["POST"])
@admin_required
def update(officer_id: int):  # type: ignore[no-untyped-def]
    officer = db().get(Officer, officer_id)
    if officer is None:
        abort(404)
    form = request.form
    before = _state(officer)
    try:
        role = form.get("role", officer.role)
        agency = check_agency(role, form.get("agency"))
        active = form.get("active") == "1"
        if (officer.role == "admin" and officer.active and (role != "admin" or not active)
                and _other_active_admins(officer) == 0):
            raise ValueError("the tip line needs at least one active administrator")
    except ValueError as exc:
        flash(f"Not changed: {exc}.", "error")
        return redirect(url_for("admin.officers"))
    officer.display_name = " ".join((form.get("display_name") or officer.display_name).split()
                                    )[:128] or officer.username
    officer.role, officer.agency, officer.active = role, agency, active
    after = _state(officer)
    if after != before:
        if not active or role != before["role"] or agency != before["agency"]:
            officer.session_version += 1  # signs the officer out everywhere
        audit(db(), None, g.officer.username, "officer_changed",
              {"username": officer.username, **before}, {"username": officer.username, **after})
        db().commit()
        flash(f"Officer {officer.username} updated.", "info")
    return redirect(url_for("admin.officers"))


@bp.route("/officers/<int:officer_id>/password", methods=["POST"])
@admin_required
def reset_password(officer_id: int):  # type: ignore[no-untyped-def]
    officer = db().get(Officer, officer_id)
    if officer is None:
        abort(404)
    password = request.form.get("password") or ""
    if password != (request.form.get("confirm_password") or ""):
        flash("Not changed: the passwords differ.", "error")
        return redirect(url_for("admin.officers"))
    try:
        officer.password_hash = hash_password(password)
    except ValueError as exc:
        flash(f"Not changed: {exc}.", "error")
        return redirect(url_for("admin.officers"))
    officer.session_version += 1
    audit(db(), None, g.officer.username, "password_reset", None, {"username": officer.username})
    db().commit()
    flash(f"Password of {officer.username} reset; their sessions are signed out.", "info")
    return redirect(url_for("admin.officers"))
