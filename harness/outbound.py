"""Officer replies in tests, sent as the officers' console sends them (another process)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Dict

from harness.servers import ROOT

_SCRIPT = (
    "import json, sys\n"
    "from sqlalchemy import select\n"
    "from bot.outbound import send_officer_reply\n"
    "from bot.store.db import session_scope\n"
    "from bot.store.models import Tip\n"
    "with session_scope() as s:\n"
    "    tip = s.execute(select(Tip).where(Tip.reference == sys.argv[1])).scalar_one()\n"
    "    d = send_officer_reply(s, tip, sys.argv[2], sys.argv[3])\n"
    "print(json.dumps({'status': d.status, 'detail': d.detail}))\n"
)


def officer_reply(env: Dict[str, str], reference: str, text: str,
                  officer: str = "officer-test") -> Dict[str, str]:
    """``bot.outbound.send_officer_reply`` run in a fresh process with the stack's settings."""
    result = subprocess.run([sys.executable, "-c", _SCRIPT, reference, text, officer], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])
