"""From an outcome to grade items: every grader that applies, none of them able to stop the others."""
from __future__ import annotations

from typing import Any

from rnnsuite.errors import one_line
from rnnsuite.types import Assignment, GradeItem, Outcome


def grade_items(registry: Any, outcome: Outcome) -> list[GradeItem]:
    """The items of every grader for the outcome's assignment, named ``v5.1 ...``, with the run's failure reason."""
    a = outcome.assignment
    items = []
    for grader in registry.graders_for(a):
        try:
            found = list(grader.grade(outcome))
        except Exception as exc:  # noqa: BLE001 - a grader that breaks on an answer gives a zero item
            found = [GradeItem(grader.name, 0.0, 1.0, False, f"grader failed: {one_line(exc)}")]
        items += [named(a, item, outcome.reason) for item in found]
    return items


def named(a: Assignment, item: GradeItem, reason: str) -> GradeItem:
    """Prefix the assignment id; say why points were lost when the run failed."""
    message = item.message
    if reason and item.score < item.max_score and reason not in message:
        message = f"{message}; {reason}" if message else reason
    name = item.name if item.name.startswith(a.id) else f"{a.id} {item.name}"
    return GradeItem(name, float(item.score), float(item.max_score), bool(item.passed), message)
