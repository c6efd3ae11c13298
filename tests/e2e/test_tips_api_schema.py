"""schemathesis against docs/openapi.yml on the running console (SQLite, tips of two agencies):
every operation with every check, a fixed seed and a bounded number of examples; strangers
and officers of another agency are refused exactly as the description says."""

from __future__ import annotations

import json
import os
import re
import subprocess
from functools import reduce
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import jsonschema
import pytest
import requests
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.models import AuditEntry
from harness.console import RunningConsole, csrf_from, login_session, running_console
from harness.servers import ARTIFACTS
from harness.tools import OPENAPI, schemathesis_cli

SEED = 20240531
EXAMPLES = 25  # per operation and phase: the whole run stays well under 90 s
OUR_TIP, THEIR_TIP = "K7Q2XA", "H5U2ZZ"  # K7Q2XA is the description's example reference
SPEC: Dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
OPERATIONS = sorted(f"{method.upper()} {path}" for path, item in SPEC["paths"].items()
                    for method in item if method in METHODS)
# What the schema cannot say: a cursor-shaped `since` that no answer produced is refused,
# and so is a change that the workflow does not allow in the tip's current state (400).
CONFIG = """
[[operations]]
include-operation-id = "listTips"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404"]

[[operations]]
include-operation-id = "updateTip"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404"]
"""


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    tmp = tmp_path_factory.mktemp("tips-api-schema")
    officers = [("rcmp-a", "RCMP", "officer"), ("rcmp-b", "RCMP", "officer"),
                ("hsi-a", "HSI", "officer")]
    with running_console("sqlite", tmp, officers) as running:
        running.seed(reference=OUR_TIP)
        running.seed(urgency="high", status="closed", channel="webchat", language="en",
                     translated_text=None, original_text="=HYPERLINK(\"x\") <script>1</script>")
        running.seed(queue="IBET_JOINT", category="unknown", side="unknown", place=None,
                     entities=[])
        running.seed(status="assigned", assigned_to="rcmp-b", channel="rest")
        running.seed(reference=THEIR_TIP, queue="HSI", side="US", place="Blaine",
                     original_text="HSI eyes only: crates at Blaine marina")
        yield running


def api_token(console: RunningConsole, username: str) -> str:
    """A bearer token created the way an officer does it (Account → API tokens)."""
    http = login_session(console.url, username)
    csrf = csrf_from(http.get(f"{console.url}/account", timeout=10).text)
    page = http.post(f"{console.url}/account/tokens",
                     data={"csrf_token": csrf, "name": "schemathesis"}, timeout=10).text
    found = re.search(r'id="new-token">([^<]+)<', page)
    assert found, page[:500]
    return found.group(1)


def schemathesis(console: RunningConsole, tmp: Path, name: str, token: Optional[str],
                 *extra: str) -> Tuple[int, Dict[str, Any], str]:
    """``st run`` on the description; its exit code, JSON report and output (kept as artifacts)."""
    config, report = tmp / "schemathesis.toml", ARTIFACTS / f"schemathesis-{name}.json"
    config.write_text(CONFIG, encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    auth = ["-H", f"Authorization: Bearer {token}"] if token else []
    command = [str(schemathesis_cli()), "--config-file", str(config), "run", str(OPENAPI),
               "--url", console.url, *auth, "--checks", "all", "--seed", str(SEED),
               "--workers", "1", "--no-color", "--generation-database", "none",
               "--report", "json", "--report-json-path", str(report), *extra]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    output = done.stdout + done.stderr
    (ARTIFACTS / f"schemathesis-{name}.txt").write_text(output, encoding="utf-8")
    return done.returncode, json.loads(report.read_text(encoding="utf-8")), output


def accepted(report: Dict[str, Any], operation: str) -> int:
    """Positive test cases of ``operation`` that the console answered with a success."""
    return sum(rate["accepted"] for rate in report["valid_rates"].get(operation, {}).values())


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = reduce(lambda part, key: part[key], node["$ref"][2:].split("/"), SPEC)
    return node


def assert_documented(method: str, path: str, response: requests.Response) -> None:
    """The status, required headers and JSON body are what the description says for them."""
    responses = SPEC["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (method, path, response.status_code)
    documented = resolve(responses[str(response.status_code)])
    for name, header in documented.get("headers", {}).items():
        header = resolve(header)
        if header.get("required"):
            assert re.search(header["schema"]["pattern"], response.headers[name]), name
    assert response.headers["Content-Type"].startswith("application/json")
    jsonschema.validate(response.json(), resolve(documented["content"]["application/json"]
                                                 ["schema"]))


def tip_state(console: RunningConsole, reference: str) -> Tuple[str, Optional[str], int]:
    tip = console.tip(reference)
    return tip.status, tip.assigned_to, console.audit_count(tip)


def audited(console: RunningConsole, actor: str, *actions: str) -> int:
    with Session(console.engine) as session:
        return session.execute(select(func.count(AuditEntry.id)).where(
            AuditEntry.actor == actor, AuditEntry.action.in_(actions))).scalar_one()


def test_schemathesis_finds_nothing_wrong_with_the_tips_api(
        console: RunningConsole, tmp_path: Path) -> None:
    theirs = tip_state(console, THEIR_TIP)
    code, report, output = schemathesis(console, tmp_path, "rcmp", api_token(console, "rcmp-a"),
                                        "--max-examples", str(EXAMPLES))
    assert code == 0, output[-6000:]
    assert report["failures"] == [] and report["errors"] == []
    assert report["operations"] == {"total": len(OPERATIONS), "selected": len(OPERATIONS),
                                    "tested": len(OPERATIONS), "errored": 0, "skipped": 0,
                                    "skip_reasons": []}
    assert {phase["status"] for phase in report["phases"].values()} == {"success"}
    assert report["test_cases"]["generated"] >= 10 * len(OPERATIONS)
    assert not any(report["warnings"].values()), report["warnings"]
    # Every operation really worked, not only refused: each answered some cases with a 2xx.
    assert {op: accepted(report, op) > 0 for op in OPERATIONS} == dict.fromkeys(OPERATIONS, True)
    assert audited(console, "rcmp-a", "csv_export") > 0
    assert audited(console, "rcmp-a", "status_changed", "assigned", "claimed") > 0
    assert tip_state(console, THEIR_TIP) == theirs  # fuzzing as RCMP never touched HSI's tip


def test_strangers_and_other_agencies_are_refused_as_described(
        console: RunningConsole, tmp_path: Path) -> None:
    ours, hsi = api_token(console, "rcmp-a"), api_token(console, "hsi-a")
    one = "/api/tips/{reference}"
    tries: List[Tuple[str, str, Dict[str, str], int]] = [
        ("get", OUR_TIP, {}, 401),
        ("get", OUR_TIP, {"Authorization": "Bearer tlk_not-a-token"}, 401),
        ("patch", OUR_TIP, {}, 401),
        ("get", OUR_TIP, {"Authorization": f"Bearer {hsi}"}, 404),
        ("patch", OUR_TIP, {"Authorization": f"Bearer {hsi}"}, 404),
        ("get", THEIR_TIP, {"Authorization": f"Bearer {ours}"}, 404),
    ]
    before = tip_state(console, OUR_TIP)
    for method, reference, headers, status in tries:
        body = {"status": "closed"} if method == "patch" else None
        response = requests.request(method, f"{console.url}/api/tips/{reference}",
                                    headers=headers, json=body, timeout=10)
        assert response.status_code == status, (method, reference, headers.keys())
        assert_documented(method, one, response)
    assert tip_state(console, OUR_TIP) == before
    assert requests.get(f"{console.url}/api/tips/{THEIR_TIP}", timeout=10,
                        headers={"Authorization": f"Bearer {hsi}"}).status_code == 200

    code, report, output = schemathesis(console, tmp_path, "anonymous", None,
                                        "--max-examples", "5")
    assert code == 0, output[-6000:]
    assert report["failures"] == [] and report["operations"]["tested"] == len(OPERATIONS)
    assert sorted(report["warnings"]["missing_auth"]) == OPERATIONS  # only 401s, as described

    code, report, output = schemathesis(console, tmp_path, "other-agency", hsi,
                                        "--include-path", one, "--max-examples", "10")
    assert code == 0, output[-6000:]
    assert report["failures"] == [] and report["operations"]["tested"] == 2
    assert accepted(report, f"GET {one}") == accepted(report, f"PATCH {one}") == 0
    assert tip_state(console, OUR_TIP) == before
