"""The widget's files, served by the tip line itself (never a CDN).

``rasa-webchat`` (pinned in web/package-lock.json, installed by scripts/install-web.sh)
ships a standalone bundle whose stylesheet imports Google Fonts: every visitor of a
community page would call Google, on a closed network the page would wait for nothing.
The bundle is served rewritten (``sanitise_bundle``): the ``@import`` of Google Fonts is
removed and the Inter font is replaced with the system font stack; links in messages get
react-markdown's default URL sanitiser back (the widget turns it off). A bundle that
still names a font service after the rewrite is refused rather than served.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

from bot.settings import ROOT

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
ENV_ASSETS = "TIPLINE_WEBCHAT_NODE_MODULES"
BUNDLE = Path("rasa-webchat") / "lib" / "index.js"
SYSTEM_FONTS = ("system-ui,-apple-system,Segoe UI,Roboto,Helvetica Neue,Arial,Noto Sans,"
                "Liberation Sans,sans-serif")
_FONT_IMPORT = re.compile(r"@import url\((?:https?:)?//fonts\.googleapis\.com/[^)]*\);?")
_THIRD_PARTY_FONTS = re.compile(r"fonts\.(?:googleapis|gstatic)\.com")


class AssetError(RuntimeError):
    """The widget's files are missing or unsafe to serve."""


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


def node_modules() -> Path:
    return Path(os.environ.get(ENV_ASSETS, str(ROOT / "web" / "node_modules")))


def sanitise_bundle(source: str) -> str:
    """The rasa-webchat bundle without third-party fonts and with safe message links."""
    source = _FONT_IMPORT.sub("", source)
    source = source.replace("font-family:Inter,sans-serif", f"font-family:{SYSTEM_FONTS}")
    source = source.replace("font-family:Inter", f"font-family:{SYSTEM_FONTS}")
    # react-markdown falls back to its default sanitiser (http, https, mailto, tel only)
    source = source.replace("transformLinkUri:null", "transformLinkUri:void 0")
    if _THIRD_PARTY_FONTS.search(source):
        raise AssetError("the rasa-webchat bundle still loads a font service after rewriting")
    return source


def _asset(body: bytes, content_type: str) -> Asset:
    return Asset(body, content_type, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')


@lru_cache(maxsize=1)
def bundle() -> Asset:
    path = node_modules() / BUNDLE
    if not path.is_file():
        raise AssetError(f"{path} is missing: run scripts/install-web.sh")
    text = sanitise_bundle(path.read_text(encoding="utf-8"))
    return _asset(text.encode("utf-8"), "application/javascript; charset=utf-8")


STATIC_TYPES = {".js": "application/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


@lru_cache(maxsize=16)
def static_file(name: str) -> Optional[Asset]:
    """A file of static/ (no path components), or None."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = STATIC / name
    kind = STATIC_TYPES.get(path.suffix)
    if kind is None or not path.is_file():
        return None
    return _asset(path.read_bytes(), kind)


@lru_cache(maxsize=1)
def embed_script() -> Asset:
    """embed.js with the versioned URLs of the bundle and stylesheet filled in."""
    template = (STATIC / "embed.js").read_text(encoding="utf-8")
    urls: Dict[str, str] = {}
    try:
        urls["bundle"] = f"/webchat/static/rasa-webchat.js?v={bundle().etag.strip(chr(34))[:12]}"
    except AssetError:
        urls["bundle"] = "/webchat/static/rasa-webchat.js"
    css = static_file("webchat.css")
    urls["stylesheet"] = "/webchat/static/webchat.css" + (
        f"?v={css.etag.strip(chr(34))[:12]}" if css else "")
    text = template.replace("/*TIPLINE_ASSETS*/{}", json.dumps(urls))
    return _asset(text.encode("utf-8"), STATIC_TYPES[".js"])
