"""``rnnsuite check``: grade your own submission here, as ``rnnsuite grade`` would."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from rnnsuite.cli.common import SEED, err_console, manager, parse_data_paths, print_json, select_assignments


@click.command("check")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--variant", "variant", type=int, required=True, help="Lab variant the submission answers.")
@click.option("--task", "-t", "tasks", type=int, multiple=True, help="Assignment number; repeatable. Default: all.")
@click.option("--full", "full", is_flag=True,
              help="Train on the full data with the real epochs (the bars' real verdict); default: quick.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the split and training.")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Override the training epochs.")
@click.option("--data", "data", multiple=True, metavar="NAME=PATH", help="Use your own file for a data set.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (see docs/cli.md).")
def check_cmd(path, variant, tasks, full, seed, epochs, data, as_json) -> None:
    """Check a submission yourself: train it, run the graders' checks, show every item.

    PATH is your submission (a .py file or a package folder), as
    `rnnsuite submission init` writes it. Each assignment goes through the
    same pipeline and the same checks as `rnnsuite grade`: a scratch model
    answers the gradient, forward and loss checks (with a diagnosis of the
    likely mistake) and is scored by re-running its trained parameters;
    every bar is shown with your margin. Quick by default (a small slice,
    few epochs: the bars are not expected to be met); --full gives the
    real verdict. Your code runs here, not in a sandbox: it is your own.

    Exit status: 0 when every assignment ran (whatever the score), 1 when
    one raised, 2 for bad arguments or a submission that does not import.
    """
    from rnnsuite.errors import UserError, one_line
    from rnnsuite.grading import local

    reg = manager().registry
    _, chosen = select_assignments(reg, variant, tasks)
    data_paths = parse_data_paths(data, set(reg.datasets))
    try:
        results = local.check(reg, chosen, path, seed=seed, quick=not full, epochs=epochs, data_paths=data_paths,
                              on_start=lambda a: err_console.print(
                                  f"[bold]{a.id}[/] {a.network}: training{' (quick)' if not full else ''}",
                                  highlight=False))
    except SyntaxError as exc:
        raise UserError(f"{path.name}, line {exc.lineno}: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001 - the submission does not import: its own error, in one line
        if isinstance(exc, UserError):
            raise
        raise UserError(f"{path.name} does not import: {one_line(exc)}") from None
    if as_json:
        print_json({"schema": 1, "submission": str(path), "variant": variant, "quick": not full, "seed": seed,
                    "assignments": [document(r) for r in results]})
    else:
        from rich.console import Console

        Console().print(table(results, quick=not full))
    if any(r.status != "ok" for r in results):
        sys.exit(1)


def document(r) -> dict:
    from dataclasses import asdict

    return {"assignment": r.assignment, "status": r.status, "reason": r.reason, "score": round(r.score, 6),
            "max_score": r.max_score, "seconds": r.seconds, "metrics": r.metrics,
            "items": [asdict(i) for i in r.items]}


def table(results, quick: bool):
    from rich.table import Table

    t = Table(title="Your submission" + (" (quick: bars checked on a small slice; --full for the verdict)"
                                         if quick else ""))
    for col, justify in (("item", "left"), ("score", "right"), ("", "left"), ("why", "left")):
        t.add_column(col, justify=justify, overflow="fold")
    for r in results:
        for i in r.items:
            mark = "[green]pass[/]" if i.passed else ("[yellow]partial[/]" if i.score > 0 else "[red]lost[/]")
            t.add_row(i.name, f"{i.score:.2f}/{i.max_score:g}", mark, i.message)
        t.add_row(f"[bold]{r.assignment}[/]", f"[bold]{r.score:.2f}/{r.max_score:g}[/]",
                  "" if r.status == "ok" else f"[red]{r.status}[/]", r.reason)
        t.add_section()
    return t
