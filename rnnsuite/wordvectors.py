"""Word vectors learned from unlabelled text: PPMI + truncated SVD (numpy only).

The classic count-based recipe (Levy, Goldberg & Dagan 2015):

    C[i, j]   = sum over the corpus of 1/d for word j at distance d <= window of word i
    PMI(i, j) = ln( P(i, j) / (P(i) P_alpha(j)) ),   P_alpha: context counts ** 0.75
    PPMI      = max(PMI, 0)
    PPMI      ~ U S V^T (rank d),  vectors = U sqrt(S)

It sees token ids only, never labels, so it may read every training text and
any other unlabelled review text -- never the test split.  Shared by the
review classifiers (v4.2, v5.2), which start their Keras ``Embedding`` from
these vectors (:func:`init_embedding`).
"""
from __future__ import annotations

import numpy as np


def cooccurrence(corpora: list[np.ndarray], vocab_size: int, window: int = 5) -> np.ndarray:
    """Symmetric 1/distance-weighted counts (V x V, float32) in arrays of id rows; PAD (0) and OOV (1) skipped."""
    codes, weights = [], []
    for ids, d in ((np.asarray(ids, dtype=np.int64), d) for ids in corpora for d in range(1, window + 1)):
        a, b = ids[:, :-d].ravel(), ids[:, d:].ravel()
        keep = (a > 1) & (b > 1)
        codes.append(a[keep] * vocab_size + b[keep])
        weights.append(np.full(int(keep.sum()), 1.0 / d))
    counts = np.bincount(np.concatenate(codes), np.concatenate(weights), minlength=vocab_size * vocab_size)
    C = counts.reshape(vocab_size, vocab_size).astype(np.float32)
    return C + C.T


def ppmi(C: np.ndarray, alpha: float = 0.75) -> np.ndarray:
    """Positive PMI with context-distribution smoothing ``alpha``."""
    total = C.sum()
    word = C.sum(axis=1, keepdims=True) / max(total, 1.0)
    ctx = C.sum(axis=0, keepdims=True) ** alpha
    ctx = ctx / max(ctx.sum(), 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((C / max(total, 1.0)) / (word * ctx))
    pmi[~np.isfinite(pmi)] = 0.0
    return np.maximum(pmi, 0.0, dtype=np.float32)


def truncated_svd(M: np.ndarray, rank: int, rng: np.random.Generator, power: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The top ``rank`` left singular vectors and values of M (randomised range finder, Halko et al. 2011)."""
    Q = M @ rng.standard_normal((M.shape[1], rank + 10)).astype(M.dtype)
    for _ in range(power):
        Q, _ = np.linalg.qr(M @ (M.T @ np.linalg.qr(Q)[0]))
    Q, _ = np.linalg.qr(Q)
    U_small, S, _ = np.linalg.svd(Q.T @ M, full_matrices=False)
    return (Q @ U_small)[:, :rank], S[:rank]


def word_vectors(corpora: list[np.ndarray], vocab_size: int, dim: int, rng: np.random.Generator,
                 window: int = 5, rms: float = 0.05) -> np.ndarray:
    """(V, dim) float32 vectors, entries of root mean square ``rms``; PAD is zero, unseen words noise of that size.

    The default 0.05 is the size of Keras' uniform(-0.05, 0.05) Embedding start.  A vocabulary smaller
    than ``dim`` has fewer singular vectors than dimensions: the rest are zero.
    """
    C = cooccurrence(corpora, vocab_size, window)
    U, S = truncated_svd(ppmi(C), dim, rng)
    E = np.zeros((vocab_size, dim), dtype=np.float32)
    E[:, : len(S)] = U * np.sqrt(S)
    seen = C.sum(axis=1) > 0
    scale = float(np.sqrt((E[seen] ** 2).mean())) if seen.any() else 1.0
    E /= max(scale, 1e-8) / rms
    E[~seen] = rng.normal(0.0, rms, size=(int((~seen).sum()), dim))
    E[0] = 0.0
    return E


def init_embedding(model, corpora: list[np.ndarray], rng: np.random.Generator, layer: str = "embedding") -> bool:
    """Start a Keras model's ``layer`` (an Embedding) from PPMI-SVD vectors of ``corpora`` (arrays of id rows).

    Returns False, changing nothing, when the model has no such layer with one weight matrix (a student's
    model may be built differently).
    """
    found = next((candidate for candidate in model.layers if candidate.name == layer), None)
    if found is None or len(found.get_weights()) != 1:
        return False
    V, d = found.get_weights()[0].shape
    found.set_weights([word_vectors(corpora, V, d, rng)])
    return True
