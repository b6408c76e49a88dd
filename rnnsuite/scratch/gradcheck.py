"""Gradient check: analytic gradients against finite differences.

Works on any object following the scratch model protocol (``params``,
``loss``, ``loss_and_grads``).  Each checked coordinate w of a parameter is
perturbed in place and the loss re-evaluated; the numerical derivative is the
fourth-order central difference

    n = [L(w - 2h) - 8 L(w - h) + 8 L(w + h) - L(w + 2h)] / (12 h),

whose truncation error (O(h^4)) and rounding error both stay near 1e-12 in
float64 with h = 1e-3, so a correct BPTT shows relative errors of 1e-9 or
less.  The relative error of a coordinate is ``|a - n| / max(1e-8, |a| + |n|)``,
where a difference below the rounding error of the difference quotient itself
(``ROUNDING * max|L| / h``, about 1e-11 for a loss near 1) counts as zero: a
gradient that is exactly 0 (a token that never occurs) is otherwise compared
with pure rounding noise.
Parameters larger than ``max_coords`` are checked on a seeded sample.

With ``truncate=k`` the reference is the truncated gradient: the loss is
called as ``loss(X, targets, mask=..., truncate=k, anchor=params0)``, the
surrogate in which the state k steps before each output is computed with the
unperturbed parameters ``params0`` and held constant (see ``frnn``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

#: a gradient whose max relative error is at most this passes
TOLERANCE = 1e-6
#: generous bound on the rounding error of the four-point quotient, in units of max|L| / h:
#: 18 eps for its numerator, times 20 for BLAS summation order changing between calls
ROUNDING = 20 * 18 * np.finfo(np.float64).eps / 12


@dataclass
class ParamCheck:
    """The check of one parameter."""

    name: str
    shape: tuple[int, ...]
    checked: int  # coordinates compared
    max_error: float
    mean_error: float
    ratio: float  # least-squares analytic / numeric: 1 when right, -1 for a flipped sign
    passed: bool


@dataclass
class GradCheckResult:
    """Per-parameter results, the verdict and, when something failed, a diagnosis."""

    params: list[ParamCheck]
    loss: float
    tolerance: float
    truncate: int | None = None
    diagnosis: str = ""
    analytic: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    numeric: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.params)

    @property
    def max_error(self) -> float:
        return max((p.max_error for p in self.params), default=0.0)

    def param(self, name: str) -> ParamCheck:
        return next(p for p in self.params if p.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "loss": self.loss,
            "tolerance": self.tolerance,
            "truncate": self.truncate,
            "diagnosis": self.diagnosis,
            "params": [{**asdict(p), "shape": list(p.shape)} for p in self.params],
        }


def relative_error(a: np.ndarray, n: np.ndarray, noise: float = 0.0) -> np.ndarray:
    """``|a - n| / max(1e-8, |a| + |n|)``, ignoring differences up to ``noise``."""
    return np.maximum(0.0, np.abs(a - n) - noise) / np.maximum(1e-8, np.abs(a) + np.abs(n))


def _call(fn, X, targets, mask, **extra):
    # a submission without masks need not accept the argument
    return fn(X, targets, **extra) if mask is None else fn(X, targets, mask=mask, **extra)


def numeric_gradient(model, name: str, coords: np.ndarray, X, targets, mask=None, *,
                     truncate: int | None = None, h: float = 1e-3) -> tuple[np.ndarray, float]:
    """dL/dparam at the flat indices ``coords`` by the four-point central difference, and its rounding error."""
    p = model.params[name]
    flat = p.reshape(-1)  # a view: perturbs the model's own array
    if not np.shares_memory(flat, p):
        raise ValueError(f"parameter {name} is not contiguous; cannot perturb it in place")
    extra = {}
    if truncate is not None:
        extra = {"truncate": truncate, "anchor": {k: v.copy() for k, v in model.params.items()}}
    out = np.empty(len(coords))
    largest = 0.0
    for j, i in enumerate(coords):
        w = flat[i]
        f = []
        for step in (-2, -1, 1, 2):
            flat[i] = w + step * h
            f.append(float(_call(model.loss, X, targets, mask, **extra)))
        flat[i] = w
        largest = max(largest, *map(abs, f))
        out[j] = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h)
    return out, ROUNDING * largest / h


def check_gradients(model, X, targets, mask=None, *, truncate: int | None = None, max_coords: int = 200,
                    seed: int = 0, h: float = 1e-3, tolerance: float = TOLERANCE,
                    diagnose: bool = True) -> GradCheckResult:
    """Compare ``model.loss_and_grads`` with finite differences of ``model.loss``, parameter by parameter."""
    for name, p in model.params.items():
        if np.asarray(p).dtype != np.float64:
            raise ValueError(f"parameter {name} is {np.asarray(p).dtype}; the gradient check needs float64")
    extra = {} if truncate is None else {"truncate": truncate}
    loss, grads = _call(model.loss_and_grads, X, targets, mask, **extra)
    rng = np.random.default_rng(seed)
    rows, numeric = [], {}
    for name, p in model.params.items():
        size = p.size
        coords = np.arange(size) if size <= max_coords else np.sort(rng.choice(size, max_coords, replace=False))
        n, noise = numeric_gradient(model, name, coords, X, targets, mask, truncate=truncate, h=h)
        g = grads.get(name) if isinstance(grads, dict) else None
        if g is None or np.shape(g) != p.shape:
            a = np.full(len(coords), np.nan)
        else:
            a = np.asarray(g, dtype=np.float64).reshape(-1)[coords]
        numeric[name] = (coords, n)
        err = relative_error(a, n, noise)
        err = np.where(np.isfinite(err), err, 1.0)
        nn = float(n @ n)
        ratio = float(a @ n / nn) if nn > 0 and np.all(np.isfinite(a)) else float("nan")
        max_err = float(err.max()) if err.size else 0.0
        rows.append(ParamCheck(name, tuple(p.shape), len(coords), max_err,
                               float(err.mean()) if err.size else 0.0, ratio, max_err <= tolerance))
    result = GradCheckResult(rows, float(loss), tolerance, truncate,
                             analytic={k: np.asarray(v) for k, v in (grads or {}).items()}, numeric=numeric)
    if diagnose:
        from rnnsuite.scratch.diagnose import diagnose as explain

        result.diagnosis = explain(model, result, X, targets, mask)
    return result
