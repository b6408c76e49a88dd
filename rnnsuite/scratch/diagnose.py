"""Naming the BPTT mistake behind wrong gradients.

:func:`name_mistake` works on numbers only -- the parameters, the data and a
student's gradients; it never calls the student's code -- and compares the
gradients with the reference engine's at the same point:

1. a gradient that is missing, not finite or of the wrong shape is named;
2. equal to the reference (to ``SAME``, relative): nothing to name;
3. one ratio for every parameter: -1 is a flipped sign, anything else a loss
   scaling, named B, T, ... when it equals one of them;
4. fingerprints: the gradients each known mistake produces at this point,
   computed by the reference engine with the mistake switched on
   (:class:`_Mistake`), or by summing the reference's deltas the wrong way
   (biases, off-by-one pairings, overwritten token ids); the one that equals
   the student's gradients is the diagnosis;
5. otherwise per-parameter patterns: gradients that are a multiple of the
   right ones, the output layer or the recurrence.

:func:`diagnose` explains a failed gradient check (``rnnsuite gradcheck``,
the gradient grader) with the same fingerprints, at the model's parameters.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import product
from typing import Any, Iterator, Mapping

import numpy as np

from rnnsuite.scratch.frnn import FRNN, OUTPUTS, PARAM_NAMES, _Cache, _check_truncate
from rnnsuite.scratch.losses import LOSSES

OUTPUT_PARAMS = ("V", "b_y")
RECURRENT_PARAMS = ("W", "U", "b_h")
#: gradients equal to this relative tolerance count as the same
SAME = 1e-7

AGREE = "all gradients agree with finite differences"
SIGN = ("sign flipped: the analytic gradient is minus the true one for every parameter "
        "(e = d - y used as dL/dy, or an update added where it is subtracted)")
NOT_FINITE = "the analytic gradient is missing or not finite for: {names}"
WRONG_SHAPE = "the analytic gradient of {name} has shape {got}, expected {expected}, the shape of {name} itself"
SCALING = ("loss scaling: every gradient is {ratio:.6g} times the true one{hint}; "
           "the loss and its gradient are normalised differently")
SCALED = "d{name} is {ratio:.6g} times the true gradient{hint}"
SCALED_ONLY = "{parts}; the other gradients are right: look for a stray factor where these are computed"
OUTPUT_WRONG = ("the output layer's gradients (V, b_y) are wrong: check dL/dy "
                "(softmax p - onehot for cross-entropy, y - d for squared error) and dV = sum dL/dy h^T")
RECURRENT = ("V and b_y are right but {names} are wrong: the error is in the backward pass through "
             "the recurrence (delta_t = (1 - h_t^2) * (V^T dL/dy_t + U^T delta_{{t+1}}))")
OTHER = "gradients disagree with finite differences for: {names}"
LOSS_DIFFERS = ("the analytic gradients equal the reference BPTT's, but finite differences of loss() do not: "
                "loss() computes another function than the one loss_and_grads differentiates "
                "(check its mean, its mask and which outputs it scores)")
STATE_BETWEEN_CALLS = ("the loss changes between two calls on the same data: state is kept across calls; "
                       "h_0 must be 0 at the start of every batch (do not keep h_T on the object)")
TRUNCATED_TO = ("wrong truncation length: the gradients are BPTT truncated to {found} steps, but {asked} were asked; "
                "the gradient of y_t must reach delta of steps t-k+1 .. t, k = {asked} steps counting step t")
NOT_TRUNCATED = ("truncation ignored: the gradients are full BPTT, but truncate={asked} was asked; the gradient "
                 "of y_t must stop after {asked} steps (delta of steps t-k+1 .. t only)")
SWEEP_CUT = ("truncation cuts the whole backward sweep after {asked} steps: with an output at every step, each "
             "y_t's gradient must flow back {asked} steps from its own step t (delta of steps t-k+1 .. t), "
             "so every step gets a delta")
BIAS = "{names} not summed over time: {formulas} add up every step of every sequence; yours {how}"
BIAS_WAYS = {
    "first": "keeps step 1 only (an = where += belongs, in a loop that runs back from T to 1)",
    "last": "keeps step T only",
    "mean": "averages over the T steps",
}

MISTAKES = {
    "no_carry": "gradient not carried through time: delta_t gets no U^T delta_{t+1} term "
                "(only the step of each output contributes)",
    "no_tanh_prime": "tanh derivative missing: delta_t must be multiplied by phi'(v_t) = 1 - h_t^2",
    "untransposed": "U used untransposed in the backward pass: the error goes back through U^T, "
                    "not U (in row form: delta @ U, not delta @ U.T)",
    "tanh_prime_previous": "tanh' taken at the wrong step: delta_t = dL/dh_t * (1 - h_t^2) with h_t, the state "
                           "step t produced, not h_{t-1}",
    "tanh_prime_next": "tanh' taken at the wrong step: delta_t = dL/dh_t * (1 - h_t^2) with h_t, the state "
                       "step t produced, not h_{t+1}",
    "mask_ignored_backward": "the mask is ignored in the backward pass: a padded step must pass dL/dh_t to "
                             "h_{t-1} unchanged and get delta_t = 0 (no share of dW, dU, db_h)",
    "mask_ignored": "the mask is ignored: a padded step (mask False) must carry the state, h_t = h_{t-1}, "
                    "score no output, and in the backward pass get delta_t = 0 and pass dL/dh_t on unchanged",
    "stale_state": "the state is carried over from the previous call: h_0 must be 0 at the start of every "
                   "batch, not the h_T the last call ended with (reset it in forward, do not keep it on the object)",
    "dU_h_t": "off by one in time in dU: dU = sum_t delta_t h_{t-1}^T pairs delta_t with the state step t "
              "started from, h_{t-1}, not the one it produced, h_t",
    "dW_x_next": "off by one in time in dW: dW = sum_t delta_t x_t^T pairs delta_t with the input of its own "
                 "step, x_t, not x_{t+1}",
    "dW_x_previous": "off by one in time in dW: dW = sum_t delta_t x_t^T pairs delta_t with the input of its own "
                     "step, x_t, not x_{t-1}",
    "tokens_overwritten": "repeated token ids overwrite each other in dW: dW[:, ids] += delta.T keeps one "
                          "occurrence of an id that appears several times; every occurrence must add its delta_t "
                          "(np.add.at(dW.T, ids, delta))",
}


class _Mistake(FRNN):
    """The reference FRNN with one known BPTT mistake switched on (``mistake``, a key of MISTAKES)."""

    mistake = ""

    def _dtanh(self, h):
        return np.ones_like(h) if self.mistake == "no_tanh_prime" else super()._dtanh(h)

    def _dphi(self, H):
        if self.mistake == "tanh_prime_previous":
            return self._dtanh(H[:-1])  # 1 - h_{t-1}^2
        if self.mistake == "tanh_prime_next":
            return self._dtanh(np.concatenate([H[2:], np.zeros_like(H[:1])]))  # 1 - h_{t+1}^2, past T: h = 0
        return super()._dphi(H)

    def _carry(self, delta):
        if self.mistake == "no_carry":
            return np.zeros_like(delta)
        if self.mistake == "untransposed":
            return delta @ self.params["U"].T
        return super()._carry(delta)

    def _truncation(self, T, truncate):
        if self.mistake == "sweep_cut" and truncate is not None and truncate < T:
            return 0, T - truncate  # one sweep over the last k steps, as for a single output
        return super()._truncation(T, truncate)


DELTA_MISTAKES = ("no_carry", "no_tanh_prime", "untransposed", "tanh_prime_previous", "tanh_prime_next")


@dataclass
class _Reference:
    """The reference engine's forward pass, output errors, deltas and gradients at one point."""

    model: FRNN
    X: Any
    targets: Any
    mask: Any
    truncate: int | None
    cache: _Cache
    dY: np.ndarray
    D: np.ndarray
    grads: dict[str, np.ndarray]

    @classmethod
    def at(cls, model: FRNN, X, targets, mask, truncate) -> "_Reference":
        cache = model._forward(X, mask)
        _, dY = model._loss_rows(cache.Y, targets, cache.mask)
        D = model._deltas(cache, dY, truncate)
        return cls(model, X, targets, mask, truncate, cache, dY, D, model._sums(cache, dY, D))

    def summed(self, D: np.ndarray, model: FRNN | None = None) -> dict[str, np.ndarray]:
        """The gradients the deltas D give, with this point's states and output errors."""
        return (model or self.model)._sums(self.cache, self.dY, D)

    def with_(self, **changed: np.ndarray) -> dict[str, np.ndarray]:
        return {**self.grads, **changed}


# -- comparing gradients -------------------------------------------------------
def _same(a: np.ndarray, g: np.ndarray, rtol: float = SAME) -> bool:
    """a equals g elementwise to rtol, relative to |a| + |g| plus a floor at 1e-6 of g's largest entry."""
    floor = 1e-6 * float(np.max(np.abs(g), initial=0.0))
    return bool(np.all(np.abs(a - g) <= rtol * (np.abs(a) + np.abs(g) + floor)))


def _all_same(analytic: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> bool:
    return all(_same(analytic[name], grads[name]) for name in PARAM_NAMES)


def _ratio(a: np.ndarray, g: np.ndarray) -> float | None:
    """r when a = r g (r not 0 or 1), else None."""
    gg = float(np.vdot(g, g))
    if gg == 0:
        return None
    r = float(np.vdot(a, g)) / gg
    if abs(r) < 1e-12 or abs(r - 1) <= 1e-6 or not _same(a, r * g, rtol=1e-6):
        return None
    return r


def _usable(analytic: Any, grads: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], str | None]:
    """The gradients as float64 arrays, or a line naming those that are missing, not finite or misshapen."""
    analytic = analytic if isinstance(analytic, Mapping) else {}
    arrays, missing = {}, []
    for name in PARAM_NAMES:
        try:
            arrays[name] = np.asarray(analytic[name], dtype=np.float64)
        except (KeyError, TypeError, ValueError):
            missing.append(name)
            continue
        if not np.all(np.isfinite(arrays[name])):
            missing.append(name)
    if missing:
        return arrays, NOT_FINITE.format(names=", ".join(missing))
    for name in PARAM_NAMES:
        if arrays[name].shape != grads[name].shape:
            return arrays, WRONG_SHAPE.format(name=name, got=arrays[name].shape, expected=grads[name].shape)
    return arrays, None


def _sizes(X, output: str, mask) -> dict[str, tuple[int, str]]:
    """The sizes a loss scaling may equal: symbol -> (size, what a sum over it runs over)."""
    shape = np.shape(X)
    if len(shape) < 2:
        return {}
    B, T = shape[:2]
    sizes = {"B": (B, "the batch"), "T": (T, "the steps")}
    if output == "all":
        sizes["B·T"] = (B * T, "the batch and the steps")
        if mask is not None:
            sizes["N"] = (int(np.sum(mask)), "the N real (unpadded) steps")
    return sizes


def _scale_hint(r: float, sizes: Mapping[str, tuple[int, str]]) -> str:
    """Name the size the ratio equals, e.g. B: a sum over the batch where the loss takes the mean."""
    for symbol, (size, what) in sizes.items():
        if size > 1 and abs(r - size) <= 1e-3 * size:
            return f" (= {symbol}: the gradient sums over {what} where the loss averages)"
        if size > 1 and abs(r - 1 / size) <= 1e-3 / size:
            return f" (= 1/{symbol}: the gradient averages over {what} where the loss sums)"
    return ""


def _scaling(analytic, grads, sizes) -> str | None:
    """The line for one ratio shared by every gradient (-1: the sign), or None."""
    a = np.concatenate([analytic[name].ravel() for name in PARAM_NAMES])
    g = np.concatenate([grads[name].ravel() for name in PARAM_NAMES])
    r = _ratio(a, g)
    if r is None or not all(_same(analytic[name], r * grads[name], rtol=1e-6) for name in PARAM_NAMES):
        return None
    if abs(r + 1) <= 1e-6:
        return SIGN
    return SCALING.format(ratio=r, hint=_scale_hint(r, sizes))


# -- fingerprints ----------------------------------------------------------------
def _bias_fingerprints(ref: _Reference) -> Iterator[tuple[str, dict[str, np.ndarray]]]:
    """db_h (and db_y with an output at every step) kept from one step, or averaged, instead of summed over time."""
    per_step = {"b_h": ref.D.sum(axis=1)}  # (T, k): sum over the batch of delta_t
    if ref.model.output == "all":
        per_step["b_y"] = ref.dY.sum(axis=1)  # (T, m)
    formulas = {"b_h": "db_h = sum_t delta_t", "b_y": "db_y = sum_t dL/dy_t"}
    pick = {"first": lambda s: s[0], "last": lambda s: s[-1], "mean": lambda s: s.mean(axis=0)}
    for way, names in product(BIAS_WAYS, (("b_h",), ("b_y",), ("b_h", "b_y"))):
        if all(name in per_step for name in names):
            line = BIAS.format(names=" and ".join(f"d{name}" for name in names),
                               formulas=" and ".join(formulas[name] for name in names), how=BIAS_WAYS[way])
            yield line, ref.with_(**{name: pick[way](per_step[name]) for name in names})


def _last_occurrences(ids: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """(n, k): each id's row from its last occurrence only -- what numpy's ``a[ids] += rows`` leaves."""
    _, from_end = np.unique(ids[::-1], return_index=True)
    keep = len(ids) - 1 - from_end
    out = np.zeros((n, rows.shape[1]))
    out[ids[keep]] = rows[keep]
    return out


def _sum_fingerprints(ref: _Reference) -> Iterator[tuple[str, dict[str, np.ndarray]]]:
    """Mistakes in the sums over time, from the reference's own deltas."""
    model, cache, D = ref.model, ref.cache, ref.D
    yield from _bias_fingerprints(ref)
    k = model.k
    yield MISTAKES["dU_h_t"], ref.with_(U=D.reshape(-1, k).T @ cache.H[1:].reshape(-1, k))
    none = np.zeros_like(D[:1])
    # delta_t paired with x_{t+1} is delta_{s-1} paired with x_s, and the other way round
    for mistake, shifted in (("dW_x_next", np.concatenate([none, D[:-1]])),
                             ("dW_x_previous", np.concatenate([D[1:], none]))):
        yield MISTAKES[mistake], ref.with_(W=model._input_sum(shifted, cache.inputs, cache.tokens))
    if cache.tokens:
        ids = cache.inputs  # (T, B)
        per_step = sum(_last_occurrences(ids[t], D[t], model.n) for t in range(len(ids)))
        time_major = _last_occurrences(ids.reshape(-1), D.reshape(-1, k), model.n)
        batch_major = _last_occurrences(ids.T.reshape(-1), D.transpose(1, 0, 2).reshape(-1, k), model.n)
        for dW_T in (per_step, batch_major, time_major):
            yield MISTAKES["tokens_overwritten"], ref.with_(W=dW_T.T)


def _fingerprints(ref: _Reference, previous) -> Iterator[tuple[str, dict[str, np.ndarray]]]:
    """(line, gradients) for every known mistake that can show at this point, most specific first."""
    model, truncate = ref.model, ref.truncate
    if ref.cache.mask is not None:
        yield MISTAKES["mask_ignored_backward"], ref.summed(model._deltas(replace(ref.cache, mask=None), ref.dY,
                                                                          truncate))
        yield MISTAKES["mask_ignored"], model.loss_and_grads(ref.X, ref.targets, None, truncate=truncate)[1]
    if previous is not None:
        stale = _stale_state_grads(ref, previous)
        if stale is not None:
            yield MISTAKES["stale_state"], stale
    mutant = _Mistake.from_params(model.params, output=model.output, loss=model.loss_name)
    if truncate is not None:
        steps = ref.D.shape[0]
        for found in (truncate - 1, truncate + 1, None):
            if found is None or 0 < found < steps:  # truncated to T or more steps is full BPTT: None
                line = (NOT_TRUNCATED.format(asked=truncate) if found is None else
                        TRUNCATED_TO.format(found=found, asked=truncate))
                yield line, ref.summed(model._deltas(ref.cache, ref.dY, found))
        if model.output == "all":
            mutant.mistake = "sweep_cut"
            yield SWEEP_CUT.format(asked=truncate), ref.summed(mutant._deltas(ref.cache, ref.dY, truncate), mutant)
    for mistake in DELTA_MISTAKES:
        mutant.mistake = mistake
        yield MISTAKES[mistake], ref.summed(mutant._deltas(ref.cache, ref.dY, truncate), mutant)
    yield from _sum_fingerprints(ref)


def _stale_state_grads(ref: _Reference, previous) -> dict[str, np.ndarray] | None:
    """The gradients with h_0 = the h_T of the previous call (itself started from 0), or None if it cannot apply."""
    try:
        X_prev, mask_prev = previous
    except (TypeError, ValueError):
        raise ValueError("previous must be (X, mask) of the call made before, mask None if unmasked") from None
    model = ref.model
    h0 = model._forward(X_prev, mask_prev).H[-1]
    if not h0.any() or h0.shape[0] not in (1, ref.cache.H.shape[1]):
        return None  # nothing stale, or a batch size a student's state could not have been reused with
    cache = model._forward(ref.X, ref.mask, h0)
    _, dY = model._loss_rows(cache.Y, ref.targets, cache.mask)
    return model._backward(cache, dY, ref.truncate)


def _per_parameter(analytic, grads, sizes) -> str:
    """The line when no fingerprint fits: which gradients are wrong, and how."""
    bad = [name for name in PARAM_NAMES if not _same(analytic[name], grads[name])]
    ratios = {name: _ratio(analytic[name], grads[name]) for name in bad}
    if all(r is not None for r in ratios.values()):
        parts = [SCALED.format(name=name, ratio=r, hint=_scale_hint(r, sizes)) for name, r in ratios.items()]
        return SCALED_ONLY.format(parts="; ".join(parts))
    if set(bad) & set(OUTPUT_PARAMS):
        return OUTPUT_WRONG
    return RECURRENT.format(names=", ".join(bad))


def name_mistake(params: Mapping[str, np.ndarray], analytic: Any, X, targets, mask=None, *, output: str,
                 loss: str, truncate: int | None = None, previous: tuple[Any, Any] | None = None) -> str | None:
    """One line naming the likeliest mistake behind the gradients ``analytic``, or None when they are right.

    ``params``: W, U, V, b_h, b_y, the point the gradients were computed at;
    ``analytic``: name -> gradient (some may be missing or misshapen); ``X``,
    ``targets``, ``mask``, ``output``, ``loss``, ``truncate``: the call that
    produced them; ``previous``: ``(X, mask)`` of the call made just before
    on the same object, with the same parameters, to recognise a state kept
    across calls (the student's h_0 was that call's h_T).  Only numbers are
    used: nothing here calls the student's code.  Raises ValueError for
    arguments the reference engine cannot run.
    """
    if output not in OUTPUTS or loss not in LOSSES:
        raise ValueError(f"output must be one of {OUTPUTS} and loss one of {tuple(LOSSES)}")
    truncate = None if truncate is None else _check_truncate(truncate)
    model = FRNN.from_params(params, output=output, loss=loss)
    if not all(np.all(np.isfinite(p)) for p in model.params.values()) or not np.all(np.isfinite(np.asarray(X))):
        raise ValueError("the parameters and inputs to diagnose at must be finite")
    ref = _Reference.at(model, X, targets, mask, truncate)
    analytic, problem = _usable(analytic, ref.grads)
    if problem:
        return problem
    if _all_same(analytic, ref.grads):
        return None
    sizes = _sizes(X, output, ref.cache.mask)
    line = _scaling(analytic, ref.grads, sizes)
    if line:
        return line
    for line, grads in _fingerprints(ref, previous):
        if _all_same(analytic, grads):
            return line
    return _per_parameter(analytic, ref.grads, sizes)


# -- explaining a failed gradient check --------------------------------------------
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


def _loss_changes_between_calls(model: Any, X, targets, mask) -> bool:
    """Two calls of the model's loss on the same data disagree (state kept on the object)."""
    try:
        first, second = (float(_call(model.loss, X, targets, mask)) for _ in range(2))
    except Exception:  # noqa: BLE001 - a broken submission may raise anything
        return False
    return abs(first - second) > 1e-12 * max(1.0, abs(first))


def _common_ratio(result) -> float | None:
    """The ratio analytic/numeric when one ratio fits every checked coordinate, else None.

    Coordinates below 1e-6 of their parameter's largest numeric derivative are
    let through: there a difference quotient is mostly rounding noise (a token
    that never occurs has an exact 0 against noise).
    """
    ratios = [p.ratio for p in result.params if np.isfinite(p.ratio)]
    if len(ratios) != len(result.params) or not ratios:
        return None
    r = float(np.median(ratios))
    if r == 0 or any(abs(x - r) > 1e-4 * abs(r) for x in ratios):
        return None
    for name, (coords, n) in result.numeric.items():
        a = np.asarray(result.analytic[name], dtype=np.float64).reshape(-1)[coords]
        floor = 1e-6 * float(np.max(np.abs(r * n), initial=0.0))
        if np.any(np.abs(a - r * n) > 1e-4 * (np.abs(a) + np.abs(r * n) + floor)):
            return None
    return r


def _pattern(result, X) -> str:
    """The diagnosis from the check's numbers alone, when the reference cannot be replayed."""
    bad = [p.name for p in result.params if not p.passed]
    r = _common_ratio(result)
    if r is not None:
        if abs(r + 1) <= 1e-3:
            return SIGN
        return SCALING.format(ratio=r, hint=_scale_hint(r, _sizes(X, "last", None) if X is not None else {}))
    if set(bad) & set(OUTPUT_PARAMS):
        return OUTPUT_WRONG
    if set(PARAM_NAMES) <= {p.name for p in result.params}:
        return RECURRENT.format(names=", ".join(n for n in RECURRENT_PARAMS if n in bad))
    return OTHER.format(names=", ".join(bad))


def diagnose(model: Any, result, X=None, targets=None, mask=None) -> str:
    """One line naming the likeliest mistake behind a gradient check's result."""
    if result.passed:
        return AGREE
    missing = [name for name in (p.name for p in result.params)
               if name not in result.analytic or not np.all(np.isfinite(result.analytic[name]))]
    if missing:
        return NOT_FINITE.format(names=", ".join(missing))
    if X is not None:
        if _loss_changes_between_calls(model, X, targets, mask):
            return STATE_BETWEEN_CALLS
        ref = reference_like(model, X, targets, mask)
        if ref is not None:
            try:
                line = name_mistake(ref.params, result.analytic, X, targets, mask, output=ref.output,
                                    loss=ref.loss_name, truncate=result.truncate)
            except ValueError:  # data the reference cannot run: fall back on the pattern
                line = _pattern(result, X)
            return line or LOSS_DIFFERS
    return _pattern(result, X)
