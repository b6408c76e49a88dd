"""The forward-pass grader of from-scratch assignments.

The model's parameters are copied into the reference FRNN and both compute
the outputs y for the same inputs (``forward_data`` = ``(X[, mask])`` in the
outcome, else the X and mask of ``gradcheck_data``).  They must agree to
``TOLERANCE``, relative to the largest output.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from rnnsuite.types import GradeItem, Grader

TOLERANCE = 1e-6
NAME = "forward pass"


def _inputs(outcome: Mapping[str, Any]) -> tuple[Any, Any]:
    data = outcome.get("forward_data")
    if data is None:
        data = outcome.get("gradcheck_data")
        if data is not None:
            data = (data[0],) + tuple(data[2:3])
    if data is None:
        raise ValueError("no forward_data or gradcheck_data")
    if not isinstance(data, (tuple, list)):
        data = (data,)
    return data[0], (data[1] if len(data) > 1 else None)


def grade_forward(outcome: Mapping[str, Any]) -> list[GradeItem]:
    from rnnsuite.scratch.frnn import FRNN

    model = outcome.get("model")
    try:
        X, mask = _inputs(outcome)
        y = np.asarray(model.forward(X) if mask is None else model.forward(X, mask=mask), dtype=np.float64)
        output = getattr(model, "output", None) or ("all" if y.ndim == 3 else "last")
        reference = FRNN.from_params(model.params, output=output)
        expected = reference.forward(X, mask)
    except Exception as exc:  # noqa: BLE001 - a submission may raise anything
        return [GradeItem(NAME, 0.0, 1.0, False, f"could not compare outputs: {type(exc).__name__}: {exc}")]
    if y.shape != expected.shape:
        return [GradeItem(NAME, 0.0, 1.0, False, f"outputs have shape {y.shape}, expected {expected.shape}")]
    error = float(np.max(np.abs(y - expected), initial=0.0) / max(1e-8, float(np.max(np.abs(expected), initial=0.0))))
    passed = bool(error <= TOLERANCE)
    message = f"max relative difference from the reference FRNN {error:.2e} (tolerance {TOLERANCE:g})"
    return [GradeItem(NAME, 1.0 if passed else 0.0, 1.0, passed, message)]


GRADER = Grader(
    name="forward-pass",
    applies=lambda assignment: assignment.kind == "scratch",
    grade=grade_forward,
    description="The model's outputs y against the reference FRNN with the same parameters.",
)
