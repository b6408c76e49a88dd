"""Gradient check: analytic gradients against finite differences.

Works on any object following the scratch model protocol (``params``,
``loss``, ``loss_and_grads``).  Each checked coordinate w of a parameter is
perturbed in place and the loss re-evaluated; the numerical derivative is the
sixth-order central difference on six points (``STENCIL``)

    n = [-L(w-3h) + 9 L(w-2h) - 45 L(w-h) + 45 L(w+h) - 9 L(w+2h) + L(w+3h)] / (60 h)

whose truncation error (O(h^6)) and rounding error both stay near 1e-13 in
float64 with h = 3e-3, so a correct BPTT shows relative errors of about 1e-9
or less (the plain two-point quotient cannot go below about 1e-7).  The
relative error of a coordinate is ``|a - n| / max(1e-8, |a| + |n|)``; a
coordinate where both a and n lie below the rounding error of the
difference quotient itself (``ROUNDING * max|L| / h``, about 3e-12 for a loss
near 1) counts as agreeing: a gradient that is exactly 0 (a token that never
occurs) would otherwise be compared with pure rounding noise.
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
#: offset (in units of h) -> weight of the sixth-order central difference
STENCIL = {-3: -1 / 60, -2: 3 / 20, -1: -3 / 4, 1: 3 / 4, 2: -3 / 20, 3: 1 / 60}
#: generous bound on the rounding error of the quotient, in units of max|L| / h:
#: sum |weights| eps, times 20 for BLAS summation order changing between calls
ROUNDING = 20 * sum(map(abs, STENCIL.values())) * np.finfo(np.float64).eps


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
    """``|a - n| / max(1e-8, |a| + |n|)``; 0 where both |a| and |n| are at most ``noise``."""
    err = np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))
    return np.where((np.abs(a) <= noise) & (np.abs(n) <= noise), 0.0, err)


def _call(fn, X, targets, mask, **extra):
    # a submission without masks need not accept the argument
    return fn(X, targets, **extra) if mask is None else fn(X, targets, mask=mask, **extra)


def numeric_gradient(model, name: str, coords: np.ndarray, X, targets, mask=None, *,
                     truncate: int | None = None, h: float = 3e-3) -> tuple[np.ndarray, float]:
    """dL/dparam at the flat indices ``coords`` by the central difference ``STENCIL``, and its rounding error."""
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
        total = 0.0
        for step, weight in STENCIL.items():
            flat[i] = w + step * h
            f = float(_call(model.loss, X, targets, mask, **extra))
            largest = max(largest, abs(f))
            total += weight * f
        flat[i] = w
        out[j] = total / h
    return out, ROUNDING * largest / h


def check_gradients(model, X, targets, mask=None, *, truncate: int | None = None, max_coords: int = 200,
                    seed: int = 0, h: float = 3e-3, tolerance: float = TOLERANCE,
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


def random_problem(n: int, m: int, *, batch: int, steps: int, loss: str, output: str, tokens: bool = False,
                   masked: bool = False, rng: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A random mini-batch ``(X, targets, mask)`` to check gradients on.

    ``tokens``: X is (B, T) ids below n instead of (B, T, n) Gaussian inputs.
    ``masked``: left-padded sequences of random lengths 1..T (the first one full).
    """
    rng = np.random.default_rng(rng)
    X = rng.integers(0, n, (batch, steps)) if tokens else rng.standard_normal((batch, steps, n))
    shape = (batch,) if output == "last" else (batch, steps)
    if loss == "ce":
        targets = rng.integers(0, m, shape)
    elif loss == "bce":
        targets = rng.integers(0, 2, shape)
    else:
        targets = rng.standard_normal(shape + (m,))
    mask = None
    if masked:
        lengths = rng.integers(1, steps + 1, batch)
        lengths[0] = steps
        mask = np.arange(steps)[None, :] >= (steps - lengths)[:, None]
    return X, targets, mask
