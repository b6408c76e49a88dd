"""The FRNN one step at a time, in the course's notation: the reference the engine is checked against.

    forward    h_t = tanh(W x_t + U h_{t-1} + b_h),   h_0 = 0
               y_t = V h_t + b_y
    backward   delta_t     = dL/dh_t * (1 - h_t^2)       tanh'(v_t), from the step's output
               dL/dh_{t-1} = U^T delta_t                 (+ V^T dL/dy_{t-1} at an output)
               dW += delta_t x_t^T    dU += delta_t h_{t-1}^T    db_h += delta_t
               dV += dL/dy_t h_t^T    db_y += dL/dy_t

As in CS231n's ``rnn_layers.py``, a step works on a mini-batch of B sequences
stored as rows: x_t is (B, n), h_t (B, k), y_t (B, m).  The course's ``W x_t``
is then ``x_t @ W.T`` and its ``U^T delta_t`` is ``delta_t @ U``; every
gradient of a step is already summed over the batch.  Token ids enter as
one-hot rows.

:func:`bptt` chains the steps in plain loops, for clarity, not speed: one
backward sweep for full BPTT (Haykin's epochwise BPTT), and for truncated BPTT
one sweep per output, k steps long, which is the definition itself.  The
vectorised engine (:mod:`rnnsuite.scratch.frnn`) must agree with it to
rounding error; the tests check that it does.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from rnnsuite.scratch.frnn import OUTPUTS, PARAM_NAMES, _check_truncate
from rnnsuite.scratch.losses import LOSSES


def step_forward(x_t: np.ndarray, h_prev: np.ndarray, W: np.ndarray, U: np.ndarray, b_h: np.ndarray):
    """One step ``h_t = tanh(W x_t + U h_{t-1} + b_h)``.

    x_t (B, n), h_prev = h_{t-1} (B, k), W (k, n), U (k, k), b_h (k,)
    -> h_t (B, k), and the cache ``step_backward`` needs.
    """
    h_t = np.tanh(x_t @ W.T + h_prev @ U.T + b_h)
    return h_t, (x_t, h_prev, h_t, U)


def step_backward(dh_t: np.ndarray, cache):
    """Back through one step: dL/dh_t (B, k) -> ``(dL/dh_{t-1}, dW, dU, db_h)``.

    The shapes are (B, k), (k, n), (k, k), (k,): this step's terms of the
    sums over time, summed over the batch.
    """
    x_t, h_prev, h_t, U = cache
    delta = dh_t * (1.0 - h_t * h_t)  # delta_t = dL/dv_t, through tanh'(v_t) = 1 - h_t^2     (B, k)
    dh_prev = delta @ U  # into h_{t-1}: U^T delta_t                                            (B, k)
    dW = delta.T @ x_t  # into W: delta_t x_t^T                                                 (k, n)
    dU = delta.T @ h_prev  # into U: delta_t h_{t-1}^T                                          (k, k)
    db_h = delta.sum(axis=0)  # into b_h: delta_t                                               (k,)
    return dh_prev, dW, dU, db_h


def readout_forward(h_t: np.ndarray, V: np.ndarray, b_y: np.ndarray):
    """The output ``y_t = V h_t + b_y``: h_t (B, k), V (m, k), b_y (m,) -> y_t (B, m), and the cache."""
    return h_t @ V.T + b_y, (h_t, V)


def readout_backward(dy_t: np.ndarray, cache):
    """Back through the output: dL/dy_t (B, m) -> ``(dL/dh_t, dV, db_y)`` of shapes (B, k), (m, k), (m,)."""
    h_t, V = cache
    dh_t = dy_t @ V  # into h_t: V^T dL/dy_t          (B, k)
    dV = dy_t.T @ h_t  # into V: dL/dy_t h_t^T        (m, k)
    db_y = dy_t.sum(axis=0)  # into b_y: dL/dy_t      (m,)
    return dh_t, dV, db_y


def _input_rows(X, n: int) -> np.ndarray:
    """(B, T, n) float inputs; (B, T) token ids become one-hot rows."""
    X = np.asarray(X)
    if X.ndim == 2 and np.issubdtype(X.dtype, np.integer):
        if X.size and (X.min() < 0 or X.max() >= n):
            raise ValueError(f"token ids must lie in [0, {n})")
        return np.eye(n)[X]
    if X.ndim != 3 or X.shape[2] != n:
        raise ValueError(f"inputs must have shape (B, T, {n}) or be (B, T) token ids; got {X.shape}")
    return X.astype(np.float64)


def _loss(ys: dict[int, np.ndarray], targets, real: np.ndarray, output: str, loss: str):
    """The mean loss of the outputs ``ys`` (step -> (B, m)) and dL/dy_t for each of them."""
    if output == "last":
        [(t, y)] = ys.items()
        value, dy = LOSSES[loss](y, np.asarray(targets), None)
        return value, {t: dy}
    B, T = real.shape
    Y = np.stack([ys[t] for t in range(T)], axis=1)  # (B, T, m)
    targets = np.asarray(targets)
    if targets.shape[:2] != (B, T):
        raise ValueError(f"targets for output='all' must start with (B, T) = {(B, T)}, got {targets.shape}")
    value, dY = LOSSES[loss](Y.reshape(B * T, -1), targets.reshape(B * T, -1), real.reshape(B * T))
    dY = dY.reshape(Y.shape)
    return value, {t: dY[:, t] for t in range(T)}


def bptt(params: Mapping[str, np.ndarray], X, targets, mask=None, *, output: str, loss: str,
         truncate: int | None = None) -> tuple[float, dict[str, np.ndarray]]:
    """The mean loss and its gradient for W, U, V, b_h, b_y, by plain backpropagation through time.

    ``X``: (B, T, n) floats or (B, T) token ids; ``targets`` as the losses of
    :mod:`rnnsuite.scratch.losses` take them, per sequence for ``output="last"``,
    per sequence and step for ``"all"``; ``mask`` (B, T) bool is False on left
    padding, where the state is carried (h_t = h_{t-1}) and an output carries
    no loss; ``truncate=k``: the gradient of each output y_t flows back through
    steps t, t-1, ..., t-k+1 only (steps counted in time, padded or not).
    """
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {tuple(LOSSES)}, got {loss!r}")
    if truncate is not None:
        truncate = _check_truncate(truncate)
    missing = [name for name in PARAM_NAMES if name not in params]
    if missing:
        raise ValueError(f"missing parameters: {', '.join(missing)}")
    W, U, V, b_h, b_y = (np.asarray(params[name], dtype=np.float64) for name in PARAM_NAMES)
    xs = _input_rows(X, W.shape[1])
    B, T = xs.shape[:2]
    real = np.ones((B, T), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if real.shape != (B, T):
        raise ValueError(f"mask must have shape {(B, T)}, got {real.shape}")

    # forward, keeping every step's cache (t = 0..T-1 stands for steps 1..T)
    h = np.zeros((B, U.shape[0]))  # h_0
    steps, outputs, ys = [], {}, {}
    for t in range(T):
        h_new, cache = step_forward(xs[:, t], h, W, U, b_h)
        steps.append(cache)
        h = np.where(real[:, t, None], h_new, h)  # a padded step carries the state
        if output == "all" or t == T - 1:
            ys[t], outputs[t] = readout_forward(h, V, b_y)
    value, dys = _loss(ys, targets, real, output, loss)

    grads = {name: np.zeros_like(p) for name, p in zip(PARAM_NAMES, (W, U, V, b_h, b_y))}

    def from_output(t: int) -> np.ndarray:
        """V^T dL/dy_t, adding the output's terms to dV and db_y."""
        dh, dV, db_y = readout_backward(dys[t], outputs[t])
        grads["V"] += dV
        grads["b_y"] += db_y
        return dh

    def through_step(t: int, dh: np.ndarray) -> np.ndarray:
        """dL/dh_t -> dL/dh_{t-1}, adding the step's terms to dW, dU, db_h."""
        r = real[:, t, None]
        dh_prev, dW, dU, db_h = step_backward(np.where(r, dh, 0.0), steps[t])  # a padded step: delta_t = 0
        grads["W"] += dW
        grads["U"] += dU
        grads["b_h"] += db_h
        return dh_prev + np.where(r, 0.0, dh)  # ... and it passes dL/dh_t on to h_{t-1} unchanged

    if truncate is None:  # one sweep T..1: dL/dh_t = V^T dL/dy_t + U^T delta_{t+1}
        dh = np.zeros_like(h)
        for t in reversed(range(T)):
            if t in dys:
                dh = dh + from_output(t)
            dh = through_step(t, dh)
    else:  # each output on its own, k steps back
        for t in dys:
            dh = from_output(t)
            for s in range(t, max(t - truncate, -1), -1):
                dh = through_step(s, dh)
    return value, grads
