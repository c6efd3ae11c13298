"""The widget's script, files and demo pages, served under ``/webchat/`` by Rasa's server.

* ``/webchat/embed.js``: the one ``<script>`` tag a community site pastes (static/embed.js);
* ``/webchat/static/rasa-webchat.js``: the widget bundle, rewritten (assets.py);
* ``/webchat/static/*.css``: the widget's and the demo pages' stylesheets;
* ``/webchat/demo/en|fr|es``: what a site owner copies, with a strict CSP: every script,
  style, font, image and connection from the tip line's own origin only.
"""

from __future__ import annotations

import html
import logging
from functools import lru_cache
from typing import Dict, Optional

import yaml
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.webchat import assets
from bot.channels.webchat.look import look_title, render_look
from bot.channels.webchat.spec import SPEC

log = logging.getLogger(__name__)
LANGUAGES = ("en", "fr", "es")
PAGES = assets.HERE / "pages"

# Demo pages: nothing from another origin. Inline styles are allowed because the widget
# injects its stylesheet in <style> elements, and data: fonts and images because it
# embeds its icons and carousel font in the bundle (no request); remote stylesheets,
# @import, fonts and images are still limited to 'self'. No inline script, no eval.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
])
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
# Files that community pages load from the tip line.
ASSET_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Referrer-Policy": "no-referrer",
}


class _NoClientAddress:
    """Logging filter: Sanic access records lose the client address (``host``)."""

    def filter(self, record: object) -> bool:
        if hasattr(record, "host"):
            record.host = "-"  # type: ignore[attr-defined]
        return True


def disable_access_log(app: Sanic) -> None:
    """No access log on the Rasa server: it would record each resident's IP address."""
    app.config.ACCESS_LOG = False
    access = logging.getLogger("sanic.access")
    if not any(isinstance(f, _NoClientAddress) for f in access.filters):
        access.addFilter(_NoClientAddress())


@lru_cache(maxsize=1)
def page_texts() -> Dict[str, Dict[str, str]]:
    return yaml.safe_load((PAGES / "demo.yml").read_text(encoding="utf-8"))


def render_demo(language: str, origin: str) -> str:
    """The demo community page in ``language``; ``origin`` is the tip line's, for the
    snippet a site owner copies."""
    texts = page_texts()[language]
    template = (PAGES / "demo.html").read_text(encoding="utf-8")
    values = {key: html.escape(str(value)) for key, value in texts.items()}
    values["lang"] = language
    values["origin"] = html.escape(origin)
    values["look_title"] = html.escape(look_title(language))  # /webchat/look/<lang>
    values["other_languages"] = " · ".join(
        f'<a href="/webchat/demo/{code}" hreflang="{code}" lang="{code}">'
        f'{html.escape(page_texts()[code]["language_name"])}</a>'
        for code in LANGUAGES if code != language)
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    return template


def _asset_response(request: Request, asset: assets.Asset, cache: str) -> HTTPResponse:
    headers = {**ASSET_HEADERS, "ETag": asset.etag, "Cache-Control": cache}
    if request.headers.get("if-none-match") == asset.etag:
        return response.empty(status=304, headers=headers)
    return response.raw(asset.body, content_type=asset.content_type, headers=headers)


def _origin(request: Request) -> str:
    scheme = request.headers.get("x-forwarded-proto", request.scheme).split(",")[0].strip()
    host = request.headers.get("host", "")
    return f"{scheme}://{host}" if host else ""


def _preferred_language(request: Request) -> str:
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def blueprint() -> Blueprint:
    pages = Blueprint(f"{SPEC.input_name}_pages", url_prefix="/webchat")

    @pages.route("/embed.js", methods=["GET"])
    async def embed(request: Request) -> HTTPResponse:
        return _asset_response(request, assets.embed_script(), "no-cache")

    @pages.route("/static/<name:str>", methods=["GET"])
    async def static(request: Request, name: str) -> HTTPResponse:
        asset: Optional[assets.Asset]
        if name == "rasa-webchat.js":
            try:
                asset = assets.bundle()
            except assets.AssetError as error:
                log.error("web chat: %s", error)
                return response.text("web chat widget not installed", status=503)
        else:
            asset = assets.static_file(name)
        if asset is None:
            return response.text("not found", status=404)
        cache = "public, max-age=86400" if request.args.get("v") else "no-cache"
        return _asset_response(request, asset, cache)

    @pages.route("/demo", methods=["GET"])
    async def demo_index(request: Request) -> HTTPResponse:
        return response.redirect(f"/webchat/demo/{_preferred_language(request)}")

    @pages.route("/look/<language:str>", methods=["GET"])
    async def look(request: Request, language: str) -> HTTPResponse:
        page = render_look(language)  # "what to look for", from data/awareness/
        if page is None:
            return response.text("not found", status=404)
        return response.html(page, headers=PAGE_HEADERS)

    @pages.route("/demo/<language:str>", methods=["GET"])
    async def demo(request: Request, language: str) -> HTTPResponse:
        if language not in LANGUAGES:
            return response.text("not found", status=404)
        return response.html(render_demo(language, _origin(request)), headers=PAGE_HEADERS)

    return pages
