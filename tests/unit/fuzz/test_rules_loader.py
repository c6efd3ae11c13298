"""The routing rules loader, fuzzed: a generated rules file loads into a table that routes every
category of the contract to a declared queue, or is refused with RulesFileError naming the
fault; never another exception."""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

import yaml
from hypothesis import assume, event, example, given
from hypothesis import strategies as st

from bot.routing.rules import CATEGORIES, SIDES, UNKNOWN_CATEGORY, RoutingTable, RulesFileError
from harness.servers import ROOT
from tests.unit.fuzz.strategies import STORABLE_CHARACTER, fewer, json_like, text_of, wrong_type

RULES = ROOT / "data" / "routing" / "rules.yml"
DEFAULT = yaml.safe_load(RULES.read_text("utf-8"))
# The categories the contract fixes: the first column of its "Tip categories" table.
CONTRACT = re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "docs" / "contract.md").read_text("utf-8"),
                      re.MULTILINE)
KEYS = ["version", "queues", "routes", "unclassified", "CA", "US", "unknown", "on_water",
        "name", "country", "shared", *CATEGORIES, "IBET_JOINT", "RCMP", "USCG"]


def load(content: bytes) -> Optional[RoutingTable]:
    """The table of a rules file holding ``content``, or None when it is refused."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rules.yml"
        path.write_bytes(content)
        try:
            return RoutingTable.load(path)
        except RulesFileError as error:
            assert str(path) in str(error)  # the message names the file ...
            assert len(str(error)) > len(f"routing rules file {path}")  # ... and the fault
            return None


def dump(rules: Any) -> bytes:
    """``rules`` as a YAML file (a lone surrogate as the invalid UTF-8 it would be on disk)."""
    return yaml.safe_dump(rules, allow_unicode=True, sort_keys=False).encode(
        "utf-8", "surrogatepass")


def assert_routes_every_category(table: RoutingTable) -> None:
    queues = table.queues
    for category in CONTRACT:
        for side in (*SIDES, "XX"):
            for on_water in (False, True):
                route = table.route(category, side, on_water)
                assert route.queue in queues and route.rule.startswith(category)
    assert table.route(UNKNOWN_CATEGORY, "CA").queue in queues


def test_the_contract_categories_are_the_loaders() -> None:
    assert sorted(CONTRACT) == sorted(CATEGORIES) and len(CONTRACT) == 7


codes = text_of(STORABLE_CHARACTER, 1, 12)


@st.composite
def valid_rules(draw: st.DrawFn) -> Dict[str, Any]:
    """A rules file a deployment may write: its own agencies and routes."""
    queue_codes = draw(st.lists(codes, min_size=1, max_size=6, unique=True))
    queues = {code: {"name": draw(text_of(STORABLE_CHARACTER, 0, 30)),
                     "country": draw(st.sampled_from(["CA", "US", None])),
                     "shared": draw(st.booleans())} for code in queue_codes}
    some_queue = st.sampled_from(queue_codes)
    routes = {category: {"CA": draw(some_queue), "US": draw(some_queue),
                         "unknown": draw(some_queue),
                         "on_water": draw(st.dictionaries(st.sampled_from(SIDES), some_queue))}
              for category in CATEGORIES}
    rules: Dict[str, Any] = {"version": 1, "queues": queues, "routes": routes}
    if draw(st.booleans()) or not any(q["shared"] for q in queues.values()):
        rules["unclassified"] = draw(some_queue)
    return rules


@fewer(2)
@given(valid_rules())
def test_a_valid_rules_file_loads_and_routes_as_written(rules: Dict[str, Any]) -> None:
    content = dump(rules)
    assume(yaml.safe_load(content) == rules)  # PyYAML reads back what it wrote
    table = load(content)
    assert table is not None
    assert_routes_every_category(table)
    for category, route in rules["routes"].items():
        for side in SIDES:
            assert table.route(category, side).queue == route[side]
            expected = route["on_water"].get(side, route[side])
            assert table.route(category, side, on_water=True).queue == expected
    shared = [code for code, spec in rules["queues"].items() if spec["shared"]]
    unclassified = rules.get("unclassified") or shared[0]
    assert table.route(UNKNOWN_CATEGORY, "US").queue == unclassified


@st.composite
def mutated_rules(draw: st.DrawFn) -> Dict[str, Any]:
    """The repository's rules file with a few edits: keys removed, renamed or added, values
    replaced by values of any type, queues and categories that do not exist."""
    rules = copy.deepcopy(DEFAULT)
    for _ in range(draw(st.integers(1, 4))):
        node: Any = rules
        for _ in range(draw(st.integers(0, 2))):  # down to a random mapping
            children = [k for k, v in node.items() if isinstance(v, dict)]
            if not children:
                break
            node = node[draw(st.sampled_from(children))]
        key = draw(st.sampled_from(sorted(node, key=str))) if node else "version"
        edit = draw(st.sampled_from(["remove", "replace", "add", "rename", "reroute"]))
        if edit == "reroute":  # another declared queue: a deployment's own choice
            node[key] = draw(st.sampled_from(sorted(DEFAULT["queues"])))
        elif edit == "remove":
            node.pop(key, None)
        elif edit == "replace":
            node[key] = draw(st.one_of(wrong_type, json_like, codes, st.sampled_from(KEYS)))
        elif edit == "add":
            node[draw(st.one_of(codes, st.sampled_from(KEYS), st.integers()))] = draw(json_like)
        else:
            node[draw(st.one_of(codes, st.sampled_from(KEYS)))] = node.pop(key, None)
    return rules


@given(mutated_rules())
@example({**DEFAULT, "routes": {**DEFAULT["routes"], "smuggling_of_cheese": DEFAULT["routes"][
    "contraband"]}})
@example({**DEFAULT, "queues": {**DEFAULT["queues"], "IBET_JOINT": None}})
@example({**DEFAULT, "unclassified": ["IBET_JOINT"]})
@example({**DEFAULT, 0: None})  # was TypeError ("keywords must be strings") from pydantic
def test_an_edited_rules_file_loads_routing_every_category_or_is_refused(
        rules: Dict[str, Any]) -> None:
    table = load(dump(rules))
    routes = rules.get("routes")
    if not isinstance(routes, dict) or any(c not in routes for c in CATEGORIES):
        assert table is None  # a category without a route is never accepted
    event("refused" if table is None else "loaded")
    if table is not None:
        assert_routes_every_category(table)


yaml_snippets = st.sampled_from([
    "version: 1\n", "queues: {A: {name: a}}\n", "routes:\n", "  contraband: {CA: A}\n", "- [",
    "&a [*a]", "!!python/name:os.system", "\t", "? [1, 2]\n: x\n", "key: 'unterminated",
    "%YAML 9.9\n", "version: !!binary aGVsbG8=\n", "{a: 1, a: 2}"])


@given(st.one_of(st.binary(max_size=300), st.lists(yaml_snippets, max_size=6).map(
    lambda parts: "".join(parts).encode()), text_of(STORABLE_CHARACTER, 0, 200).map(str.encode),
    st.sampled_from(list(map(str.encode, ["", "null", "[]", "42", "~"])))))
@example(b"\xff\xfe\x00version: 1")  # was UnicodeDecodeError
@example(RULES.read_bytes().replace(b"RCMP", b"RCMP\xe9"))
@example(b"version: 1\nqueues: &q {A: *q}\n")
def test_any_bytes_are_a_table_or_a_clear_refusal(content: bytes) -> None:
    table = load(content)
    if table is not None:
        assert_routes_every_category(table)


def test_the_repository_rules_file_loads() -> None:
    table = load(RULES.read_bytes())
    assert table is not None and sorted(table.queues) == sorted(DEFAULT["queues"])
    assert_routes_every_category(table)
