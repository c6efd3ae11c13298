"""docs/openapi.yml is valid OpenAPI and cannot drift from the console: same API routes, same
values, same fields, the refusals it describes; the console serves it to signed-in callers."""

from __future__ import annotations

import re
import subprocess
from functools import reduce
from pathlib import Path
from typing import Any, Dict, Set, Tuple

import jsonschema
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bot.console.app import create_app
from bot.console.export import COLUMNS
from bot.console.models import ROLES
from bot.console.queries import FILTER_CATEGORIES, URGENCIES
from bot.routing.rules import SIDES
from bot.settings import ConsoleSettings
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import CHANNELS, TIP_STATUSES
from bot.translation.service import Status
from harness.console import PASSWORD, SECRET, csrf_from, make_officer, make_tip
from harness.tools import OPENAPI, tools_python

SPEC: Dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
SCHEMAS = SPEC["components"]["schemas"]
VALIDATE = ("import sys, yaml; from openapi_spec_validator import validate; "
            "validate(yaml.safe_load(open(sys.argv[1], encoding='utf-8')))")


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = reduce(lambda part, key: part[key], node["$ref"][2:].split("/"), SPEC)
    return node


def parameter(path: str, name: str) -> Dict[str, Any]:
    found = [resolve(p) for p in SPEC["paths"][path]["get"]["parameters"]]
    return resolve(next(p for p in found if p["name"] == name)["schema"])


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    url = f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'tips.db'}"
    upgrade(url)
    with Session(make_engine(url)) as session:
        make_officer(session, "rcmp-one", "RCMP")
        make_tip(session, reference="K7Q2XA")
        make_tip(session, category="unknown", side="unknown", place=None, entities=[],
                 translated_text=None, language="en")
        session.commit()
    return create_app(ConsoleSettings(secret_key=SECRET), database_url=url)


@pytest.fixture(scope="module")
def officer(app: Flask) -> FlaskClient:
    client = app.test_client()
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": "rcmp-one", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    return client


def validator_exit(path: Path) -> int:
    return subprocess.run([str(tools_python()), "-c", VALIDATE, str(path)],
                          capture_output=True, timeout=120, check=False).returncode


def test_the_description_is_valid_openapi_and_the_validator_would_say_otherwise(
        tmp_path: Path) -> None:
    assert SPEC["openapi"].startswith("3.0.")
    assert validator_exit(OPENAPI) == 0
    broken = tmp_path / "broken.yml"
    broken.write_text(OPENAPI.read_text(encoding="utf-8").replace(
        '$ref: "#/components/schemas/TipPage"', '$ref: "#/components/schemas/NoSuchPage"'))
    assert validator_exit(broken) != 0


def test_every_api_route_of_the_console_is_described_and_nothing_else(app: Flask) -> None:
    routes: Set[Tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes |= {(method, path) for method in rule.methods or ()
                       if method not in ("HEAD", "OPTIONS")}
    described = {(method.upper(), path) for path, item in SPEC["paths"].items()
                 for method in item if method != "parameters"}
    assert len(routes) >= 6
    assert routes == described


def test_the_described_values_are_the_codes(app: Flask) -> None:
    assert SCHEMAS["Status"]["enum"] == list(TIP_STATUSES)
    assert parameter("/api/tips", "status")["enum"] == ["", "all", "open", *TIP_STATUSES]
    assert SCHEMAS["CategoryFilter"]["enum"] == ["", *FILTER_CATEGORIES]
    assert SCHEMAS["Category"]["enum"] == list(FILTER_CATEGORIES)
    assert parameter("/api/tips", "channel")["enum"] == ["", *CHANNELS]
    assert parameter("/api/tips", "urgency")["enum"] == ["", *URGENCIES]
    assert SCHEMAS["Side"]["enum"] == list(SIDES)
    assert SCHEMAS["Me"]["properties"]["role"]["enum"] == list(ROLES)
    tip = SCHEMAS["Tip"]["properties"]
    assert tip["translation_status"]["enum"] == list(Status.__args__)  # type: ignore[attr-defined]
    assert tip["channel"]["enum"] == list(CHANNELS)
    text = " ".join(SPEC["paths"]["/api/tips.csv"]["get"]["description"].split())
    assert ", ".join(COLUMNS) in text


def test_every_field_the_api_answers_is_described_and_required(officer: FlaskClient) -> None:
    tips = officer.get("/api/tips?limit=500").json["tips"]
    assert len(tips) == 2
    tip, summary = SCHEMAS["Tip"], SCHEMAS["Summary"]
    location = tip["properties"]["location"]
    for answer in tips:
        assert set(answer) == set(tip["properties"]) == set(tip["required"])
        assert set(answer["summary"]) == set(summary["properties"]) == set(summary["required"])
        assert set(answer["location"]) == set(location["properties"])
    me = officer.get("/api/me").json
    assert set(me) == set(SCHEMAS["Me"]["properties"]) == set(SCHEMAS["Me"]["required"])


@pytest.mark.parametrize(("name", "value"), [
    ("language", "fr1"), ("language", "é"), ("language", "\u212a"), ("language", "abcdefghi"),
    ("queue", "RC-MP"), ("queue", "É"), ("queue", "ß"), ("category", "drugs"),
    ("status", "opened"), ("status", " open"), ("channel", "fax"), ("assigned", "you"),
    ("assigned", "\x0b"), ("date_from", "2024-02-30"), ("q", "a\x00b"),
])
def test_a_value_the_description_refuses_is_refused(officer: FlaskClient, name: str,
                                                    value: str) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(value, parameter("/api/tips", name),
                            format_checker=jsonschema.FormatChecker())
    for path in ("/api/tips", "/api/tips.csv"):
        response = officer.get(path, query_string={name: value})
        assert response.status_code == 400, (path, name, value)
        assert set(response.json) == {"error"}


@pytest.mark.parametrize("value", ["0", "501", "1_0", "٣", "+5", "ten", ""])
def test_a_limit_outside_the_described_integer_range_is_refused(officer: FlaskClient,
                                                                value: str) -> None:
    assert officer.get("/api/tips", query_string={"limit": value}).status_code == 400


def test_the_description_is_served_to_signed_in_callers_only(app: Flask,
                                                             officer: FlaskClient) -> None:
    anonymous = app.test_client().get("/api/openapi.yml")
    assert anonymous.status_code == 401 and "openapi" not in anonymous.text
    assert anonymous.headers["WWW-Authenticate"].startswith('Bearer realm="tipline"')
    served = officer.get("/api/openapi.yml")
    assert served.status_code == 200 and served.mimetype == "application/yaml"
    assert served.data == OPENAPI.read_bytes()


def test_refusals_carry_the_headers_the_description_requires(app: Flask) -> None:
    unknown = app.test_client().get("/api/tips", headers={"Authorization": "Bearer tlk_nope"})
    assert unknown.status_code == 401
    pattern = resolve(SPEC["components"]["responses"]["Unauthorized"])["headers"]
    assert re.search(pattern["WWW-Authenticate"]["schema"]["pattern"],
                     unknown.headers["WWW-Authenticate"])
    anonymous_change = app.test_client().patch("/api/tips/K7Q2XA", json={"status": "closed"})
    assert anonymous_change.status_code == 401  # not a CSRF 400: there is no session to forge
    not_allowed = app.test_client().delete("/api/tips/K7Q2XA")
    assert not_allowed.status_code == 405
    assert set(not_allowed.headers["Allow"].split(", ")) >= {"GET", "PATCH"}
