"""``rnnsuite run``: train and evaluate a variant's assignments."""
from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import click

from rnnsuite.cli.common import SEED, err_console, manager
from rnnsuite.cli.report import LANG


@click.command("run")
@click.option("--variant", "variant", type=int, required=True,
              help="Lab variant number (rnnsuite list shows those installed).")
@click.option("--task", "-t", "tasks", type=int, multiple=True,
              help="Assignment number (1-3); repeatable. Default: all.")
@click.option("--quick", is_flag=True, help="A small slice and few epochs: seconds per assignment, for a smoke check.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed; the same seed gives the same metrics.")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Override the number of training epochs.")
@click.option("--full", is_flag=True, help="Use the full-size canonical data sets (downloaded on request).")
@click.option("--data", "data", multiple=True, metavar="NAME=PATH",
              help="Use your own file for a data set; repeatable.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Run folder, new or empty (a folder holding files is refused). Default: runs/<time>-v<N>.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the summary as JSON on stdout (schema: docs/cli.md); progress and tables go to stderr.")
@LANG
def run_cmd(variant, tasks, quick, seed, epochs, full, data, out, as_json, lang) -> None:
    """Train and evaluate a variant's assignments on real data.

    Each assignment shows its progress, then a table of its metrics against
    the bars it must reach. Results (result.json per assignment,
    summary.json) and artifacts (plots, samples, saved models) go into the
    run folder, with report.html (self-contained, images and tunes inline)
    and report.md.

    Exit status: 0 when every assignment ran (whether or not it reached its
    bars), 1 when one raised an error, 2 for bad arguments or bad input data
    (the other assignments still run and their results are saved), 130 when
    interrupted (the finished assignments' results are saved).
    """
    from rnnsuite import api, reporters

    out_dir: list[Path] = []  # filled once the folder exists: what an interrupt points at

    def warn(message: str) -> None:
        err_console.print(f"[yellow]warning[/]: {message}", highlight=False)

    mgr = manager()
    try:
        with reporters.console_on_stderr() if as_json else nullcontext(), reporters.report_language(lang):
            results = api.run(variant, tasks, quick=quick, seed=seed, epochs=epochs, full=full,
                              data=data, out=out, manager=mgr,
                              warn=warn, show=False, created=out_dir.append)
    except KeyboardInterrupt:  # the runner wrote summary.json for the assignments that finished
        where = f" are in {out_dir[0]}" if out_dir else " (none had finished)"
        click.echo(f"Interrupted; the results of the finished assignments{where}", err=True)
        sys.exit(130)
    out_dir = out_dir[0]
    if as_json:
        click.echo((out_dir / "summary.json").read_text(encoding="utf-8"), nl=False)
    errors = [r for r in results if r.status == "error"]
    for r in errors:
        click.echo(f"Error in {r.assignment}: {r.error}", err=True)
    if errors:
        sys.exit(2 if all(r.input_error for r in errors) else 1)
