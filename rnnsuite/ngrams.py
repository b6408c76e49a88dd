"""n-gram language models over token ids (characters or words): the baselines of the text assignments.

One model, :class:`NGramLM`, of any order (1 = unigram ... 5-gram), with
Chen & Goodman's interpolated modified Kneser-Ney smoothing::

    P_n(w | h) = max(c(hw) - D(c(hw)), 0) / c(h)  +  gamma(h) P_{n-1}(w | h')
    gamma(h)   = (D_1 N_1(h.) + D_2 N_2(h.) + D_3 N_3+(h.)) / c(h)

h is the context (the n-1 tokens before w), h' the same without its oldest
token, N_r(h.) the number of tokens seen exactly r times after h (3 or more
for N_3+).  At the model's own order c is the raw count; below it, c is the
continuation count N_1+(. h w): in how many different contexts hw occurred,
which is what a lower order is asked about once the higher one has backed
off.  D_1, D_2, D_3+ are estimated per order from the counts of counts
(n_1..n_4): Y = n_1 / (n_1 + 2 n_2), D_r = r - (r + 1) Y n_{r+1} / n_r.
Below the unigram lies the uniform 1 / V, so every token keeps some mass.
A context never seen backs off entirely: P_n(w | h) = P_{n-1}(w | h').
An order-1 model is the unigram frequencies, discounted the same way
towards the uniform.

Everything is vectorised over positions: an n-gram is the integer key
``sum_j g_j V^(n-1-j)``, counts live in sorted key arrays and are found with
``searchsorted``.  ``log2_probs`` scores a stream (the bits of a text);
``probs`` gives whole next-token distributions (for top-k and sampling).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the largest key: V^order must stay below this (int64 arithmetic)
MAX_KEY = 2**62
#: discounts are kept in [r * DISCOUNT_MARGIN, r * (1 - DISCOUNT_MARGIN)] so that tiny corpora stay smooth
DISCOUNT_MARGIN = 0.02
#: rows of a (contexts x V) distribution matrix built at once
CHUNK_CELLS = 4_000_000


def ngram_keys(ids: np.ndarray, n: int, vocab: int) -> np.ndarray:
    """The key of every n-gram of a stream: keys[i] encodes ids[i .. i+n-1] (length len(ids) - n + 1)."""
    ids = np.asarray(ids, dtype=np.int64)
    count = len(ids) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.zeros(count, dtype=np.int64)
    for j in range(n):
        keys = keys * vocab + ids[j:j + count]
    return keys


def estimate_discounts(counts: np.ndarray) -> np.ndarray:
    """Modified Kneser-Ney discounts (D_1, D_2, D_3+) from the counts of counts of ``counts``."""
    n = np.array([np.count_nonzero(counts == r) for r in (1, 2, 3, 4)], dtype=np.float64)
    y = n[0] / (n[0] + 2 * n[1]) if n[0] + n[1] > 0 else 0.5
    d = np.empty(3)
    for r in (1, 2, 3):
        d[r - 1] = r - (r + 1) * y * n[r] / n[r - 1] if n[r - 1] > 0 else r * y
        d[r - 1] = min(max(d[r - 1], r * DISCOUNT_MARGIN), r * (1 - DISCOUNT_MARGIN))
    return d


@dataclass
class _Order:
    """The counts of one order n: n-grams (sorted keys) and their contexts."""

    n: int
    keys: np.ndarray  # sorted n-gram keys
    counts: np.ndarray  # raw (top order) or continuation counts, float64
    discounts: np.ndarray  # D_1, D_2, D_3+
    context_keys: np.ndarray  # sorted (n-1)-gram keys of the contexts (a single 0 for n = 1)
    context_totals: np.ndarray  # c(h) = sum_w c(hw)
    context_gammas: np.ndarray  # gamma(h)
    kept: np.ndarray  # max(c - D(c), 0) of each n-gram: what the discount leaves it

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """max(c - D(c), 0) of n-gram keys (0 for an n-gram never seen)."""
        return _find(self.keys, self.kept, keys)

    def context(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(found, c(h), gamma(h)) of context keys."""
        at = np.searchsorted(self.context_keys, keys)
        at = np.minimum(at, len(self.context_keys) - 1)
        found = self.context_keys[at] == keys
        return found, np.where(found, self.context_totals[at], 1.0), np.where(found, self.context_gammas[at], 1.0)


def _find(sorted_keys: np.ndarray, values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    if len(sorted_keys) == 0:
        return np.zeros(len(keys))
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[at] == keys, values[at], 0.0)


def _order(n: int, keys: np.ndarray, counts: np.ndarray, vocab: int, discounts: np.ndarray | None) -> _Order:
    d = estimate_discounts(counts) if discounts is None else discounts
    contexts = keys // vocab
    context_keys, start = np.unique(contexts, return_index=True)
    totals = np.add.reduceat(counts, start) if len(counts) else np.zeros(0)
    weight = d[np.clip(counts.astype(np.int64), 1, 3) - 1]  # D(c) of each n-gram; summed per context
    gammas = np.add.reduceat(weight, start) / np.maximum(totals, 1e-300) if len(counts) else np.zeros(0)
    return _Order(n, keys, counts, d, context_keys, totals, gammas, np.maximum(counts - weight, 0.0))


class NGramLM:
    """An order-N interpolated modified Kneser-Ney language model over token ids 0..vocab-1.

    ``NGramLM(order, vocab).fit(ids)`` counts the training stream;
    ``discount`` fixes one D for every order and count instead of estimating
    D_1, D_2, D_3+ (plain interpolated Kneser-Ney, easy to compute by hand).
    """

    def __init__(self, order: int, vocab: int, discount: float | None = None):
        if order < 1 or vocab < 1:
            raise ValueError(f"order and vocab must be at least 1, got {order} and {vocab}")
        if float(vocab) ** order >= MAX_KEY:
            raise ValueError(f"vocab^order = {vocab}^{order} is too large for integer n-gram keys")
        if discount is not None and not 0 < discount < 1:
            raise ValueError(f"discount must lie in (0, 1), got {discount}")
        self.order, self.vocab = int(order), int(vocab)
        self.discount = discount
        self.orders: list[_Order] = []

    def fit(self, ids) -> "NGramLM":
        """Count a training stream of token ids (one sequence; lines are tokens like any other)."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 1 or len(ids) == 0:
            raise ValueError("fit needs a non-empty 1-D stream of token ids")
        if ids.min() < 0 or ids.max() >= self.vocab:
            raise ValueError(f"token ids must lie in [0, {self.vocab})")
        fixed = None if self.discount is None else np.full(3, self.discount)
        orders = []
        above = None  # unique keys of order n+1, whose suffixes give order n's continuation counts
        for n in range(self.order, 0, -1):
            if n == self.order:
                keys, counts = np.unique(ngram_keys(ids, n, self.vocab), return_counts=True)
            else:
                keys, counts = np.unique(above % self.vocab ** n, return_counts=True)
            above = keys
            orders.append(_order(n, keys, counts.astype(np.float64), self.vocab, fixed))
        self.orders = orders[::-1]  # orders[n-1] is order n
        return self

    def _check(self) -> None:
        if not self.orders:
            raise RuntimeError("the model is not fitted; call fit(ids) first")

    # -- scoring a stream ------------------------------------------------------
    def probabilities(self, ids, start: int = 0) -> np.ndarray:
        """P(ids[i] | the order-1 tokens before it) for i = start .. len(ids)-1.

        Positions near the beginning use what context there is; give a
        stream that starts with a few tokens of context and ``start`` after them.
        """
        self._check()
        ids = np.asarray(ids, dtype=np.int64)
        if not 0 <= start <= len(ids):
            raise ValueError(f"start must lie in [0, {len(ids)}]")
        positions = np.arange(start, len(ids))
        p = np.full(len(positions), 1.0 / self.vocab)
        for level in self.orders:
            n = level.n
            ok = positions >= n - 1
            at = positions[ok]
            keys = np.zeros(len(at), dtype=np.int64)
            for j in range(n):
                keys = keys * self.vocab + ids[at - (n - 1) + j]
            found, total, gamma = level.context(keys // self.vocab)
            higher = level.lookup(keys) / total + gamma * p[ok]
            p[ok] = np.where(found, higher, p[ok])
        return p

    def log2_probs(self, ids, start: int = 0) -> np.ndarray:
        """log2 of :meth:`probabilities` (minus their mean is the bits per token)."""
        return np.log2(self.probabilities(ids, start))

    # -- whole distributions ----------------------------------------------------
    def probs(self, contexts) -> np.ndarray:
        """Next-token distributions (M, V) after each row of ``contexts`` (M, c) token ids.

        Only the last order-1 tokens of a row are read; fewer columns mean a
        shorter context.
        """
        self._check()
        contexts = np.asarray(contexts, dtype=np.int64).reshape(len(contexts), -1)
        rows = max(1, CHUNK_CELLS // self.vocab)
        return np.concatenate([self._probs(contexts[i:i + rows]) for i in range(0, len(contexts), rows)]) \
            if len(contexts) else np.zeros((0, self.vocab))

    def top(self, contexts, k: int, exclude=()) -> np.ndarray:
        """The k most probable next tokens after each row of ``contexts``, best first, (M, k).

        Computed a chunk of rows at a time, so memory stays small however many rows.
        """
        contexts = np.asarray(contexts, dtype=np.int64).reshape(len(contexts), -1)
        rows = max(1, CHUNK_CELLS // self.vocab)
        return np.concatenate([top_k(self.probs(contexts[i:i + rows]), k, exclude)
                               for i in range(0, len(contexts), rows)]) if len(contexts) else \
            np.zeros((0, k), dtype=np.int64)

    def _probs(self, contexts: np.ndarray) -> np.ndarray:
        M, c = contexts.shape
        V = self.vocab
        P = np.tile(self._unigram(), (M, 1))
        for level in self.orders[1:]:
            n = level.n
            if c < n - 1:
                break
            context = np.zeros(M, dtype=np.int64)
            for j in range(c - (n - 1), c):
                context = context * V + contexts[:, j]
            found, total, gamma = level.context(context)
            P *= np.where(found, gamma, 1.0)[:, None]
            rows = np.flatnonzero(found)
            lo = np.searchsorted(level.keys, context[rows] * V)
            hi = np.searchsorted(level.keys, context[rows] * V + V)
            span = hi - lo
            which = np.repeat(rows, span)
            at = np.repeat(lo - np.cumsum(span) + span, span) + np.arange(span.sum())
            P[which, level.keys[at] % V] += level.kept[at] / total[which]
        return P

    def _unigram(self) -> np.ndarray:
        """P_1(w) for every token: the discounted unigram counts over the uniform 1 / V."""
        level = self.orders[0]
        kept = np.zeros(self.vocab)
        kept[level.keys] = level.kept
        return kept / level.context_totals[0] + level.context_gammas[0] / self.vocab


def top_k(probs: np.ndarray, k: int, exclude=()) -> np.ndarray:
    """The k most probable token ids of each row, most probable first; ``exclude`` ids are never chosen."""
    if len(exclude):
        probs = np.array(probs, dtype=np.float64)
        probs[:, list(exclude)] = -np.inf
    k = min(k, probs.shape[1])
    part = np.argpartition(-probs, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(probs, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)
