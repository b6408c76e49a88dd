"""Pieces the CLI commands share: the plugin manager, argument checks, run folders and JSON output."""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any, Callable

import click
from rich.console import Console

from rnnsuite.errors import UserError
from rnnsuite.manager import Manager
from rnnsuite.reporters import JSON_SCHEMA

err_console = Console(stderr=True)

#: The seed option of run, grade and gradcheck: numpy seeds are non-negative.
SEED = click.IntRange(min=0)


def manager() -> Manager:
    """The plugin manager with the built-ins, entry points and ``-p`` plugins loaded.

    Broken plugins are reported on stderr, one line each, and skipped.
    TensorFlow's start-up lines are silenced first, so a plugin that imports
    Keras when it loads prints nothing either.
    """
    root = click.get_current_context().find_root()
    if root.obj is None:
        root.obj = {}
    if "manager" not in root.obj:
        from rnnsuite.kerasutil import quiet_tensorflow

        def warn(msg: str) -> None:
            err_console.print(f"[yellow]warning[/]: {msg}", highlight=False, soft_wrap=True)

        quiet_tensorflow()
        root.obj["manager"] = Manager(warn=warn).load(tuple(root.obj.get("plugins", ())))
    return root.obj["manager"]


def print_json(document: dict[str, Any]) -> None:
    """A ``--json`` document on stdout, with the schema version first (docs/cli.md)."""
    from rnnsuite.jsonio import finite

    text = json.dumps({"schema": JSON_SCHEMA, **finite(document)}, indent=2, ensure_ascii=False, allow_nan=False)
    click.echo(text)


def parse_data_paths(items: tuple[str, ...], known: set[str], option: str = "--data") -> dict[str, Path]:
    """``--data NAME=PATH`` options into a mapping; the file must exist and each NAME come once."""
    out: dict[str, Path] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UserError(f"{option} takes NAME=PATH, got {item!r}")
        if name not in known:
            raise UserError(f"unknown data set {name!r} in {option}; valid: {', '.join(sorted(known))}")
        if name in out:
            raise UserError(f"{option} {name} is given twice ({out[name]} and {path}); give one file per data set")
        p = Path(path).expanduser()
        if not p.exists():
            raise UserError(f"{option} {name}: no such file or folder: {p}")
        out[name] = p
    return out


def parse_assignment_id(ident: str, reg) -> tuple[int, int]:
    """``v5.2`` / ``5.2`` -> (5, 2), with a one-line error listing the valid ids."""
    v, sep, k = ident.lower().lstrip("v").partition(".")
    valid = sorted(a.id for c in reg.variants.values() for a in c.value.assignments)
    try:
        number, task = int(v), int(k)
        reg.variant(number).assignment(task)
    except (ValueError, KeyError):
        raise UserError(f"unknown assignment {ident!r}; valid: {', '.join(valid) or 'none loaded'}") from None
    return number, task


def planned_variants(reg) -> dict[int, list[str]]:
    """Variants the data cards are meant for that no loaded plugin ships yet: number -> their data sets.

    The cards name the assignments they are meant for (``used_by``), so the
    list shrinks by itself as variants land.
    """
    planned: dict[int, list[str]] = {}
    for name, c in sorted(reg.datasets.items()):
        for ident in c.value.used_by:
            match = re.fullmatch(r"v(\d+)\.\d+", ident)
            if match and int(match[1]) not in reg.variants and name not in planned.get(int(match[1]), []):
                planned.setdefault(int(match[1]), []).append(name)
    return dict(sorted(planned.items()))


def variant_or_error(reg, number: int):
    """The loaded variant, or a one-line error saying which are shipped and which are planned."""
    if number in reg.variants:
        return reg.variant(number)
    shipped = ", ".join(str(n) for n in sorted(reg.variants)) or "none loaded"
    planned = planned_variants(reg)
    if number in planned:
        raise UserError(f"variant {number} is planned but not shipped yet (shipped: {shipped}); "
                        f"`rnnsuite data info NAME` shows the data it will use: {', '.join(planned[number])}")
    later = f"; planned: {', '.join(map(str, planned))}" if planned else ""
    raise UserError(f"unknown variant {number}; shipped variants: {shipped}{later}")


def select_assignments(reg, variant: int, tasks: tuple[int, ...]):
    """The variant and its chosen assignments (all when ``tasks`` is empty).

    An unknown variant or task is a one-line error listing the valid ones.
    """
    v = variant_or_error(reg, variant)
    numbers = [a.number for a in v.assignments]
    for t in tasks:
        if t not in numbers:
            raise UserError(f"variant {variant} has no task {t}; valid tasks: {', '.join(map(str, numbers))}")
    return v, [a for a in v.assignments if not tasks or a.number in tasks]


def new_output_folder(path: Path | None, default: Callable[[], Path], option: str = "--out",
                      reuse: Callable[[Path], bool] = lambda p: False) -> Path:
    """Create the folder a command writes its results into, before any work starts.

    A folder that already holds files is refused (results of two runs are
    never mixed or silently replaced) unless ``reuse`` says the command merges
    with what it holds on purpose (``grade`` into an earlier grading).
    Anything the system refuses (a file in the way, no permission, a
    read-only place) is one line.
    """
    if path is None:
        try:
            return default()
        except OSError as exc:
            raise UserError(f"cannot create the results folder ({_reason(exc)}); choose one with {option} DIR") \
                from None
    if path.is_dir() and any(path.iterdir()) and not reuse(path):
        names = sorted(p.name for p in path.iterdir())
        held = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        raise UserError(f"{option} {path} already holds files ({held}); results are never mixed: "
                        "give a new folder, or remove this one")
    blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise UserError(f"{option} {path}: {blocker} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise UserError(f"{option} {path}: cannot write there ({_reason(exc)})") from None
    return path


def _reason(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    return f"{(exc.strerror or type(exc).__name__).lower()}{where}"
