"""The BPTT gradient grader of from-scratch assignments.

The outcome carries ``model`` (following the scratch model protocol, see
``rnnsuite.scratch``) and ``gradcheck_data`` = ``(X, targets[, mask])``.  Each
parameter earns full credit when its max relative error is below 1e-6,
nothing above 1e-4, and in between credit linear in log10 of the error.  The
diagnosis of a failed check goes into the messages.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from rnnsuite.types import GradeItem, Grader

FULL_BELOW = 1e-6
ZERO_ABOVE = 1e-4


def credit(error: float) -> float:
    """1 below FULL_BELOW, 0 above ZERO_ABOVE, linear in log10(error) between."""
    if not math.isfinite(error) or error > ZERO_ABOVE:
        return 0.0
    if error < FULL_BELOW:
        return 1.0
    lo, hi = math.log10(FULL_BELOW), math.log10(ZERO_ABOVE)
    return (hi - math.log10(error)) / (hi - lo)


def unpack_data(data: Any) -> tuple[Any, Any, Any]:
    if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
        raise ValueError("gradcheck_data must be (X, targets) or (X, targets, mask)")
    X, targets, *rest = data
    return X, targets, (rest[0] if rest else None)


def zero_items(reason: str) -> list[GradeItem]:
    """One zero item per course parameter, so every student has the same maximum score."""
    from rnnsuite.scratch.frnn import PARAM_NAMES

    return [GradeItem(f"gradient {name}", 0.0, 1.0, False, reason) for name in PARAM_NAMES]


def grade_gradients(outcome: Mapping[str, Any]) -> list[GradeItem]:
    from rnnsuite.scratch.gradcheck import check_gradients

    model, data = outcome.get("model"), outcome.get("gradcheck_data")
    if model is None or data is None:
        return zero_items("no model to check: the submission gave no gradients")
    try:
        X, targets, mask = unpack_data(data)
        result = check_gradients(model, X, targets, mask, tolerance=FULL_BELOW)
    except Exception as exc:  # noqa: BLE001 - a submission may raise anything
        return zero_items(f"the check could not run: {type(exc).__name__}: {exc}")
    items = []
    for p in result.params:
        score = credit(p.max_error)
        message = f"max relative error {p.max_error:.2e} (mean {p.mean_error:.2e}) over {p.checked} coordinates"
        if not p.passed:
            message += f"; {result.diagnosis}"
        items.append(GradeItem(f"gradient {p.name}", score, 1.0, p.passed, message))
    return items


GRADER = Grader(
    name="bptt-gradients",
    applies=lambda assignment: assignment.kind == "scratch",
    grade=grade_gradients,
    description="BPTT gradients against finite differences, per parameter, with a diagnosis of the mistake.",
)
