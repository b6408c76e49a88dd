"""Losses of the FRNN's outputs, each returning ``(loss, dL/dy)``.

All three take the outputs as rows ``y`` of shape (N, m) -- one row per
(sequence, step) that carries a target -- plus an optional boolean ``valid``
of shape (N,) that drops rows (padded steps).  The loss is the **mean over
the valid rows**: over the batch for ``output="last"``, over the batch and
the valid steps for ``output="all"``.  ``dL/dy`` is the gradient of exactly
that mean, so a loss and its gradient are always scaled the same way.

* ``cross_entropy``: softmax over the m outputs, ``L = -ln p_c`` with integer
  class ids ``c`` (the course's loss for classification).
* ``binary_cross_entropy``: m = 1, ``p = sigmoid(y)``,
  ``L = -[d ln p + (1 - d) ln(1 - p)]`` with targets d in {0, 1}.
* ``squared_error``: Haykin's ``E = 1/2 sum_j e_j^2`` with ``e = d - y``,
  summed over the m outputs of a row and then averaged over the rows (the
  batch), so ``dE/dy = -e / N``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

Loss = Callable[[np.ndarray, np.ndarray, "np.ndarray | None"], "tuple[float, np.ndarray]"]


def _weights(y: np.ndarray, valid: np.ndarray | None) -> tuple[np.ndarray | None, int]:
    if valid is None:
        return None, y.shape[0]
    valid = np.asarray(valid, dtype=bool)
    return valid, max(1, int(valid.sum()))


def _finish(per_row: np.ndarray, grad: np.ndarray, valid: np.ndarray | None, count: int):
    if valid is not None:
        per_row = np.where(valid, per_row, 0.0)
        grad[~valid] = 0.0
    grad /= count
    return float(per_row.sum() / count), grad


def cross_entropy(y: np.ndarray, targets: np.ndarray, valid: np.ndarray | None = None):
    """Softmax cross-entropy ``-ln p_c``; ``targets`` are class ids of shape (N,)."""
    valid, count = _weights(y, valid)
    c = np.asarray(targets).astype(np.intp, copy=False).reshape(-1)
    if c.shape[0] != y.shape[0]:
        raise ValueError(f"{c.shape[0]} class ids for {y.shape[0]} outputs")
    if c.size and (c.min() < 0 or c.max() >= y.shape[1]):
        raise ValueError(f"class ids must lie in [0, {y.shape[1]})")
    z = y - y.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    rows = np.arange(y.shape[0])
    per_row = log_norm - z[rows, c]
    p = np.exp(z - log_norm[:, None])  # softmax
    p[rows, c] -= 1.0  # dL/dy = p - onehot(c)
    return _finish(per_row, p, valid, count)


def binary_cross_entropy(y: np.ndarray, targets: np.ndarray, valid: np.ndarray | None = None):
    """Sigmoid cross-entropy of one output (m = 1) against 0/1 targets of shape (N,) or (N, 1)."""
    if y.shape[1] != 1:
        raise ValueError(f"binary cross-entropy needs one output, got m = {y.shape[1]}")
    valid, count = _weights(y, valid)
    d = np.asarray(targets, dtype=y.dtype).reshape(-1, 1)
    if d.shape[0] != y.shape[0]:
        raise ValueError(f"{d.shape[0]} targets for {y.shape[0]} outputs")
    # -[d ln s(y) + (1-d) ln(1-s(y))] = softplus(y) - d y, computed stably
    per_row = (np.logaddexp(0.0, y) - d * y)[:, 0]
    p = 0.5 * (1.0 + np.tanh(0.5 * y))  # sigmoid without overflow
    return _finish(per_row, p - d, valid, count)


def squared_error(y: np.ndarray, targets: np.ndarray, valid: np.ndarray | None = None):
    """Haykin's ``E = 1/2 sum_j e_j^2``, ``e = d - y``, averaged over the rows (the batch)."""
    valid, count = _weights(y, valid)
    d = np.asarray(targets, dtype=y.dtype).reshape(y.shape)
    e = d - y
    per_row = 0.5 * (e * e).sum(axis=1)
    return _finish(per_row, -e, valid, count)


LOSSES: dict[str, Loss] = {"ce": cross_entropy, "bce": binary_cross_entropy, "mse": squared_error}
