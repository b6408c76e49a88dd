"""The metric-threshold grader: one grade item per bar of the assignment."""
from __future__ import annotations

from rnnsuite.types import GradeItem, Grader, Outcome


def _fmt(value: float | None) -> str:
    return "missing" if value is None else f"{value:.4g}"


def grade_bars(outcome: Outcome) -> list[GradeItem]:
    items = []
    for bar in outcome.assignment.bars:
        check = bar.check(outcome.metrics)
        message = f"{bar.metric} = {_fmt(check.value)}, needs {check.label}"
        if isinstance(bar.target, str):
            message += f" ({bar.target} = {_fmt(check.target)})"
        if check.value is not None and check.target is not None:
            margin = (check.value - check.target) * (1 if bar.higher_is_better else -1)
            message += f", margin {margin:+.4g}"
        if bar.why:
            message += f"; {bar.why}"
        items.append(GradeItem(f"{bar.metric} {check.label}", check.credit, 1.0, check.passed, message))
    return items


GRADER = Grader(
    name="metric-bars",
    applies=lambda assignment: bool(assignment.bars),
    grade=grade_bars,
    description="Each bar of the assignment: full credit at the target, partial between floor and target.",
)
