"""The page a run report shows, read from the run folder alone.

``summary.json`` gives the variant, its title, the seed, the chosen
assignments with their tasks, and every finished assignment's result; where
it is missing (a run killed outright) each ``<assignment>/result.json`` is
read instead.  The HTML and Markdown renderers both draw this one model.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from rnnsuite.errors import UserError
from rnnsuite.report.media import Media, artifact_media
from rnnsuite.reporters import verdict
from rnnsuite.types import BarCheck

STATUSES = ("passed", "failed", "error")


@dataclass
class MetricRow:
    name: str
    value: float | None
    bars: list[BarCheck]  # every bar on this metric, checked
    baseline: bool  # another metric's bar is set by this one
    verdict: str | None  # "pass", "fail", "not_met_quick"; None without a bar


@dataclass
class Section:
    """One assignment of the run."""

    id: str
    status: str  # passed, failed, error, or not_run (the run was interrupted first)
    network: str = ""
    task_en: str = ""
    task_ru: str = ""
    error: str = ""
    seconds: float | None = None
    metrics: list[MetricRow] = field(default_factory=list)
    history: dict[str, list[float | None]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    media: list[Media] = field(default_factory=list)

    @property
    def has_history_plot(self) -> bool:
        return any(m.kind == "image" and m.name == "history" for m in self.media)


@dataclass
class RunPage:
    run_dir: Path
    variant: int | None
    title: str
    seed: int | None
    quick: bool
    sections: list[Section]


def read_run(run_dir: Path) -> RunPage:
    """The run folder as a page.

    :raises UserError: the folder is not a run folder, or a result file in it is not one.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: no such folder")
    summary = _load(run_dir / "summary.json") if (run_dir / "summary.json").is_file() else {}
    if summary.get("students") is not None:
        raise UserError(f"{run_dir} is a grading folder, not a run folder")
    results = summary.get("results")
    if not isinstance(results, list):
        results = [_load(p) for p in sorted(run_dir.glob("*/result.json"))]
    if not summary and not results:
        raise UserError(f"{run_dir} is not a run folder: it holds neither summary.json nor */result.json")
    tasks = chosen(summary)
    sections = []
    for result in results:
        if not isinstance(result, dict) or not isinstance(result.get("assignment"), str):
            raise UserError(f"{run_dir}: a result without an assignment id is not rnnsuite's")
        sections.append(_section(run_dir, result, tasks.get(result["assignment"], {}), bool(summary.get("quick"))))
    done = {s.id for s in sections}
    sections += [Section(ident, "not_run", **_task(task)) for ident, task in tasks.items() if ident not in done]
    order = list(tasks)
    sections.sort(key=lambda s: order.index(s.id) if s.id in order else len(order))
    variant = summary.get("variant")
    return RunPage(run_dir, variant if isinstance(variant, int) else None, _str(summary.get("title")),
                   summary.get("seed") if isinstance(summary.get("seed"), int) else None,
                   bool(summary.get("quick")), sections)


def chosen(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The assignments chosen for the run (``summary.json``'s ``assignments``), by id, in order."""
    listed = [a for a in _list(summary.get("assignments")) if isinstance(a, dict)]
    return {a["id"]: a for a in listed if isinstance(a.get("id"), str)}


def baseline_of(bar: BarCheck) -> str:
    """The metric a bar set by a baseline names (``< persistence_mae``); '' for a bar set by a number."""
    op, _, target = bar.label.partition(" ")
    return target if op in ("<", ">") else ""


def _section(run_dir: Path, result: dict[str, Any], task: dict[str, Any], quick: bool) -> Section:
    ident = result["assignment"]
    status = result.get("status") if result.get("status") in STATUSES else "error"
    metrics = {str(k): number(v) for k, v in _dict(result.get("metrics")).items()}
    checks = [_bar(b) for b in _list(result.get("bars")) if isinstance(b, dict)]
    baselines = {baseline_of(b) for b in checks} & set(metrics)
    quick = bool(result.get("quick", quick))
    rows = []
    for name, value in metrics.items():
        bars = [b for b in checks if b.metric == name]
        rows.append(MetricRow(name, value, bars, name in baselines, verdict([b.passed for b in bars], quick)))
    history = {str(k): [number(x) for x in _list(v)] for k, v in _dict(result.get("history")).items()}
    artifacts = {str(k): str(v) for k, v in _dict(result.get("artifacts")).items()}
    return Section(ident, status, **_task(task), error=_str(result.get("error")),
                   seconds=number(result.get("seconds")), metrics=rows, history=history,
                   info=_dict(result.get("info")), media=artifact_media(run_dir, run_dir / ident, artifacts))


def heading(page: RunPage, t: Callable[..., str]) -> str:
    """``Variant 5: <its title>`` in the page's language (``t``: :func:`rnnsuite.report.strings.texts`)."""
    variant = f"{t('variant')} {page.variant}" if page.variant is not None else t("run_report")
    return f"{variant}: {page.title}" if page.title else variant


def status_key(section: Section, quick: bool) -> str:
    """The string key of the section's status: a quick run's missed bars are "not met", never "failed"."""
    return "not_met_quick" if section.status == "failed" and quick else section.status


def bars_met(section: Section) -> str:
    """``2 / 3``: the bars of the assignment that were met; empty when it has none."""
    bars = [b for m in section.metrics for b in m.bars]
    return f"{sum(b.passed for b in bars)} / {len(bars)}" if bars else ""


def task_lines(section: Section, lang: str) -> list[tuple[str, str, str]]:
    """(language, label, text) of the task, the page's language first; a language without a text is left out."""
    lines = [("en", "Task", section.task_en), ("ru", "Задание", section.task_ru)]
    return sorted([line for line in lines if line[2]], key=lambda line: line[0] != lang)


def _task(task: dict[str, Any]) -> dict[str, str]:
    return {key: _str(task.get(key)) for key in ("network", "task_en", "task_ru")}


def _bar(bar: dict[str, Any]) -> BarCheck:
    return BarCheck(_str(bar.get("metric")), number(bar.get("value")), number(bar.get("target")),
                    _str(bar.get("label")), bar.get("passed") is True, number(bar.get("credit")) or 0.0)


def _load(path: Path) -> Any:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{path}: not a readable JSON result file ({' '.join(str(exc).split())})") from None
    if not isinstance(document, dict):
        raise UserError(f"{path}: not an rnnsuite result file (a JSON object was expected)")
    return document


def number(value: Any) -> float | None:
    """A finite number, or None for anything else (null, text, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []
