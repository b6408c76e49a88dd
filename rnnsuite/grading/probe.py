"""Checking a scratch submission's BPTT and forward pass without running its code in the parent.

Record and replay: in the child, the graders' own checks run against a
``Recorder`` that forwards each call (``forward``, ``loss``,
``loss_and_grads``) to the student's object and records the answer, keyed by
the call and by which parameter coordinates differ from the base point.  In
the parent, the very same graders run against a ``Replayer`` that answers
from that record.  The base point (parameters, inputs, targets) is drawn
from the parent's seed with the student's parameter shapes, so the parent
rebuilds it itself; finite differences, relative errors and the diagnosis
are all computed in the parent, by the graders' code, from the student's
losses and analytic gradients.  A query the record cannot answer raises, and
the grader scores it as a check that could not run.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping

import numpy as np

from rnnsuite.scratch.frnn import OUTPUTS, PARAM_NAMES
from rnnsuite.scratch.losses import LOSSES

BATCH, STEPS = 3, 5
INPUT_MODES = ("vectors", "tokens")  # float (B, T, n) inputs, or (B, T) token ids
TARGET_MODES = ("ids", "real")  # class ids (0/1 for m = 1), or real-valued (B[, T], m)
MAX_ELEMENTS = 5_000_000
MAX_RECORDS = 50_000


class ProbeError(Exception):
    """The submission's object does not follow the scratch model protocol (one line)."""


class NotAnswered(Exception):
    """The child did not answer this query (it failed, or died before recording it)."""


# -- the base point, rebuilt identically on both sides -----------------------
def check_shapes(shapes: Any) -> dict[str, tuple[int, ...]]:
    """The parameter shapes, validated: W k x n, U k x k, V m x k, b_h k, b_y m."""
    try:
        s = {name: tuple(int(d) for d in shapes[name]) for name in PARAM_NAMES}
    except (KeyError, TypeError, ValueError):
        raise ProbeError(f"params must hold {', '.join(PARAM_NAMES)}") from None
    if len(s["W"]) != 2 or len(s["V"]) != 2:
        raise ProbeError(f"W and V must be matrices, got shapes {s['W']} and {s['V']}")
    (k, n), m = s["W"], s["V"][0]
    expected = {"W": (k, n), "U": (k, k), "V": (m, k), "b_h": (k,), "b_y": (m,)}
    wrong = [f"{name} {s[name]} (expected {expected[name]})" for name in PARAM_NAMES if s[name] != expected[name]]
    if wrong:
        raise ProbeError("parameter shapes do not fit the FRNN: " + ", ".join(wrong))
    if min(k, n, m) < 1 or sum(int(np.prod(v)) for v in s.values()) > MAX_ELEMENTS:
        raise ProbeError(f"parameter sizes out of range: n={n}, k={k}, m={m}")
    return s


def base_params(seed: int, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, 7])
    (k, n), m = shapes["W"], shapes["V"][0]
    return {
        "W": rng.standard_normal((k, n)) / np.sqrt(n),
        "U": rng.standard_normal((k, k)) / np.sqrt(k),
        "V": rng.standard_normal((m, k)) / np.sqrt(k),
        "b_h": 0.1 * rng.standard_normal(k),
        "b_y": 0.1 * rng.standard_normal(m),
    }


def base_inputs(seed: int, n: int, mode: str) -> np.ndarray:
    rng = np.random.default_rng([seed, 8])
    if mode == "tokens":
        return rng.integers(0, n, size=(BATCH, STEPS))
    return rng.standard_normal((BATCH, STEPS, n))


def base_targets(seed: int, m: int, output: str, mode: str) -> np.ndarray:
    rng = np.random.default_rng([seed, 9])
    lead = (BATCH,) if output == "last" else (BATCH, STEPS)
    if mode == "ids":
        return rng.integers(0, max(m, 2) if m == 1 else m, size=lead)
    return rng.standard_normal(lead + (m,))


def base_point(seed: int, shapes, modes: Mapping[str, str]):
    """(params, X, targets) for the given shapes and modes."""
    shapes = check_shapes(shapes)
    if modes.get("input") not in INPUT_MODES or modes.get("target") not in TARGET_MODES \
            or modes.get("output") not in OUTPUTS:
        raise ProbeError(f"unknown probe modes {dict(modes)}")
    n, m = shapes["W"][1], shapes["V"][0]
    return (base_params(seed, shapes), base_inputs(seed, n, modes["input"]),
            base_targets(seed, m, modes["output"], modes["target"]))


# -- recording and replaying ---------------------------------------------------
def _key(method: str, params: Mapping[str, np.ndarray], base: Mapping[str, np.ndarray], kwargs) -> str:
    diffs = []
    for name in PARAM_NAMES:
        p, b = np.asarray(params[name]), base[name]
        if p.shape != b.shape:
            raise NotAnswered(f"parameter {name} changed shape")
        for i in np.flatnonzero(p != b):
            diffs.append([name, int(i), float(p.flat[i]).hex()])
    return json.dumps([method, diffs, sorted(k for k, v in kwargs.items() if v is not None)])


class _Probe:
    """The scratch model protocol, answered through ``_answer`` (parameters are ours)."""

    def __init__(self, params: Mapping[str, np.ndarray], output: str | None, loss_name: str | None):
        self.params = {name: np.array(params[name], dtype=np.float64) for name in PARAM_NAMES}
        self._base = {name: p.copy() for name, p in self.params.items()}
        if output in OUTPUTS:
            self.output = output
        if loss_name in LOSSES:
            self.loss_name = loss_name

    def forward(self, X, mask=None, **kwargs):
        return self._answer("forward", lambda m: m.forward(X, **_kw(mask, kwargs)), {"mask": mask, **kwargs})

    def loss(self, X, targets, mask=None, **kwargs):
        return self._answer("loss", lambda m: m.loss(X, targets, **_kw(mask, kwargs)), {"mask": mask, **kwargs})

    def loss_and_grads(self, X, targets, mask=None, **kwargs):
        return self._answer("loss_and_grads", lambda m: m.loss_and_grads(X, targets, **_kw(mask, kwargs)),
                            {"mask": mask, **kwargs})

    def _answer(self, method: str, call: Callable[[Any], Any], kwargs) -> Any:  # pragma: no cover
        raise NotImplementedError


def _kw(mask, kwargs) -> dict:
    # a submission without masks need not accept the argument
    return {**({} if mask is None else {"mask": mask}), **{k: v for k, v in kwargs.items() if v is not None}}


def _normal(method: str, value: Any) -> Any:
    """The student's answer as plain float64 numbers (the shape a grader expects)."""
    if method == "loss":
        return float(np.asarray(value, dtype=np.float64))
    if method == "forward":
        return np.asarray(value, dtype=np.float64)
    loss, grads = value
    if not isinstance(grads, Mapping):
        raise TypeError(f"loss_and_grads must return (loss, dict), got a {type(grads).__name__}")
    return float(np.asarray(loss, dtype=np.float64)), {
        name: np.asarray(grads[name], dtype=np.float64) for name in PARAM_NAMES if name in grads}


class Recorder(_Probe):
    """Child side: asks the student's object, records the answer (or the error)."""

    def __init__(self, student: Any, params, output=None, loss_name=None):
        super().__init__(params, output, loss_name)
        self.student = student
        self.records: dict[str, tuple[Any, str | None]] = {}

    def _answer(self, method, call, kwargs):
        key = _key(method, self.params, self._base, kwargs)
        for name in PARAM_NAMES:
            self.student.params[name] = self.params[name].copy()
        try:
            value = _normal(method, call(self.student))
        except Exception as exc:  # noqa: BLE001 - recorded, replayed as the same failure
            if len(self.records) < MAX_RECORDS:
                self.records[key] = (None, f"{type(exc).__name__}: {exc}"[:500])
            raise
        if len(self.records) < MAX_RECORDS:
            self.records[key] = (value, None)
        return value

    def dump(self) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
        """The record as JSON rows plus named arrays."""
        rows, arrays = [], {}
        for i, (key, (value, error)) in enumerate(self.records.items()):
            row: dict[str, Any] = {"key": key, "error": error}
            if isinstance(value, float):
                row["loss"] = value
            elif isinstance(value, np.ndarray):
                arrays[f"y{i}"] = value
            elif isinstance(value, tuple):
                row["loss"] = value[0]
                row["grads"] = sorted(value[1])
                arrays.update({f"g{i}_{name}": g for name, g in value[1].items()})
            rows.append(row)
        return rows, arrays


class Replayer(_Probe):
    """Parent side: answers from the child's record; never runs student code."""

    def __init__(self, rows: Any, arrays: Mapping[str, np.ndarray], params, output=None, loss_name=None,
                 missing: str = "the submission gave no answer"):
        super().__init__(params, output, loss_name)
        self.missing = missing
        self.answers: dict[str, tuple[Any, str | None]] = {}
        for i, row in enumerate(rows if isinstance(rows, list) else []):
            if not isinstance(row, dict) or not isinstance(row.get("key"), str):
                continue
            error = row.get("error")
            if isinstance(error, str):
                self.answers[row["key"]] = (None, error)
            elif f"y{i}" in arrays:
                self.answers[row["key"]] = (arrays[f"y{i}"].astype(np.float64), None)
            elif isinstance(row.get("loss"), (int, float)) and isinstance(row.get("grads"), list):
                grads = {n: arrays[f"g{i}_{n}"].astype(np.float64) for n in PARAM_NAMES
                         if n in row["grads"] and f"g{i}_{n}" in arrays}
                self.answers[row["key"]] = ((float(row["loss"]), grads), None)
            elif isinstance(row.get("loss"), (int, float)):
                self.answers[row["key"]] = (float(row["loss"]), None)

    def _answer(self, method, call, kwargs):
        key = _key(method, self.params, self._base, kwargs)
        if key not in self.answers:
            raise NotAnswered(self.missing)
        value, error = self.answers[key]
        if error is not None:
            raise ProbeError(f"the submission raised {error}")
        if isinstance(value, tuple):
            return value[0], {name: g.copy() for name, g in value[1].items()}
        return value.copy() if isinstance(value, np.ndarray) else value


# -- child side: find how the student's object wants its data ----------------
def protocol_object(model: Any) -> Any:
    """The object following the scratch protocol: the model, or the model's ``core``.

    The check runs in float64: a ``dtype`` attribute (as the suite's FRNN has) is set to it.
    """
    obj = model if hasattr(model, "loss_and_grads") else getattr(model, "core", model)
    if isinstance(getattr(obj, "dtype", None), np.dtype):
        obj.dtype = np.dtype(np.float64)
    return obj


def choose_modes(student: Any, seed: int) -> tuple[dict[str, tuple[int, ...]], dict[str, str]]:
    """The student's parameter shapes and the input/target/output modes its object accepts."""
    params = getattr(student, "params", None)
    if not isinstance(params, Mapping):
        raise ProbeError("the model has no params dict")
    shapes = check_shapes({name: np.shape(params[name]) for name in PARAM_NAMES if name in params})
    base = base_params(seed, shapes)
    for name in PARAM_NAMES:
        student.params[name] = base[name].copy()
    n, m = shapes["W"][1], shapes["V"][0]
    problems = []
    for input_mode in INPUT_MODES:
        X = base_inputs(seed, n, input_mode)
        try:
            y = np.asarray(student.forward(X))
        except Exception as exc:  # noqa: BLE001
            problems.append(f"forward on {input_mode}: {type(exc).__name__}: {exc}")
            continue
        output = "all" if y.ndim == 3 else "last"
        for target_mode in TARGET_MODES:
            try:
                if np.isfinite(float(student.loss(X, base_targets(seed, m, output, target_mode)))):
                    return shapes, {"input": input_mode, "target": target_mode, "output": output}
            except Exception as exc:  # noqa: BLE001
                problems.append(f"loss with {target_mode} targets: {type(exc).__name__}: {exc}")
    raise ProbeError("; ".join(problems)[:500] or "no usable inputs")


def outcome_data(X, targets) -> dict[str, Any]:
    """What the scratch graders read besides the model."""
    return {"gradcheck_data": (X, targets), "forward_data": (X,)}
