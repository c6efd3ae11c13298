"""Tips API (JSON and CSV): session or bearer-token authentication, agency scoping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List

from flask import Blueprint, abort, current_app, g, jsonify, request, send_file
from sqlalchemy import select

from bot.console import workflow
from bot.console.context import db, login_required, state
from bot.console.cursors import decode_cursor, encode_cursor, pull_changes
from bot.console.export import csv_response
from bot.console.models import ApiToken
from bot.console.officers import find_officer
from bot.console.queries import TipFilters, as_utc
from bot.console.scope import get_tip, visible_queues
from bot.console.security import token_digest
from bot.console.sharing import record_read
from bot.console.summary import summarise
from bot.console.workflow import WorkflowError
from bot.settings import ROOT
from bot.store.models import Tip, utcnow
from bot.store.tips import tip_to_api

bp = Blueprint("api", __name__, url_prefix="/api")
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
PATCHABLE = ("status", "assigned_to")
OPENAPI = ROOT / "docs" / "openapi.yml"  # this API's description, checked by the tests


def api_error(status: int, message: str):  # type: ignore[no-untyped-def]
    response = jsonify(error=message)
    response.status_code = status
    return response


@bp.before_request
def authenticate():  # type: ignore[no-untyped-def]
    """A bearer token (scripts) wins over the session cookie (the console's own pages)."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        digest = token_digest(header[7:].strip())
        row = db().execute(
            select(ApiToken).where(ApiToken.token_hash == digest)
        ).scalar_one_or_none()
        if row is None or row.revoked_at is not None or not row.officer.active:
            g.officer, g.auth = None, None
            refused = api_error(401, "invalid or revoked token")
            refused.headers["WWW-Authenticate"] = 'Bearer realm="tipline", error="invalid_token"'
            return refused
        g.officer, g.auth = row.officer, "token"
        now = utcnow()
        if row.last_used_at is None or as_utc(row.last_used_at) < now - timedelta(minutes=5):
            row.last_used_at = now
            db().commit()
    elif request.method not in ("GET", "HEAD", "OPTIONS") and g.get("officer") is not None:
        # A change made with the session cookie needs the page's CSRF token (X-CSRFToken);
        # without a signed-in session there is nothing to forge: login_required answers 401.
        current_app.extensions["csrf"].protect()
    return None


def tips_json(tips: List[Tip]) -> List[Dict[str, Any]]:
    """The SPEC's API fields of each tip, with its assignee, the tip it duplicates and an
    English ``summary`` of what the tip line understood."""
    originals = {t.duplicate_of_id for t in tips if t.duplicate_of_id}
    references = dict(db().execute(
        select(Tip.id, Tip.reference).where(Tip.id.in_(originals))
    ).all()) if originals else {}
    return [{**tip_to_api(t), "assigned_to": t.assigned_to,
             "duplicate_of": references.get(t.duplicate_of_id),
             "summary": summarise(t).as_dict()} for t in tips]


@bp.route("/me")
@login_required
def me():  # type: ignore[no-untyped-def]
    return jsonify(username=g.officer.username, role=g.officer.role, agency=g.officer.agency,
                   queues=visible_queues(g.officer), auth=g.auth)


@bp.route("/openapi.yml")
@login_required
def openapi():  # type: ignore[no-untyped-def]
    """docs/openapi.yml, to signed-in callers only."""
    return send_file(OPENAPI, mimetype="application/yaml")


@bp.route("/tips")
@login_required
def list_tips():  # type: ignore[no-untyped-def]
    """Tips in (updated_at, id) order from ``since``; follow ``next`` while ``more``."""
    filters = TipFilters.from_args(request.args, default_status="all")
    if filters.errors:
        return api_error(400, "; ".join(filters.errors))
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT)).strip()
    if not (raw_limit.isascii() and raw_limit.isdigit()):  # int() takes "1_0" and "٣" too
        return api_error(400, "limit must be a number")
    limit = int(raw_limit)
    if not 1 <= limit <= MAX_LIMIT:
        return api_error(400, f"limit must be between 1 and {MAX_LIMIT}")
    since = request.args.get("since") or request.args.get("cursor")
    try:
        cursor = decode_cursor(since) if since else None
    except ValueError as exc:
        return api_error(400, str(exc))
    pull = pull_changes(db(), g.officer, filters, cursor, limit, state().settings.settle_seconds)
    return jsonify(tips=tips_json(pull.tips), next=encode_cursor(pull.next_cursor),
                   more=pull.more)


@bp.route("/tips.csv")
@login_required
def export_tips():  # type: ignore[no-untyped-def]
    filters = TipFilters.from_args(request.args, default_status="all")
    if filters.errors:
        return api_error(400, "; ".join(filters.errors))
    return csv_response(g.officer.id, g.officer.username, filters)


@bp.route("/tips/<reference>", methods=["GET"])
@login_required
def get_one(reference: str):  # type: ignore[no-untyped-def]
    tip = get_tip(db(), g.officer, reference, shared=True)
    if tip is None:
        abort(404)
    record_read(db(), tip, g.officer, "api")
    return jsonify(tips_json([tip])[0])


@bp.route("/tips/<reference>", methods=["PATCH"])
@login_required
def patch_one(reference: str):  # type: ignore[no-untyped-def]
    """Change ``assigned_to`` (a user name or null) and/or ``status`` along the workflow."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        return api_error(400, "send a JSON object with status and/or assigned_to")
    if any(isinstance(v, str) and "\x00" in v for v in body.values()):
        return api_error(400, "NUL characters are not allowed")
    unknown = sorted(set(body) - set(PATCHABLE))
    if unknown:
        return api_error(400, f"cannot change {', '.join(unknown)} (only {', '.join(PATCHABLE)})")
    session = db()
    tip = get_tip(session, g.officer, reference, for_update=True)
    if tip is None:
        abort(404)
    try:
        if "assigned_to" in body:
            name = body["assigned_to"]
            if name is not None and not isinstance(name, str):
                raise WorkflowError("assigned_to must be a user name or null")
            assignee = find_officer(session, name) if name else None
            if name and assignee is None:
                raise WorkflowError(f"no officer named {name!r}")
            if (assignee.username if assignee else None) != tip.assigned_to:
                workflow.assign(session, tip, g.officer, assignee)
        if "status" in body and body["status"] != tip.status:
            if not isinstance(body["status"], str):
                raise WorkflowError("status must be a string")
            workflow.set_status(session, tip, g.officer, body["status"])
    except WorkflowError as exc:
        session.rollback()
        return api_error(400, str(exc))
    session.commit()
    return jsonify(tips_json([tip])[0])
