"""Drawing the next token from a language model's distribution: temperature and top-k.

    p_T(w) ∝ p(w)^(1/T)      T < 1 sharpens (safer, more repetitive text),
                             T > 1 flattens (more varied, more mistakes), T = 1 is the model itself
    top-k: only the k most probable tokens may be drawn (renormalised)

Shared by every generating assignment (characters, words, notes), whatever
computed ``p``: a scratch FRNN's softmax or a Keras model's output.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities over the last axis, computed in float64."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def adjust(probs: np.ndarray, temperature: float = 1.0, top_k: int | None = None,
           exclude: Iterable[int] = ()) -> np.ndarray:
    """The distributions (B, V) to draw from: ``exclude`` ids removed, top-k kept, temperature applied."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    p = np.array(probs, dtype=np.float64, ndmin=2)
    exclude = list(exclude)
    if exclude:
        p[:, exclude] = 0.0
    if top_k is not None:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        if top_k < p.shape[1]:
            kth = -np.partition(-p, top_k - 1, axis=1)[:, top_k - 1:top_k]
            p[p < kth] = 0.0  # ties at the k-th value are all kept
    with np.errstate(divide="ignore"):
        logp = np.log(p) / temperature
    if not np.all(np.isfinite(logp.max(axis=1))):
        raise ValueError("a distribution has no probability left to draw from")
    return softmax(logp)


def draw(probs: np.ndarray, rng: np.random.Generator, temperature: float = 1.0, top_k: int | None = None,
         exclude: Iterable[int] = ()) -> np.ndarray:
    """One token id per row of ``probs`` (B, V), drawn from the adjusted distribution."""
    p = adjust(probs, temperature, top_k, exclude)
    u = rng.random((p.shape[0], 1))
    ids = (np.cumsum(p, axis=1) < u).sum(axis=1)
    last = p.shape[1] - 1 - np.argmax(p[:, ::-1] > 0, axis=1)  # rounding may leave u above the total
    return np.minimum(ids, last)
