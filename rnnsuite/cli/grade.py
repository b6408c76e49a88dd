"""``rnnsuite grade``: grade submissions in isolation against hidden data."""
from __future__ import annotations

import contextlib
import signal
from pathlib import Path

import click

from rnnsuite.cli.common import (
    SEED,
    err_console,
    manager,
    new_output_folder,
    parse_data_paths,
    print_json,
    select_assignments,
)
from rnnsuite.cli.report import LANG
from rnnsuite.errors import UserError
from rnnsuite.grading.points import VISIBILITIES


@click.command("grade")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--variant", "variant", type=int, required=True, help="Lab variant the submissions answer.")
@click.option("--task", "-t", "tasks", type=int, multiple=True, help="Assignment number; repeatable. Default: all.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Children to run at once.")
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True,
              help="Wall-clock seconds per submission and assignment.")
@click.option("--memory", "memory_mb", type=click.IntRange(min=64), default=4096, show_default=True,
              help="Address-space cap per child, MB (TensorFlow needs about 2500).")
@click.option("--hidden-data", "hidden_data", multiple=True, metavar="NAME=PATH|DIR",
              help="The instructor's hidden test data: NAME=PATH, a file of data set NAME in the format --data "
                   "takes (repeatable), or DIR, a folder of v5.1.npz ... arrays; see docs/grading.md. Without it "
                   "the test set is public and every report says so.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Results folder: new, empty, or an earlier grading's (merged: per student and assignment the "
                   "newer result wins). Default: grades/<time>-v<N>.")
@click.option("--points", "points_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="TOML of points per assignment and item weights, and Gradescope visibility (docs/grading.md). "
                   "Default: 10 points per assignment, items weighted equally.")
@click.option("--quick", is_flag=True, help="Small data and few epochs (smoke check of the grading itself).")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the data split and training.")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Override the training epochs.")
@click.option("--full", is_flag=True, help="Use the full-size canonical data sets (downloaded on request).")
@click.option("--data", "data", multiple=True, metavar="NAME=PATH", help="Use your own file for a data set.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the gradebook as JSON on stdout (schema: docs/cli.md); the table goes to stderr.")
@click.option("--no-sandbox", "no_sandbox", is_flag=True,
              help="Run students' code unconfined where bubblewrap cannot be set up (unsafe; results are marked).")
@click.option("--cluster", "cluster_address", metavar="ADDRESS", default=None,
              help="Run the children on Dask workers: tcp://HOST:PORT (a scheduler), local:N (N worker processes "
                   "here), slurm or pbs (with --cluster-config); scoring stays here. Needs rnnsuite[cluster].")
@click.option("--cluster-config", "cluster_config", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="TOML settings of the slurm/pbs workers: cores, memory, walltime, queue, account, "
                                 "jobs, python, ... (docs/grading.md).")
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True,
              help="With --cluster: more tries for a job whose worker failed or died; then it is an error.")
@click.option("--visibility", type=click.Choice(VISIBILITIES), default=None,
              help="What students see of the Gradescope results.json by default (overrides the points file's).")
@LANG
def grade_cmd(paths, variant, tasks, jobs, timeout, memory_mb, hidden_data, out, points_file, quick, seed, epochs,
              full, data, as_json, no_sandbox, cluster_address, cluster_config, retries, visibility, lang) -> None:
    """Grade student submissions, each in its own limited child process.

    PATH is a submission (a .py file or a package folder) or a folder of
    them, one per student (the file stem or folder name is the student).
    Children see the training data and the test inputs only; predictions
    are scored here. Writes per-student JSON, Gradescope results.json,
    JUnit XML, a CSV gradebook and report.html into the results folder.

    Every child runs in a bubblewrap sandbox (see docs/grading.md); where
    none can be set up, grading stops unless --no-sandbox says otherwise.
    With --cluster the children run on Dask workers (each with its own
    sandbox) and only their answers come back: the test labels stay here.
    Ctrl-C or SIGTERM kills every child at once and saves the students who
    were finished.

    Exit status: 0 when every submission was graded (whatever its score),
    2 for bad arguments, 130 when interrupted.
    """
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rnnsuite import runner
    from rnnsuite.grading import batch, cluster, formats, gradescope, hidden, sandbox
    from rnnsuite.grading.points import Points

    mgr = manager()
    reg = mgr.registry
    v, chosen = select_assignments(reg, variant, tasks)
    if cluster_address:  # checked before anything is created; the workers check their own sandbox
        workers = cluster.Cluster.from_options(cluster_address, cluster_config, retries, sandboxed=not no_sandbox)
    elif cluster_config:
        raise UserError("--cluster-config goes with --cluster slurm or pbs")
    else:
        workers = None
        sandbox.require(not no_sandbox)  # before anything is created
    points = gradescope.with_visibility(Points.load(points_file), visibility)
    hidden_folder, hidden_paths = _hidden(hidden_data, set(reg.datasets))
    submissions = batch.discover(list(paths))
    for skipped in batch.not_submissions(list(paths)):
        err_console.print(f"[yellow]warning[/]: {skipped} is not a submission (a .py file, or a folder with "
                          "__init__.py); not graded", highlight=False)
    for secret in (*([hidden_folder] if hidden_folder else []), *hidden_paths.values()):
        if hidden.exposed(secret):
            err_console.print(f"[yellow]warning[/]: {secret} is readable by others; chmod 700 it", highlight=False)
    if hidden_folder is None and not hidden_paths:
        err_console.print(f"[yellow]warning[/]: {formats.PUBLIC_TEST}", highlight=False, soft_wrap=True)
    root = click.get_current_context().find_root()
    threads = workers.child_threads(_cpus()) if workers else max(1, _cpus() // jobs)
    settings = batch.Settings(
        jobs=jobs, limits=sandbox.Limits(timeout=timeout, memory_mb=memory_mb, threads=threads),
        hidden_data=hidden_folder, hidden_paths=hidden_paths, quick=quick, seed=seed, epochs=epochs, full=full,
        plugins=tuple((root.obj or {}).get("plugins", ())), data_paths=parse_data_paths(data, set(reg.datasets)),
        sandboxed=not no_sandbox)
    out = new_output_folder(out, lambda: runner.default_out_dir(v, Path("grades")), reuse=_earlier_grading)
    if (out / "summary.json").exists():
        err_console.print(f"Merging with the earlier grading in {escape(str(out))}: per student and assignment the "
                          "newer result wins", highlight=False)
    settings.secrets = (out,)
    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    finished = []

    def done(result) -> None:
        finished.append(result)
        progress.update(task, advance=1, description=escape(result.student))

    stop = signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops grading as Ctrl-C does
    try:
        with contextlib.ExitStack() as stack:
            if workers:
                with err_console.status(f"Starting {escape(workers.describe())}"):
                    stack.enter_context(workers)
                settings.isolation = workers.isolation
                err_console.print(f"Grading {escape(workers.isolation)}", highlight=False)
            with err_console.status("Preparing the assignments' data"):
                grading = batch.Batch(reg, chosen, settings)
            if grading.warning:
                err_console.print(f"[yellow]warning[/]: {escape(grading.warning)}", highlight=False)
            with Progress(*columns, console=err_console, transient=True) as progress:
                task = progress.add_task("", total=len(submissions))
                results = grading.run(submissions, on_done=done, cluster=workers)
    except KeyboardInterrupt:
        order = [student for student, _ in submissions]
        _save_finished(sorted(finished, key=lambda r: order.index(r.student)), len(order), out,
                       settings.isolation or sandbox.describe(settings.sandboxed), points,
                       grading.info if "grading" in locals() else {}, lang)
        click.get_current_context().exit(130)
    finally:
        signal.signal(signal.SIGTERM, stop)
    _, failed = formats.write_all(results, out, grading.isolation, points=points, info=grading.info, lang=lang)
    for line in failed:
        err_console.print(f"[red]not written[/]: {escape(line)}", highlight=False)
    from rich.console import Console

    Console(stderr=as_json).print(formats.table(results, points))
    click.echo(f"Results: {out} (report.html, gradebook.csv, junit.xml, summary.json, students/, gradescope/)",
               err=as_json)
    if as_json:  # the gradebook: each student's total, status and items (the output tails stay in students/)
        print_json({"variant": variant, "out_dir": str(out), "students": [
            {k: v for k, v in points.apply(r).to_dict().items() if k != "assignments"} for r in results]})


def _earlier_grading(out: Path) -> bool:
    """An earlier `rnnsuite grade --out` folder, which a new grading merges with."""
    return (out / "summary.json").is_file() and (out / "students").is_dir()


def _hidden(items: tuple[str, ...], known: set[str]) -> tuple[Path | None, dict[str, Path]]:
    """``--hidden-data`` values: at most one folder of arrays, and NAME=PATH raw files."""
    folders = [Path(i) for i in items if "=" not in i]
    if len(folders) > 1:
        raise UserError("--hidden-data takes at most one folder of arrays")
    for folder in folders:
        if not folder.is_dir():
            raise UserError(f"--hidden-data {folder}: no such folder (give a folder, or NAME=PATH for a file)")
    named = parse_data_paths(tuple(i for i in items if "=" in i), known, option="--hidden-data")
    return (folders[0] if folders else None), named


def _save_finished(saved: list, total: int, out: Path, isolation: str, points, info: dict,
                   lang: str | None = None) -> None:
    """After an interrupt: write the students who were finished, and say exactly what was saved."""
    from rich.markup import escape

    from rnnsuite.grading import formats

    if not saved:
        click.echo(f"Interrupted: every child was stopped; no student had finished, nothing was saved "
                   f"({out} is empty).", err=True)
        return
    _, failed = formats.write_all(saved, out, isolation, points=points, info=info, lang=lang)
    for line in failed:
        err_console.print(f"[red]not written[/]: {escape(line)}", highlight=False)
    names = ", ".join(r.student for r in saved)
    click.echo(f"Interrupted: every child was stopped; the {len(saved)} finished student(s) are saved in {out} "
               f"({names}); {total - len(saved)} not graded.", err=True)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
