"""Built-in reporters, plugins of the run hooks: a rich console, a JSON writer and the run report.

The console reporter draws a progress bar per assignment (epochs) with a
batch bar under it, and a table of metric, value, bar and verdict at the end.
The JSON writer puts ``result.json`` in each assignment's folder as soon as
it finishes and ``summary.json`` in the run folder (the document
``rnnsuite run --json`` prints; its schema is in docs/cli.md).  The report
writer then draws ``report.html`` and ``report.md`` from those files.
"""
from __future__ import annotations

import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rnnsuite import hookimpl
from rnnsuite.jsonio import write_json
from rnnsuite.types import RunResult

QUIET = "RNNSUITE_QUIET"  # set to 1 to silence the console reporter (the grader does)
#: Version of the JSON documents summary.json and every ``--json`` output follow (docs/cli.md).
JSON_SCHEMA = 1


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


#: how the console shows each verdict
VERDICTS = {"pass": "[green]pass[/]", "not_met_quick": "[dim]not met (quick)[/]", "fail": "[red]FAIL[/]"}


def verdict(passed: list[bool], quick: bool) -> str | None:
    """A metric's verdict from its bars: ``pass``, ``fail``, ``not_met_quick`` (a quick run: no shouting), or
    None when it has no bar."""
    if not passed:
        return None
    return "pass" if all(passed) else "not_met_quick" if quick else "fail"


def results_table(results: list[RunResult], title: str = "Results") -> Table:
    """Metric, value, bar and verdict for every assignment."""
    table = Table(title=title, show_lines=False)
    for col in ("assignment", "metric", "value", "bar", "verdict"):
        table.add_column(col, justify="right" if col == "value" else "left")
    for r in results:
        if r.status == "error":
            table.add_row(r.assignment, "-", "-", "-", f"[red]error[/]: {r.error}")
            continue
        for i, (name, value) in enumerate(r.metrics.items()):
            bars = [b for b in r.bars if b.metric == name]  # a metric may have several bars
            shown = VERDICTS.get(verdict([b.passed for b in bars], r.quick), "")
            bar_text = "; ".join(bar_label(b) for b in bars)
            table.add_row(r.assignment if i == 0 else "", name, fmt(value), bar_text, shown)
        table.add_section()
    return table


def bar_label(bar) -> str:
    """``>= 0.76``, or ``< persistence_mae (2.31)`` for a bar set by a baseline."""
    if bar.target is None or bar.label.endswith(fmt(bar.target)):
        return bar.label
    return f"{bar.label} ({fmt(bar.target)})"


class ConsoleReporter:
    def __init__(self) -> None:
        self.console = Console(stderr=False)
        self.progress: Progress | None = None
        self.epoch_task = None
        self.batch_task = None

    def quiet(self) -> bool:
        return os.environ.get(QUIET, "") not in ("", "0")

    def run_started(self, variant, assignments, out_dir, seed, quick) -> None:
        if self.quiet():
            return
        mode = " (quick)" if quick else ""
        self.console.print(
            f"[bold]Variant {variant.number}[/]: {variant.title}{mode} - "
            f"{len(assignments)} assignment(s), seed {seed}, results in {out_dir}"
        )
        if quick:
            self.console.print("[dim]--quick trains on a small slice for a smoke check: the bars are shown, "
                               "but only a default run is expected to reach them.[/]")

    def assignment_started(self, assignment, epochs) -> None:
        if self.quiet():
            return
        self.console.rule(f"[bold]{assignment.id}[/] {assignment.network}: {assignment.task_en}")
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[logs]}"),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        self.epoch_task = self.progress.add_task("epochs ", total=max(epochs, 1), logs="")
        self.batch_task = self.progress.add_task("  batch", total=1, logs="", visible=False)

    def batch_ended(self, batch, batches) -> None:
        if self.progress is not None:
            self.progress.update(self.batch_task, completed=batch, total=batches, visible=True)

    def epoch_ended(self, epoch, epochs, logs) -> None:
        if self.progress is not None:
            text = "  ".join(f"{k} {fmt(v)}" for k, v in list(logs.items())[:3])  # narrow terminals
            self.progress.update(self.epoch_task, completed=epoch, total=epochs, logs=text)

    def stop_progress(self) -> None:
        if self.progress is not None:
            self.progress.update(self.batch_task, visible=False)
            self.progress.stop()
            self.progress = None

    def assignment_finished(self, result: RunResult) -> None:
        self.stop_progress()
        if self.quiet():
            return
        self.console.print(results_table([result], title=f"{result.assignment} ({result.seconds:.1f} s)"))
        for name, path in result.artifacts.items():
            self.console.print(f"  artifact {name}: {path}")

    def run_finished(self, results, out_dir) -> None:
        self.stop_progress()  # an interrupted assignment leaves its bars running
        if self.quiet() or len(results) < 2:
            return
        self.console.print(results_table(results, title="Summary"))
        self.console.print(f"Results in {out_dir}")


class JsonWriter:
    def __init__(self) -> None:
        self.out_dir: Path | None = None
        self.run: dict[str, Any] = {}
        self.chosen: list[dict[str, str]] = []

    def run_started(self, out_dir, variant=None, seed=0, quick=False, assignments=(), **_) -> None:
        self.out_dir = Path(out_dir)
        self.run = {"variant": getattr(variant, "number", None), "title": getattr(variant, "title", ""),
                    "seed": seed, "quick": quick}
        self.chosen = [{"id": a.id, "kind": a.kind, "network": a.network, "task_en": a.task_en, "task_ru": a.task_ru}
                       for a in assignments]  # also those an interrupt leaves unrun: the report lists them

    def assignment_finished(self, result: RunResult) -> None:
        if self.out_dir is None:
            return
        folder = self.out_dir / result.assignment
        folder.mkdir(parents=True, exist_ok=True)
        write_json(folder / "result.json", result.to_dict())

    def run_finished(self, results, out_dir) -> None:
        results = [r.to_dict() for r in results]
        write_json(Path(out_dir) / "summary.json", {"schema": JSON_SCHEMA, **self.run, "out_dir": str(out_dir),
                                                    "assignments": self.chosen, "results": results})


class ReportWriter:
    """``report.html`` and ``report.md`` in the run folder at the end of every run (also after Ctrl-C).

    They are drawn from the files the JSON writer left (``rnnsuite.report``),
    so ``rnnsuite report RUN_DIR`` draws the same pages again.  A report that
    cannot be written is a warning: the run's results are already saved.
    """

    def __init__(self) -> None:
        self.lang: str | None = None  # None: from the locale

    def run_finished(self, out_dir) -> str:
        """The line to show: where the report is, or why it is not there."""
        from rnnsuite.errors import one_line
        from rnnsuite.report import write_run_report

        try:
            written = write_run_report(Path(out_dir), self.lang)
        except Exception as exc:  # noqa: BLE001 - the results are saved; the report is a view of them
            return f"[yellow]warning[/]: the report was not written: {escape(one_line(exc))}"
        return f"Report: {escape(str(written['html']))}"


_console = ConsoleReporter()
_json = JsonWriter()
_report = ReportWriter()


@contextmanager
def console_on_stderr() -> Iterator[None]:
    """The console reporter draws on stderr meanwhile (``run --json`` keeps stdout for its document)."""
    previous, _console.console = _console.console, Console(stderr=True)
    try:
        yield
    finally:
        _console.console = previous


@contextmanager
def report_language(lang: str | None) -> Iterator[None]:
    """The run report is written in ``lang`` (``en`` or ``ru``; None: from the locale) meanwhile."""
    previous, _report.lang = _report.lang, lang
    try:
        yield
    finally:
        _report.lang = previous


@hookimpl
def rnnsuite_run_started(variant, assignments, out_dir, seed, quick):
    _console.run_started(variant, assignments, out_dir, seed, quick)
    _json.run_started(out_dir=out_dir, variant=variant, seed=seed, quick=quick, assignments=assignments)


@hookimpl
def rnnsuite_assignment_started(assignment, epochs):
    _console.assignment_started(assignment, epochs)


@hookimpl
def rnnsuite_batch_ended(assignment, batch, batches):
    _console.batch_ended(batch, batches)


@hookimpl
def rnnsuite_epoch_ended(assignment, epoch, epochs, logs):
    _console.epoch_ended(epoch, epochs, logs)


@hookimpl
def rnnsuite_assignment_finished(result):
    _json.assignment_finished(result)  # first: a crash in the console must not lose the file
    _console.assignment_finished(result)


@hookimpl
def rnnsuite_run_finished(results, out_dir):
    _json.run_finished(results, out_dir)
    line = _report.run_finished(out_dir)  # from the files just written
    _console.run_finished(results, out_dir)
    if not _console.quiet():
        _console.console.print(line, highlight=False, soft_wrap=True)
