"""Sign in and out. Failed logins are rate-limited per user name and per client address."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for

from bot.console.context import db, local_target, login_required, sign_in, state
from bot.console.models import ApiToken, Officer
from bot.console.officers import find_officer
from bot.console.security import (
    hash_password,
    needs_rehash,
    new_api_token,
    token_digest,
    verify_password,
)
from bot.store.models import utcnow
from bot.store.tips import audit

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
MAX_TOKENS = 10


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    target = local_target(request.values.get("next"), url_for("queue.index"))
    if request.method == "GET":
        if g.officer is not None:
            return redirect(target)
        return render_template("login.html", next=target)
    username = (request.form.get("username") or "").strip().lower()[:64]
    password = request.form.get("password") or ""
    address = request.remote_addr or ""
    limiter = state().limiter
    verdict = limiter.check(username, address)
    if not verdict.allowed:
        log.warning("console login refused: too many failed attempts")
        response = render_template(
            "login.html", next=target, username=username,
            error=f"Too many failed attempts. Try again in {verdict.retry_after} seconds.")
        return response, 429, {"Retry-After": str(verdict.retry_after)}
    found = find_officer(db(), username) if username else None
    ok = verify_password(found.password_hash if found else None, password)
    if not ok or found is None or not found.active:
        limiter.failed(username, address)
        log.info("console login failed")
        return render_template("login.html", next=target, username=username,
                               error="Wrong user name or password."), 401
    if needs_rehash(found.password_hash):
        found.password_hash = hash_password(password)
    found.last_login_at = utcnow()
    audit(db(), None, found.username, "login", None, {"role": found.role, "agency": found.agency})
    db().commit()
    sign_in(found)
    return redirect(target)


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET"])
@login_required
def account():  # type: ignore[no-untyped-def]
    return render_template("account.html", tokens=_tokens(g.officer), new_token=None)


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():  # type: ignore[no-untyped-def]
    me: Officer = g.officer
    current = request.form.get("current_password") or ""
    new = request.form.get("new_password") or ""
    if not verify_password(me.password_hash, current):
        flash("The current password is wrong.", "error")
        return redirect(url_for("auth.account"))
    if new != (request.form.get("confirm_password") or ""):
        flash("The new passwords differ.", "error")
        return redirect(url_for("auth.account"))
    try:
        me.password_hash = hash_password(new)
    except ValueError as exc:
        flash(str(exc).capitalize() + ".", "error")
        return redirect(url_for("auth.account"))
    me.session_version += 1  # every other session of this officer ends
    audit(db(), None, me.username, "password_changed", None, {"username": me.username})
    db().commit()
    sign_in(me)
    flash("Password changed. Your other sessions are signed out.", "info")
    return redirect(url_for("auth.account"))


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():  # type: ignore[no-untyped-def]
    me: Officer = g.officer
    name = " ".join((request.form.get("name") or "").split())[:64]
    if not name:
        flash("Name the token after the script that will use it.", "error")
        return redirect(url_for("auth.account"))
    if len(_tokens(me)) >= MAX_TOKENS:
        flash(f"At most {MAX_TOKENS} tokens: revoke one first.", "error")
        return redirect(url_for("auth.account"))
    token = new_api_token()
    row = ApiToken(officer_id=me.id, name=name, token_hash=token_digest(token),
                   prefix=token[:10])
    db().add(row)
    db().flush()
    audit(db(), None, me.username, "token_created", None, {"token_id": row.id, "name": name})
    db().commit()
    db().refresh(me)
    # Shown once in this response (never in a flash message: those live in the cookie).
    return render_template("account.html", tokens=_tokens(me), new_token=token)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):  # type: ignore[no-untyped-def]
    me: Officer = g.officer
    row = db().get(ApiToken, token_id)
    if row is None or (row.officer_id != me.id and not me.is_admin):
        abort(404)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit(db(), None, me.username, "token_revoked", None,
              {"token_id": row.id, "name": row.name})
        db().commit()
    flash(f"Token {row.name} revoked.", "info")
    return redirect(url_for("auth.account"))


def _tokens(me: Officer) -> list:
    return [t for t in me.tokens if t.revoked_at is None]
