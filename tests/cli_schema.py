"""The ``--json`` schemas of docs/cli.md, read from the page itself, and a checker for documents.

A section ``### `rnnsuite list --json``` is followed by a table of
``field | type | meaning`` rows; ``a.b`` is a field of an object, ``a[]`` an
item of a list, ``a.*`` the value under any key.  ``check`` returns what in a
document disagrees with its table: an undocumented field, a documented one
that is missing, a value of the wrong type.
"""
from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"

PYTHON_TYPES = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "list": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def schemas(text: str | None = None) -> dict[str, dict[str, tuple[str, ...]]]:
    """command (``rnnsuite list --json``) -> field path -> the types it may have."""
    text = DOC.read_text(encoding="utf-8") if text is None else text
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    command = None
    for line in text.splitlines():
        heading = re.fullmatch(r"#+ `(rnnsuite [^`]*--json)`", line.strip())
        if heading:
            command = re.sub(r" [A-Z]+ ", " ", heading[1])  # "rnnsuite info ID --json" -> "rnnsuite info --json"
            out[command] = {}
            continue
        row = re.fullmatch(r"\| `([^`]+)` \| ([^|]+) \|.*\|", line.strip())
        if command and row:
            types = tuple(t.strip() for t in row[2].split(" or "))
            unknown = set(types) - set(PYTHON_TYPES)
            assert not unknown, f"docs/cli.md, {command}: unknown type {unknown} for {row[1]}"
            out[command][row[1]] = types
    return out


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def check(document, fields: dict[str, tuple[str, ...]]) -> list[str]:
    """What in the document disagrees with the documented fields (empty when it all agrees)."""
    problems: list[str] = []

    def walk(value, path: str) -> None:
        if path and path not in fields:
            problems.append(f"{path}: not documented")
            return
        if path and not any(PYTHON_TYPES[t](value) for t in fields[path]):
            problems.append(f"{path}: {type(value).__name__} {value!r:.40} is not {' or '.join(fields[path])}")
            return
        if isinstance(value, dict):
            if _child(path, "*") in fields:
                for item in value.values():
                    walk(item, _child(path, "*"))
                return
            prefix = _child(path, "")
            named = {p for p in fields if p.startswith(prefix) and not re.search(r"[.\[]", p[len(prefix):])}
            if not named:
                return  # free-form: documented as an object with no fields under it
            for key, item in value.items():
                walk(item, _child(path, key))
            problems.extend(f"{p}: documented but missing" for p in sorted(named - {_child(path, k) for k in value}))
        elif isinstance(value, list) and value:
            if f"{path}[]" not in fields:
                problems.append(f"{path}[]: items not documented")
                return
            for item in value:
                walk(item, f"{path}[]")

    walk(document, "")
    return problems
