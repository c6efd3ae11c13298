"""A server with a bad routing rules file refuses to start and names the problem."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from harness.servers import ROOT, free_port


def test_action_server_refuses_an_invalid_rules_file(tmp_path: Path) -> None:
    rules = yaml.safe_load((ROOT / "data" / "routing" / "rules.yml").read_text())
    rules["routes"]["contraband"]["US"] = "FBI"
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    (tmp_path / "lexicon.yml").write_text((ROOT / "data" / "routing" / "lexicon.yml").read_text())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SANIC_HOST": "127.0.0.1",
           "TIPLINE_ROUTING_RULES": str(tmp_path / "rules.yml")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.serve", "actions", "--actions", "actions",
         "--port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "routes.contraband: queue 'FBI' is not declared under queues" in result.stderr
