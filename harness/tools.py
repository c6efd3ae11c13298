"""Where the test tools of their own venv live (scripts/install-tools.sh): schemathesis."""

from __future__ import annotations

import os
from pathlib import Path

from harness.servers import ROOT

OPENAPI = ROOT / "docs" / "openapi.yml"


def tools_cache() -> Path:
    """$TIPLINE_CACHE, defaulted as scripts/env.sh does."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tipline"
    return Path(os.environ.get("TIPLINE_CACHE", default))


def schemathesis_cli() -> Path:
    """The ``st`` command of the tool venv (TIPLINE_SCHEMATHESIS overrides the cache link)."""
    path = Path(os.environ.get("TIPLINE_SCHEMATHESIS", tools_cache() / "schemathesis/bin/st"))
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run ./scripts/install-tools.sh "
                                "(make test does)")
    return path


def tools_python() -> Path:
    """The Python of the schemathesis venv (it has openapi-spec-validator too)."""
    return schemathesis_cli().parent / "python"
