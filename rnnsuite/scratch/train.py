"""Mini-batch training of a scratch model, with early stopping on a validation block.

The engine knows nothing of the host: progress goes out through the plain
callbacks ``on_epoch(epoch, epochs, logs)`` and ``on_batch(batch, batches)``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from rnnsuite.scratch.optim import clip_global_norm


def _take(a, idx):
    return None if a is None else np.asarray(a)[idx]


def fit(model, X, targets, *, epochs: int, batch_size: int, optimizer, clip: float | None = None,
        truncate: int | None = None, mask=None, validation: tuple | None = None, patience: int | None = None,
        rng: Any = None, on_epoch: Callable[[int, int, dict], None] | None = None,
        on_batch: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Train ``model`` in place; returns the history.

    ``X, targets[, mask]`` are the training block only: its windows/records are
    shuffled among themselves each epoch, never mixed with validation or test
    data.  ``validation=(X, targets[, mask])`` is scored after every epoch;
    with ``patience`` training stops after that many epochs without a better
    validation loss, and in any case the parameters of the best validation
    epoch are restored at the end.

    History: ``{"loss": [...], "val_loss": [...], "grad_norm": [...],
    "best_epoch": int | None, "stopped_early": bool, "epochs": int}`` -- losses
    are the mean over the epoch's records (weighted by batch size).
    """
    if epochs < 0 or batch_size < 1:
        raise ValueError("epochs must be >= 0 and batch_size >= 1")
    rng = np.random.default_rng(rng)
    X, targets = np.asarray(X), np.asarray(targets)
    N = X.shape[0]
    batches = max(1, -(-N // batch_size))
    history: dict[str, Any] = {"loss": [], "val_loss": [], "grad_norm": [], "best_epoch": None,
                               "stopped_early": False, "epochs": 0}
    best_loss, best_params, waited = np.inf, None, 0
    for epoch in range(1, epochs + 1):
        order = rng.permutation(N)
        total, norms = 0.0, []
        for b in range(batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            loss, grads = model.loss_and_grads(X[idx], targets[idx], _take(mask, idx), truncate=truncate)
            if clip is not None:
                norms.append(clip_global_norm(grads, clip))
            optimizer.step(model.params, grads)
            total += loss * len(idx)
            if on_batch is not None:
                on_batch(b + 1, batches)
        logs = {"loss": total / N}
        history["loss"].append(logs["loss"])
        if norms:
            history["grad_norm"].append(float(np.mean(norms)))
        history["epochs"] = epoch
        if validation is not None:
            logs["val_loss"] = float(model.loss(*validation))
            history["val_loss"].append(logs["val_loss"])
            if logs["val_loss"] < best_loss:
                best_loss, waited, history["best_epoch"] = logs["val_loss"], 0, epoch
                best_params = {name: p.copy() for name, p in model.params.items()}
            else:
                waited += 1
        if on_epoch is not None:
            on_epoch(epoch, epochs, logs)
        if patience is not None and validation is not None and waited >= patience:
            history["stopped_early"] = True
            break
    if best_params is not None:
        for name, p in best_params.items():
            model.params[name][...] = p  # in place: keeps references to the arrays valid
    return history
