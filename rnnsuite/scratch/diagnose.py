"""Naming the usual BPTT mistake from a failed gradient check.

Two kinds of evidence:

* the per-parameter pattern: one ratio analytic/numeric shared by every
  parameter means the loss and its gradient are scaled differently (-1: the
  sign is flipped); V and b_y right while W, U, b_h are wrong puts the bug in
  the recurrent part of the backward pass;
* fingerprints, for the recurrent part: the reference FRNN, given the model's
  parameters, computes the gradients that each known mistake would produce
  (gradient not carried through time, tanh derivative missing, U used
  untransposed); the one the model's gradients match is the diagnosis.
"""
from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np

from rnnsuite.scratch.frnn import FRNN, OUTPUTS, PARAM_NAMES
from rnnsuite.scratch.losses import LOSSES

OUTPUT_PARAMS = ("V", "b_y")
RECURRENT_PARAMS = ("W", "U", "b_h")

AGREE = "all gradients agree with finite differences"
SIGN = ("sign flipped: the analytic gradient is minus the true one for every parameter "
        "(e = d - y used as dL/dy, or an update added where it is subtracted)")
NOT_FINITE = "the analytic gradient is missing or not finite for: {names}"
OUTPUT_WRONG = ("the output layer's gradients (V, b_y) are wrong: check dL/dy "
                "(softmax p - onehot for cross-entropy, y - d for squared error) and dV = sum dL/dy h^T")
RECURRENT = ("V and b_y are right but {names} are wrong: the error is in the backward pass through "
             "the recurrence (delta_t = (1 - h_t^2) * (V^T dL/dy_t + U^T delta_{{t+1}}))")
OTHER = "gradients disagree with finite differences for: {names}"


class _Mistake(FRNN):
    """The reference FRNN with one known BPTT mistake switched on."""

    mistake = ""

    def _dtanh(self, h):
        return np.ones_like(h) if self.mistake == "no_tanh_prime" else super()._dtanh(h)

    def _carry(self, delta):
        if self.mistake == "no_carry":
            return np.zeros_like(delta)
        if self.mistake == "untransposed":
            return delta @ self.params["U"].T
        return super()._carry(delta)


MISTAKES = {
    "no_carry": "gradient not carried through time: delta_t gets no U^T delta_{t+1} term "
                "(only the step of each output contributes)",
    "no_tanh_prime": "tanh derivative missing: delta_t must be multiplied by phi'(v_t) = 1 - h_t^2",
    "untransposed": "U used untransposed in the backward pass: the error goes back through U^T, "
                    "not U (in row form: delta @ U, not delta @ U.T)",
}


def _call(fn, X, targets, mask, **extra):
    return fn(X, targets, **extra) if mask is None else fn(X, targets, mask=mask, **extra)


def reference_like(model: Any, X, targets, mask=None) -> FRNN | None:
    """A reference FRNN with the model's parameters, output mode and loss, or None.

    The output mode and loss come from the model's ``output`` and ``loss_name``
    attributes when it has them; otherwise the configuration whose loss equals
    the model's own loss on (X, targets) is taken.
    """
    params = getattr(model, "params", None)
    if not isinstance(params, dict) or any(name not in params for name in PARAM_NAMES):
        return None
    outputs = [getattr(model, "output", None)] if getattr(model, "output", None) in OUTPUTS else list(OUTPUTS)
    losses = [getattr(model, "loss_name", None)] if getattr(model, "loss_name", None) in LOSSES else list(LOSSES)
    try:
        own = float(_call(model.loss, X, targets, mask))
    except Exception:  # noqa: BLE001 - a broken submission may raise anything
        own = None
    for output, loss in product(outputs, losses):
        try:
            ref = FRNN.from_params(params, output=output, loss=loss)
            if len(outputs) * len(losses) == 1:
                return ref
            if own is not None and abs(float(_call(ref.loss, X, targets, mask)) - own) <= 1e-9 * max(1.0, abs(own)):
                return ref
        except (ValueError, IndexError, TypeError):
            continue
    return None


def _matches(grads: dict[str, np.ndarray], analytic: dict[str, np.ndarray], tol: float = 1e-6) -> bool:
    for name in PARAM_NAMES:
        a, g = analytic.get(name), grads[name]
        if a is None or np.shape(a) != g.shape:
            return False
        if np.any(np.abs(a - g) > tol * np.maximum(1e-8, np.abs(a) + np.abs(g))):
            return False
    return True


def fingerprint(model: Any, analytic: dict[str, np.ndarray], X, targets, mask=None,
                truncate: int | None = None) -> str | None:
    """The known mistake whose gradients equal ``analytic``, or None."""
    ref = reference_like(model, X, targets, mask)
    if ref is None:
        return None
    for mistake in MISTAKES:
        mutant = _Mistake.from_params(ref.params, output=ref.output, loss=ref.loss_name)
        mutant.mistake = mistake
        _, grads = mutant.loss_and_grads(X, targets, mask, truncate=truncate)
        if _matches(grads, analytic):
            return mistake
    return None


def _common_ratio(result) -> float | None:
    """The ratio analytic/numeric when one ratio fits every parameter, else None."""
    ratios = [p.ratio for p in result.params if np.isfinite(p.ratio)]
    if len(ratios) != len(result.params) or not ratios:
        return None
    r = float(np.median(ratios))
    if r == 0 or any(abs(x - r) > 1e-4 * abs(r) for x in ratios):
        return None
    for name, (coords, n) in result.numeric.items():
        a = np.asarray(result.analytic[name], dtype=np.float64).reshape(-1)[coords]
        if np.any(np.abs(a - r * n) > 1e-4 * np.maximum(1e-8, np.abs(a) + np.abs(r * n))):
            return None
    return r


def _scale_hint(r: float, sizes: dict[str, int]) -> str:
    """Name the size the ratio equals, e.g. B: a sum over the batch where the loss takes the mean."""
    for symbol, size in sizes.items():
        if size > 1 and abs(r - size) <= 1e-3 * size:
            return f" (= {symbol}: the gradient sums over {symbol} where the loss averages)"
        if size > 1 and abs(r - 1 / size) <= 1e-3 / size:
            return f" (= 1/{symbol}: the gradient averages over {symbol} where the loss sums)"
    return ""


def diagnose(model: Any, result, X=None, targets=None, mask=None) -> str:
    """One line naming the likeliest mistake behind a gradient check's result."""
    if result.passed:
        return AGREE
    bad = [p.name for p in result.params if not p.passed]
    missing = [name for name in (p.name for p in result.params)
               if name not in result.analytic or not np.all(np.isfinite(result.analytic[name]))]
    if missing:
        return NOT_FINITE.format(names=", ".join(missing))
    r = _common_ratio(result)
    if r is not None:
        if abs(r + 1) <= 1e-3:
            return SIGN
        shape = np.shape(X) if X is not None else ()
        hint = _scale_hint(r, {"B": shape[0], "T": shape[1]} if len(shape) >= 2 else {})
        return (f"loss scaling: every gradient is {r:.6g} times the true one{hint}; "
                "the loss and its gradient are normalised differently")
    names = set(p.name for p in result.params)
    if set(PARAM_NAMES) <= names and not set(bad) & set(OUTPUT_PARAMS):
        mistake = None
        if X is not None:
            mistake = fingerprint(model, result.analytic, X, targets, mask, truncate=result.truncate)
        if mistake:
            return MISTAKES[mistake]
        return RECURRENT.format(names=", ".join(n for n in RECURRENT_PARAMS if n in bad))
    if set(bad) & set(OUTPUT_PARAMS):
        return OUTPUT_WRONG
    return OTHER.format(names=", ".join(bad))
