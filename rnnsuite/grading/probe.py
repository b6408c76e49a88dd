"""The questions a scratch model answers for the graders, and the evidence the parent checks.

A scratch submission's FRNN is questioned in the grading child (or, for
``rnnsuite check``, in-process); the parent checks the answers with its own
reference engine and never runs the submission's code::

    cases   = plan(seed, shapes, scratch, n, m)   # both sides, from a seed chosen per submission
    answers = ask(model, cases)                   # child: the student's forward, loss, BPTT, losses
    evidence = ScratchEvidence(...)               # parent: cases rebuilt, answers validated

The cases exercise every path the assignment trains with: token ids with
repeats or real vectors, left-padding masks, outputs at every step,
truncation, a random initial state h0 where the assignment carries the
state between chunks (``ScratchSpec.carry_state``), and a second call right
after the first with other inputs (a state kept across calls shows up there).  The parameters are the parent's,
drawn in the student's own hidden size k; n and m must be the assignment's.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from rnnsuite.scratch.frnn import FRNN, PARAM_NAMES
from rnnsuite.scratch.gradcheck import STENCIL
from rnnsuite.types import ScratchSpec

#: finite-difference step of the coordinates checked against the student's own loss
STEP = 3e-3
#: coordinates per parameter checked by finite differences (all are checked against the reference)
FD_COORDS = 12
MAX_HIDDEN = 4096
MAX_ELEMENTS = 20_000_000


class ProbeError(Exception):
    """The model cannot be questioned (one line: why)."""


@dataclass
class ProbeCase:
    """One question: the parameters to hold, the data, and the calls to make."""

    params: dict[str, np.ndarray]
    X: np.ndarray
    targets: np.ndarray
    mask: np.ndarray | None = None
    truncate: int | None = None
    coords: dict[str, np.ndarray] = field(default_factory=dict)  # flat indices for finite differences
    h0: np.ndarray | None = None  # the state before the first step (carry_state assignments), (B, k)

    def reference(self, scratch: ScratchSpec) -> FRNN:
        return FRNN.from_params(self.params, output=scratch.output, loss=scratch.loss)

    def kw(self, **extra) -> dict:
        """The keyword arguments of the calls: the mask and h0 where the case has them, and ``extra``."""
        return _kw(self.mask, h0=self.h0, **extra)


@dataclass
class Answer:
    """The student's answers to one case; a call that raised leaves its error instead."""

    y: np.ndarray | None = None
    loss: float | None = None
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    grads_loss: float | None = None  # the loss loss_and_grads returned
    fd_losses: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (coords, len(STENCIL))
    errors: dict[str, str] = field(default_factory=dict)  # call -> one-line error


@dataclass
class ScratchEvidence:
    """What the scratch graders check: the cases, the answers, the trained parameters.

    Everything here was either chosen by the parent (cases) or validated by it
    (shapes, finite numbers); ``predictions_agree`` and the metrics come from
    the parent's own reference FRNN holding the trained parameters.
    """

    scratch: ScratchSpec
    seed: int
    cases: list[ProbeCase] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    trained: dict[str, np.ndarray] | None = None
    trained_error: str = ""  # why the trained parameters could not be re-run
    reference_predictions: Any = None  # the course's FRNN holding ``trained``, on the test inputs
    predictions_agree: float | None = None  # share of the submission's predictions the reference reproduces
    backward_cost: float | None = None  # time of loss_and_grads / time of loss, measured in the child
    borrowed: str = ""  # what of the suite's own engine the submission imports
    error: str = ""  # why the model could not be questioned


# -- the plan, identical on both sides -----------------------------------------
def check_shapes(shapes: Any, n: int, m: int) -> dict[str, tuple[int, ...]]:
    """The parameter shapes as the course writes them, with the assignment's n and m.

    :raises ProbeError: a missing parameter, a shape that does not fit W k x n,
        U k x k, V m x k, b_h k, b_y m, or sizes out of range.
    """
    try:
        s = {name: tuple(int(d) for d in shapes[name]) for name in PARAM_NAMES}
    except (KeyError, TypeError, ValueError):
        raise ProbeError(f"params must hold {', '.join(PARAM_NAMES)}") from None
    k = s["U"][0] if len(s["U"]) == 2 else 0
    expected = {"W": (k, n), "U": (k, k), "V": (m, k), "b_h": (k,), "b_y": (m,)}
    wrong = [f"{name} {s[name]} (expected {expected[name]})" for name in PARAM_NAMES if s[name] != expected[name]]
    if wrong:
        raise ProbeError(f"parameter shapes do not fit this assignment (n = {n}, m = {m}): " + ", ".join(wrong))
    if not 1 <= k <= MAX_HIDDEN or sum(int(np.prod(v)) for v in s.values()) > MAX_ELEMENTS:
        raise ProbeError(f"hidden size k = {k} is out of range (1..{MAX_HIDDEN})")
    return s


def _params(rng: np.random.Generator, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    (k, n), m = shapes["W"], shapes["V"][0]
    return {"W": rng.standard_normal((k, n)) / np.sqrt(min(n, 8)),
            "U": rng.standard_normal((k, k)) / np.sqrt(k),
            "V": rng.standard_normal((m, k)) / np.sqrt(k),
            "b_h": 0.3 * rng.standard_normal(k),
            "b_y": 0.3 * rng.standard_normal(m)}


def _inputs(rng: np.random.Generator, scratch: ScratchSpec, n: int, B: int, T: int) -> tuple[np.ndarray, Any]:
    if scratch.inputs == "tokens":  # ids 1..n-1 with repeats; 0 is the padding id, as the assignments pad
        low = 1 if n > 1 else 0
        pool = rng.integers(low, n, 3)
        X = np.where(rng.random((B, T)) < 0.6, rng.choice(pool, (B, T)), rng.integers(low, n, (B, T)))
    else:
        X = rng.standard_normal((B, T, n))
    mask = None
    if scratch.masked:
        lengths = rng.integers(1, T + 1, B)
        lengths[0] = T
        mask = np.arange(T)[None, :] >= (T - lengths)[:, None]
        if scratch.inputs == "tokens":
            X = np.where(mask, X, 0)
    return X, mask


def _targets(rng: np.random.Generator, scratch: ScratchSpec, m: int, B: int, T: int) -> np.ndarray:
    lead = (B,) if scratch.output == "last" else (B, T)
    if scratch.loss == "ce":
        return rng.integers(0, m, lead)
    if scratch.loss == "bce":
        return rng.integers(0, 2, lead)
    return rng.standard_normal(lead + (m,))


def _coords(rng: np.random.Generator, shapes, X: np.ndarray, scratch: ScratchSpec) -> dict[str, np.ndarray]:
    """Flat coordinates for finite differences; W's mostly where the token ids touch it."""
    out = {}
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        if name == "W" and scratch.inputs == "tokens":
            k, n = shape
            touched = np.unique(X)
            rows = rng.integers(0, k, FD_COORDS)
            cols = np.where(np.arange(FD_COORDS) < FD_COORDS - 2, rng.choice(touched, FD_COORDS),
                            rng.integers(0, n, FD_COORDS))
            out[name] = np.unique(rows * n + cols)
        else:
            out[name] = np.sort(rng.choice(size, min(size, FD_COORDS), replace=False))
    return out


def plan(seed: int, shapes: Mapping[str, tuple[int, ...]], scratch: ScratchSpec, n: int, m: int) -> list[ProbeCase]:
    """The cases for a model of these shapes: the same on both sides for the same seed.

    All cases hold the same parameters; the second is asked right after the
    first with other inputs (a state kept across calls shows there); a third
    is truncated where the assignment trains with truncation; a last one
    starts from a random h0 where the assignment carries the state.
    """
    shapes = check_shapes(shapes, n, m)
    rng = np.random.default_rng([seed, 1])
    params = _params(rng, shapes)
    cases = []
    for T, truncate in ((6, None), (5, None), *(((max(6, scratch.truncate + 3), scratch.truncate),)
                                                 if scratch.truncate is not None else ())):
        X, mask = _inputs(rng, scratch, n, 4, T)
        cases.append(ProbeCase(params, X, _targets(rng, scratch, m, 4, T), mask, truncate))
    cases[0].coords = _coords(rng, shapes, cases[0].X, scratch)
    if scratch.carry_state:
        X, mask = _inputs(rng, scratch, n, 4, 6)
        h0 = 0.5 * rng.standard_normal((4, shapes["U"][0]))
        cases.append(ProbeCase(params, X, _targets(rng, scratch, m, 4, 6), mask, scratch.truncate, h0=h0))
    return cases


# -- the child's side: asking the model ------------------------------------------
def scratch_object(model: Any) -> Any:
    """The model, questioned in float64 (a numpy ``dtype`` attribute, as the suite's FRNN has, is set)."""
    params = getattr(model, "params", None)
    if not isinstance(params, dict):
        raise ProbeError("the model has no params dict (W, U, V, b_h, b_y)")
    if isinstance(getattr(model, "dtype", None), np.dtype):
        model.dtype = np.dtype(np.float64)
    return model


def shapes_of(model: Any) -> dict[str, tuple[int, ...]]:
    params = scratch_object(model).params
    missing = [name for name in PARAM_NAMES if name not in params]
    if missing:
        raise ProbeError(f"params has no {', '.join(missing)}")
    return {name: tuple(np.shape(params[name])) for name in PARAM_NAMES}


def _kw(mask, **extra) -> dict:
    # a model trained without masks need not accept the argument
    return {**({} if mask is None else {"mask": mask}), **{k: v for k, v in extra.items() if v is not None}}


def _hold(model: Any, params: Mapping[str, np.ndarray]) -> None:
    for name in PARAM_NAMES:
        model.params[name] = np.array(params[name], dtype=np.float64)


def _error(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def ask(model: Any, cases: list[ProbeCase]) -> tuple[list[Answer], float | None]:
    """The model's answers to every case, in order, and the cost of its backward pass in forward passes."""
    model = scratch_object(model)
    answers, cost = [], None
    for case in cases:
        a = Answer()
        _hold(model, case.params)
        calls = {"forward": lambda: model.forward(case.X, **case.kw()),
                 "loss": lambda: model.loss(case.X, case.targets, **case.kw()),
                 "loss_and_grads": lambda: model.loss_and_grads(case.X, case.targets,
                                                                **case.kw(truncate=case.truncate))}
        for call, run in calls.items():
            _hold(model, case.params)
            try:
                value = run()
                if call == "forward":
                    a.y = np.asarray(value, dtype=np.float64)
                elif call == "loss":
                    a.loss = float(np.asarray(value, dtype=np.float64))
                else:
                    loss, grads = value
                    a.grads_loss = float(np.asarray(loss, dtype=np.float64))
                    a.grads = {name: np.asarray(grads[name], dtype=np.float64) for name in PARAM_NAMES
                               if isinstance(grads, Mapping) and name in grads}
            except Exception as exc:  # noqa: BLE001 - the answer is the error
                a.errors[call] = _error(exc)
        if case.coords and "loss" not in a.errors:
            try:
                a.fd_losses = _stencil_losses(model, case)
            except Exception as exc:  # noqa: BLE001
                a.errors["finite differences"] = _error(exc)
        if cost is None and not a.errors:
            cost = _backward_cost(model, case)
        _hold(model, case.params)
        answers.append(a)
    return answers, cost


def _stencil_losses(model: Any, case: ProbeCase) -> dict[str, np.ndarray]:
    out = {}
    for name, coords in case.coords.items():
        rows = np.empty((len(coords), len(STENCIL)))
        for i, c in enumerate(coords):
            for j, step in enumerate(STENCIL):
                _hold(model, case.params)
                model.params[name].reshape(-1)[c] += step * STEP
                rows[i, j] = float(np.asarray(model.loss(case.X, case.targets, **case.kw()), dtype=np.float64))
        out[name] = rows
    _hold(model, case.params)
    return out


def _backward_cost(model: Any, case: ProbeCase, repeats: int = 3) -> float | None:
    """Seconds of loss_and_grads over seconds of loss (a BPTT costs a few; finite differences thousands)."""
    def best(run) -> float:
        times = []
        for _ in range(repeats):
            _hold(model, case.params)
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        return min(times)

    try:
        forward = best(lambda: model.loss(case.X, case.targets, **case.kw()))
        backward = best(lambda: model.loss_and_grads(case.X, case.targets, **case.kw(truncate=case.truncate)))
    except Exception:  # noqa: BLE001 - already recorded as an error of the case
        return None
    return backward / max(forward, 1e-6)


# -- moving answers across the process boundary ------------------------------------
def encode(answers: list[Answer]) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Answers as JSON rows plus named arrays."""
    rows, arrays = [], {}
    for i, a in enumerate(answers):
        rows.append({"loss": a.loss, "grads_loss": a.grads_loss, "errors": a.errors, "grads": sorted(a.grads),
                     "fd": sorted(a.fd_losses), "y": a.y is not None})
        if a.y is not None:
            arrays[f"c{i}_y"] = a.y
        arrays.update({f"c{i}_g_{name}": g for name, g in a.grads.items()})
        arrays.update({f"c{i}_fd_{name}": f for name, f in a.fd_losses.items()})
    return rows, arrays


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def decode(rows: Any, arrays: Mapping[str, np.ndarray], cases: list[ProbeCase], scratch: ScratchSpec) -> list[Answer]:
    """The child's answers, each array checked against the shape its case asks for.

    An array of the wrong shape or kind counts as a call that failed; the
    parent never trusts a shape the child reports.
    """
    if not isinstance(rows, list) or len(rows) != len(cases):
        raise ProbeError(f"answers to {len(rows) if isinstance(rows, list) else 0} of {len(cases)} probe cases")
    answers = []
    for i, (row, case) in enumerate(zip(rows, cases)):
        row = row if isinstance(row, dict) else {}
        errors = row.get("errors") if isinstance(row.get("errors"), dict) else {}
        a = Answer(loss=_number(row.get("loss")), grads_loss=_number(row.get("grads_loss")),
                   errors={str(k)[:40]: str(v)[:300] for k, v in list(errors.items())[:8]})
        expected_y = case.reference(scratch).forward(case.X, case.mask).shape
        a.y = _array(arrays.get(f"c{i}_y"), expected_y, a.errors, "forward")
        for name in PARAM_NAMES:
            g = _array(arrays.get(f"c{i}_g_{name}"), case.params[name].shape, a.errors, f"gradient {name}")
            if g is not None:
                a.grads[name] = g
            if name in case.coords:
                f = _array(arrays.get(f"c{i}_fd_{name}"), (len(case.coords[name]), len(STENCIL)), a.errors,
                           "finite differences")
                if f is not None:
                    a.fd_losses[name] = f
        answers.append(a)
    return answers


def _array(value: Any, shape: tuple[int, ...], errors: dict[str, str], call: str) -> np.ndarray | None:
    if value is None:
        return None
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf" or value.shape != tuple(shape):
        what = f"{value.dtype} {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
        errors.setdefault(call, f"returned {what}, expected shape {tuple(shape)}")
        return None
    return value.astype(np.float64)


def question(model: Any, scratch: ScratchSpec, seed: int, n: int, m: int) -> ScratchEvidence:
    """Plan and ask in one process (``rnnsuite check``; the grading child does the same in two steps)."""
    evidence = ScratchEvidence(scratch, seed)
    try:
        evidence.cases = plan(seed, shapes_of(model), scratch, n, m)
        evidence.answers, evidence.backward_cost = ask(model, evidence.cases)
    except ProbeError as exc:
        evidence.error = str(exc)
    return evidence


# -- the trained model, re-run by the parent ---------------------------------------
def trained_params(params: Mapping[str, Any], n: int, m: int) -> dict[str, np.ndarray]:
    """The trained W, U, V, b_h, b_y as float64, shapes checked against the assignment's n and m."""
    shapes = check_shapes({name: np.shape(params[name]) if name in params else None for name in PARAM_NAMES}, n, m)
    out = {}
    for name in shapes:
        value = np.asarray(params[name])
        if value.dtype.kind not in "biuf" or not np.all(np.isfinite(value)):
            raise ProbeError(f"the trained {name} is not a finite numeric array")
        out[name] = value.astype(np.float64)
    return out


def reference_predictions(ctx: Any, split: Any, trained: Mapping[str, np.ndarray]) -> Any:
    """The assignment's predictions by the course's FRNN holding the trained parameters."""
    a = ctx.assignment
    model = FRNN.from_params(trained, output=a.scratch.output, loss=a.scratch.loss)
    return a.predict(ctx, a.adapt(split.spec, model) if a.adapt is not None else model, split.test_inputs)


def rerun(evidence: ScratchEvidence, ctx: Any, split: Any, params: Any, predictions: Any,
          missing: str = "the model has no params dict after training") -> None:
    """Fill ``evidence`` with the trained model re-run by the course's FRNN: what the parent scores.

    ``params`` are the trained parameters as the submission left them (checked
    here; ``missing`` says why when there are none); ``predictions`` the
    submission's own (None if there were none).  On failure ``trained``
    stays None and ``trained_error`` says why.
    """
    n, m = int(split.spec["n"]), int(split.spec["m"])
    try:
        if not isinstance(params, Mapping) or not params:
            raise ProbeError(missing)
        evidence.trained = trained_params(params, n, m)
        evidence.reference_predictions = reference_predictions(ctx, split, evidence.trained)
        if predictions is not None:
            evidence.predictions_agree = agreement(predictions, evidence.reference_predictions)
    except Exception as exc:  # noqa: BLE001 - parameters the assignment cannot use
        evidence.trained, evidence.reference_predictions = None, None
        evidence.trained_error = str(exc) if isinstance(exc, ProbeError) else _error(exc)


def agreement(predictions: Any, reference: Any) -> float:
    """The share of predictions the reference reproduces (numbers to 1e-4 relative, labels and texts exactly)."""
    if isinstance(reference, dict):
        if not isinstance(predictions, dict) or set(map(str, predictions)) != set(map(str, reference)):
            return 0.0
        by_name = {str(k): v for k, v in predictions.items()}
        return float(np.mean([agreement(by_name[str(k)], v) for k, v in reference.items()]))
    try:
        p, r = np.asarray(predictions), np.asarray(reference)
    except Exception:  # noqa: BLE001 - ragged answers agree with nothing
        return 0.0
    if p.shape != r.shape or r.size == 0:
        return 0.0
    if r.dtype.kind == "f" and p.dtype.kind in "biuf":
        same = np.abs(p.astype(np.float64) - r) <= 1e-4 * (1.0 + np.abs(r))
    else:
        same = p == r
    return float(np.mean(same.reshape(len(r), -1).all(axis=1)))
