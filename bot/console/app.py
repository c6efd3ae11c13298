"""The Flask application of the duty officers' console."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Optional

from flask import Flask, Response, abort, g, jsonify, make_response, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import inspect, text
from sqlalchemy.orm import sessionmaker
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.console import (
    admin,
    api,
    auth,
    coordview,
    dashboard,
    queue,
    replies,
    survey_editor,
    transparency,
)
from bot.console import surveys as survey_pages
from bot.console.context import (
    EXTENSION,
    ConsoleState,
    close_db,
    db,
    is_api_request,
    load_session_officer,
)
from bot.console.display import FILTERS, GLOBALS
from bot.console.throttle import DeviceCookies, LoginThrottle
from bot.routing.router import get_router
from bot.settings import ConsoleSettings, get_settings
from bot.store.db import make_engine

log = logging.getLogger(__name__)

# Only this console's own origin: no CDN, font service or analytics, no inline script.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
    "font-src 'self'", "connect-src 'self'", "media-src 'self'", "form-action 'self'",
    "frame-ancestors 'none'", "base-uri 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # no referrer to other sites; CSRF checks it on TLS
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions whose cookie is Secure whenever the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def refuse_nul() -> None:
    """No NUL character in a path, query or form (PostgreSQL text cannot hold one)."""
    values = [request.path, *request.args.values()]
    if request.method == "POST":
        values += list(request.form.values())
    if any("\x00" in value for value in values):
        abort(400)


def create_app(settings: Optional[ConsoleSettings] = None,
               database_url: Optional[str] = None) -> Flask:
    """The console for ``settings`` (default: the environment) and the tips database."""
    settings = settings or get_settings().console
    if len(settings.secret_key) < 32:
        raise RuntimeError("TIPLINE_CONSOLE_SECRET is not set (at least 32 characters); "
                           "scripts/env.sh generates one into var/secrets.env")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="tipline_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        WTF_CSRF_TIME_LIMIT=int(settings.session_hours * 3600),
        MAX_CONTENT_LENGTH=256 * 1024,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.session_interface = ConsoleSessionInterface()
    app.jinja_env.autoescape = True  # every template, whatever its name
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(GLOBALS)
    if settings.behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore

    get_router()  # a bad routing rules file or gazetteer is refused now, with its message
    engine = make_engine(database_url or get_settings().database_url)
    tables = set(inspect(engine).get_table_names())
    missing = {"officers", "tip_notes", "api_tokens", "tips"} - tables
    if missing:
        raise RuntimeError(f"the tips database lacks tables {sorted(missing)}: "
                           "run `tipline db upgrade` first")
    app.extensions[EXTENSION] = ConsoleState(
        settings=settings, engine=engine,
        sessions=sessionmaker(bind=engine, future=True, expire_on_commit=False),
        throttle=LoginThrottle(settings.rate_limit_storage, settings.login_rate_limit,
                               settings.login_rate_limit_per_address),
        devices=DeviceCookies(settings.secret_key),
    )
    CSRFProtect(app)
    app.extensions["csrf"].exempt(api.bp)  # the API checks CSRF itself for cookie sessions
    # replies.bp is the tip page's blueprint (bot/console/tipview.py) with the reply routes
    for blueprint in (auth.bp, queue.bp, replies.bp, api.bp, admin.bp, dashboard.bp,
                      transparency.bp, coordview.bp, survey_pages.bp,
                      survey_editor.bp):
        app.register_blueprint(blueprint)
    app.before_request(refuse_nul)
    app.before_request(load_session_officer)
    app.teardown_appcontext(close_db)

    @app.route("/healthz")
    def health():  # type: ignore[no-untyped-def]
        db().execute(text("SELECT 1"))
        return jsonify(status="ok")

    @app.context_processor
    def inject() -> dict:
        return {"me": g.get("officer")}

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):  # type: ignore[no-untyped-def]
        log.warning("request refused: %s", exc.description)
        message = "The form expired or did not come from this console. Reload and try again."
        if is_api_request():
            return jsonify(error=f"CSRF check failed: {exc.description}"), 400
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if is_api_request():
            response = jsonify(error=exc.description if exc.code != 404 else "not found")
        else:
            messages = {404: "There is nothing here, or it is not in your agency's queues.",
                        403: "Only an administrator can do this."}
            response = make_response(render_template(
                "error.html", code=exc.code,
                message=messages.get(exc.code or 0, exc.description)))
        response.status_code = exc.code or 500
        # The exception's own headers (405: Allow, which RFC 9110 requires), not its body's.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    return app
