"""Sign in and out, passwords and API tokens; failed sign-ins are throttled, never locked."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

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
from bot.console.throttle import DEVICE_COOKIE
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
    throttle, devices = state().throttle, state().devices
    device, known = devices.read(request.cookies.get(DEVICE_COOKIE))
    device_of_user = device if username in known else None
    wait = throttle.retry_after(username, address, device_of_user)
    if wait:  # answered at once: no password is tried, no thread sleeps
        log.warning("console login refused: too many failed attempts")
        response = render_template(
            "login.html", next=target, username=username,
            error=f"Too many failed attempts. Try again in {wait} seconds.")
        return response, 429, {"Retry-After": str(wait)}
    found = find_officer(db(), username) if username else None
    ok = verify_password(found.password_hash if found else None, password)
    if not ok or found is None or not found.active:
        failures = throttle.failed(username, address, device_of_user)
        log.info("console login failed")
        if found is not None and throttle.should_alert(found.username, failures):
            _report_failures(found.username, failures)
        return render_template("login.html", next=target, username=username,
                               error="Wrong user name or password."), 401
    if needs_rehash(found.password_hash):
        found.password_hash = hash_password(password)
    found.last_login_at = utcnow()
    audit(db(), None, found.username, "login", None, {"role": found.role, "agency": found.agency})
    db().commit()
    sign_in(found)
    response = redirect(target)
    response.set_cookie(DEVICE_COOKIE, devices.issue(device, known, found.username),
                        max_age=devices.max_age, path=url_for("auth.login"), httponly=True,
                        samesite="Strict", secure=current_app.session_interface
                        .get_cookie_secure(current_app))
    return response


def _report_failures(username: str, failures: int) -> None:
    """Tell the administrators (audit log, officers page, server log) of a guessed account."""
    window = state().throttle.alert_window
    audit(db(), None, "console", "login_failures", None,
          {"username": username, "failures": failures, "limit": window})
    db().commit()
    log.warning("console login: %d failed attempts for officer %s (threshold %s)",
                failures, username, window)


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    me = g.get("officer")
    if me is not None:  # the cookie may have been copied: it must stop working everywhere
        me.session_version += 1
        audit(db(), None, me.username, "logout", None, None)
        db().commit()
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
