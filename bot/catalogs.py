"""Reading and checking per-language YAML catalogues (``<dir>/<lang>.yml``, English the source)."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml

SOURCE_LANGUAGE = "en"
# Every {name} a reply may use; anything else is a typo the tipster would see.
KNOWN_PLACEHOLDERS = frozenset({"reference", "status", "emergency_number", "limit", "receipt"})

Catalogs = Dict[str, Dict[str, Any]]  # language -> flattened key ("statuses.new") -> value


def read_yaml_files(directory: Path | str, shape: str = "a mapping of keys"
                    ) -> Tuple[Dict[str, Dict[Any, Any]], List[str]]:
    """Each ``<lang>.yml`` of ``directory`` as read (a mapping), and what could not be read
    (``shape`` names what a file must hold, in that message)."""
    directory = Path(directory)
    if not directory.is_dir():
        return {}, [f"{directory}: no such directory"]
    found: Dict[str, Dict[Any, Any]] = {}
    problems: List[str] = []
    for path in sorted(directory.glob("*.yml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            problems.append(f"{path}: cannot read: {error}")
            continue
        if not isinstance(raw, dict):
            problems.append(f"{path}: expected {shape}")
            continue
        found[path.stem] = raw
    return found, problems


def read_catalogs(directory: Path | str) -> Tuple[Catalogs, List[str]]:
    """Each ``<lang>.yml`` of ``directory``, keys flattened, and what could not be read."""
    found, problems = read_yaml_files(directory, "a mapping of keys to strings")
    return {language: flatten(raw) for language, raw in found.items()}, problems


def flatten(node: Dict[Any, Any], prefix: str = "") -> Dict[str, Any]:
    """Nested mappings as dotted keys: ``{"statuses": {"new": x}}`` -> ``{"statuses.new": x}``."""
    flat: Dict[str, Any] = {}
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def placeholders(text: str) -> Tuple[set[str], Optional[str]]:
    """The ``{names}`` of a format string, and what is wrong with it (None if nothing)."""
    names: set[str] = set()
    try:
        fields = [(field, spec, conversion) for _, field, spec, conversion
                  in string.Formatter().parse(text) if field is not None]
    except ValueError as error:
        return names, f"malformed format string ({error})"
    for field, spec, conversion in fields:
        if not field.isidentifier():
            return names, f"malformed placeholder {{{field}}}"
        if spec or conversion:
            return names, f"format spec or conversion in placeholder {{{field}}}"
        names.add(field)
    unknown = sorted(names - KNOWN_PLACEHOLDERS)
    if unknown:
        return names, "unknown placeholder " + ", ".join(f"{{{name}}}" for name in unknown)
    return names, None


def check_catalogs(catalogs: Catalogs, languages: Optional[Iterable[str]],
                   directory: Path | str) -> List[str]:
    """Problems of already read catalogues against ``languages`` (None: the files present)."""
    directory = Path(directory)
    expected = list(catalogs) if languages is None else list(languages)
    problems = [f"{directory / (lang + '.yml')}: no catalogue for language {lang}"
                for lang in expected if lang not in catalogs]
    problems += [f"{directory / (lang + '.yml')}: {lang} is not one of the languages "
                 f"({', '.join(expected)})" for lang in catalogs if lang not in expected]
    source = catalogs.get(SOURCE_LANGUAGE)
    if source is None:
        return problems + [f"{directory / 'en.yml'}: the English catalogue is required"]
    wanted = {key: _string_problems(value)[0] for key, value in source.items()}
    for lang, catalog in sorted(catalogs.items()):
        path = directory / f"{lang}.yml"
        problems += [f"{path}: missing key {key}" for key in source if key not in catalog]
        problems += [f"{path}: extra key {key} (not in en.yml)"
                     for key in catalog if key not in source]
        for key, value in catalog.items():
            if key not in source:
                continue
            names, problem = _string_problems(value)
            if problem:
                problems.append(f"{path}: {key}: {problem}")
            elif lang != SOURCE_LANGUAGE and names != wanted[key]:
                problems.append(f"{path}: {key}: placeholders {_braced(names)} differ from "
                                f"en.yml's {_braced(wanted[key])}")
    return problems


def validate_catalogs(directory: Path | str, languages: Optional[Iterable[str]]) -> List[str]:
    """Problems of the catalogues in ``directory``: files, keys, placeholders, empty strings."""
    catalogs, problems = read_catalogs(directory)
    if not Path(directory).is_dir():
        return problems
    return problems + check_catalogs(catalogs, languages, directory)


def _string_problems(value: Any) -> Tuple[set[str], Optional[str]]:
    if not isinstance(value, str):
        return set(), f"expected a string, found {type(value).__name__}"
    if not value.strip():
        return set(), "empty string"
    return placeholders(value)


def _braced(names: Iterable[str]) -> str:
    return " ".join(f"{{{name}}}" for name in sorted(names)) or "none"
