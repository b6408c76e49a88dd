"""Pieces the CLI commands share: the plugin manager and argument parsing."""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from rnnsuite.errors import UserError
from rnnsuite.manager import Manager

err_console = Console(stderr=True)


def manager() -> Manager:
    """The plugin manager with the built-ins, entry points and ``-p`` plugins loaded.

    Broken plugins are reported on stderr, one line each, and skipped.
    """
    root = click.get_current_context().find_root()
    if root.obj is None:
        root.obj = {}
    if "manager" not in root.obj:

        def warn(msg: str) -> None:
            err_console.print(f"[yellow]warning[/]: {msg}", highlight=False, soft_wrap=True)

        root.obj["manager"] = Manager(warn=warn).load(tuple(root.obj.get("plugins", ())))
    return root.obj["manager"]


def parse_data_paths(items: tuple[str, ...], known: set[str]) -> dict[str, Path]:
    """``--data NAME=PATH`` options into a mapping; the file must exist."""
    out: dict[str, Path] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise UserError(f"--data takes NAME=PATH, got {item!r}")
        if name not in known:
            raise UserError(f"unknown data set {name!r} in --data; valid: {', '.join(sorted(known))}")
        p = Path(path).expanduser()
        if not p.exists():
            raise UserError(f"--data {name}: no such file or folder: {p}")
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


def select_assignments(reg, variant: int, tasks: tuple[int, ...]):
    """The variant and its chosen assignments (all when ``tasks`` is empty).

    An unknown variant or task is a one-line error listing the valid ones.
    """
    if variant not in reg.variants:
        valid = ", ".join(str(n) for n in sorted(reg.variants)) or "none loaded"
        raise UserError(f"unknown variant {variant}; valid variants: {valid}")
    v = reg.variant(variant)
    numbers = [a.number for a in v.assignments]
    for t in tasks:
        if t not in numbers:
            raise UserError(f"variant {variant} has no task {t}; valid tasks: {', '.join(map(str, numbers))}")
    return v, [a for a in v.assignments if not tasks or a.number in tasks]
