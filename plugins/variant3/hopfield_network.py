"""The Hopfield network (Hopfield 1982): an associative memory of bipolar patterns, in numpy.

N neurons with states s_i in {-1, +1}, symmetric weights w_ij and no
self-connections (w_ii = 0).  Storing patterns xi^1 .. xi^P sets the weights
once (no gradient ever flows); recalling runs the dynamics

    s_i <- sign(h_i),   h_i = sum_j w_ij s_j        (s_i kept when h_i = 0)

until nothing changes.  Asynchronous updates visit the neurons one at a
time in a random order and never increase the energy

    E(s) = -1/2 sum_ij w_ij s_i s_j,

so they always settle; synchronous updates change every neuron at once and
may end in a two-state cycle.  Three learning rules:

* ``hebb``: w_ij = 1/N sum_mu xi_i^mu xi_j^mu.  About 0.138 N random patterns
  (Amit, Gutfreund & Sompolinsky 1985), far fewer correlated ones.
* ``storkey`` (Storkey 1997): patterns added one at a time,
  w_ij += 1/N (xi_i xi_j - xi_i h_ji - h_ij xi_j),  h_ij = sum_{k != i, j} w_ik xi_k;
  local and incremental, with a larger capacity (about 0.25 N / sqrt(2 ln N)).
* ``pinv`` (pseudo-inverse or projection rule, Personnaz et al. 1985):
  W = Xi^T (Xi Xi^T)^+ Xi, the projection onto the patterns' span, with the
  diagonal then set to zero.  Every linearly independent set is stored
  however correlated, up to P < N.
"""
from __future__ import annotations

from typing import Any

import numpy as np

RULES = ("hebb", "storkey", "pinv")
MODES = ("async", "sync")
ZERO = 1e-10  # a local field this small is zero: rounding must not flip a neuron (the energy would not drop)


def bipolar(images: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Images in [0, 1] as flat +-1 patterns (B, N): +1 where a pixel exceeds ``threshold``."""
    images = np.asarray(images, dtype=np.float64)
    return np.where(images.reshape(len(images), -1) > threshold, 1, -1).astype(np.int8)


def _patterns(patterns: Any) -> np.ndarray:
    xi = np.asarray(patterns, dtype=np.float64)
    if xi.ndim != 2 or xi.shape[0] < 1 or xi.shape[1] < 2:
        raise ValueError(f"patterns must be a (P, N) array of +-1 with P >= 1 and N >= 2, got shape {xi.shape}")
    if not np.isin(xi, (-1.0, 1.0)).all():
        raise ValueError("patterns must hold only -1 and +1 (use bipolar() on images)")
    return xi


def hebb(xi: np.ndarray) -> np.ndarray:
    W = xi.T @ xi / xi.shape[1]
    np.fill_diagonal(W, 0.0)
    return W


def storkey(xi: np.ndarray) -> np.ndarray:
    N = xi.shape[1]
    W = np.zeros((N, N))
    for p in xi:
        h = W @ p  # h_i, the local fields (w_ii = 0)
        H = h[:, None] - W * p[None, :]  # h_ij = h_i - w_ij xi_j: the field without neuron j
        W += (np.outer(p, p) - p[:, None] * H.T - H * p[None, :]) / N
        np.fill_diagonal(W, 0.0)
    return W


def pinv(xi: np.ndarray) -> np.ndarray:
    W = xi.T @ np.linalg.pinv(xi @ xi.T) @ xi
    np.fill_diagonal(W, 0.0)
    return W


LEARNING = {"hebb": hebb, "storkey": storkey, "pinv": pinv}


class HopfieldNetwork:
    """A Hopfield network; its size N is the length of the patterns it stores.

    ``store(patterns, rule)`` sets the weights W (N x N) from (P, N) +-1
    patterns and returns the network; ``restore(states, rng=...)`` runs the
    dynamics from (B, N) +-1 states and returns where they settle;
    ``energy(states)`` gives E of each state.
    """

    def __init__(self, mode: str = "async", max_sweeps: int = 50):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode, self.max_sweeps = mode, int(max_sweeps)
        self.W: np.ndarray | None = None
        self.rule: str | None = None

    @property
    def size(self) -> int:
        return 0 if self.W is None else self.W.shape[0]

    def store(self, patterns, rule: str = "pinv") -> "HopfieldNetwork":
        if rule not in LEARNING:
            raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
        self.W, self.rule = LEARNING[rule](_patterns(patterns)), rule
        return self

    def parameter_shapes(self, spec) -> list[tuple[str, tuple[int, ...]]]:
        """(name, shape) of W for each pattern set of ``spec`` (``rnnsuite explain``): N x N, N its pixels."""
        return [(f"W ({name})", (n, n)) for name, n in spec["neurons"].items()]

    def _states(self, states) -> np.ndarray:
        if self.W is None:
            raise RuntimeError("the network stores no patterns yet: call store() first")
        s = np.array(states, dtype=np.float64, ndmin=2)
        if s.shape[1] != self.size or not np.isin(s, (-1.0, 1.0)).all():
            raise ValueError(f"states must be +-1 rows of length {self.size}, got shape {s.shape}")
        return s

    def energy(self, states) -> np.ndarray:
        """E(s) = -1/2 s^T W s for each row s."""
        s = self._states(states)
        return -0.5 * np.einsum("bi,ij,bj->b", s, self.W, s)

    @staticmethod
    def _sign(h: np.ndarray, old: np.ndarray) -> np.ndarray:
        return np.where(h > ZERO, 1.0, np.where(h < -ZERO, -1.0, old))

    def update(self, s: np.ndarray, i: int) -> int:
        """Neuron i in every row of ``s`` (B, N): s_i <- sign(h_i), kept when h_i = 0; in place.

        Returns how many rows changed.
        """
        new = self._sign(s @ self.W[i], s[:, i])
        changed = int((new != s[:, i]).sum())
        s[:, i] = new
        return changed

    def step_async(self, s: np.ndarray, rng: np.random.Generator) -> int:
        """One sweep: every neuron once, in a random order, each seeing the others' newest states.

        Updates ``s`` (B, N) in place and returns how many neuron states changed.
        """
        return sum(self.update(s, i) for i in rng.permutation(self.size))

    def step_sync(self, s: np.ndarray) -> int:
        """Every neuron at once from the same old states; updates ``s`` in place."""
        new = self._sign(s @ self.W, s)
        changed = int((new != s).sum())
        s[...] = new
        return changed

    def restore(self, states, rng: Any = None, mode: str | None = None) -> np.ndarray:
        """Run the dynamics from each row of ``states`` until no neuron changes (or ``max_sweeps``)."""
        mode = mode or self.mode
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        s = self._states(states).copy()
        rng = np.random.default_rng(rng)
        for _ in range(self.max_sweeps):
            if (self.step_async(s, rng) if mode == "async" else self.step_sync(s)) == 0:
                break
        return s.astype(np.int8)

    def save(self, path) -> Any:
        with open(path, "wb") as f:  # a file object keeps numpy from appending ".npz"
            np.savez(f, W=self.W, rule=str(self.rule), mode=self.mode, max_sweeps=self.max_sweeps)
        return path

    @classmethod
    def load(cls, path) -> "HopfieldNetwork":
        with np.load(path, allow_pickle=False) as data:
            net = cls(str(data["mode"]), int(data["max_sweeps"]))
            net.W, net.rule = np.array(data["W"]), str(data["rule"])
        return net


def distort(patterns: np.ndarray, how: str, rng: np.random.Generator, shape: tuple[int, int] | None = None,
            q: float = 0.1) -> np.ndarray:
    """Distorted copies of +-1 patterns (B, N).

    ``how="flip"``: every pixel flipped with probability ``q``.
    ``how="block"`` / ``"noise_block"``: a missing fragment, a random block of
    half the image's height and width (``shape`` = (H, W)) set to -1 (off) or
    to random +-1 values.
    """
    xi = np.array(patterns, dtype=np.int8, ndmin=2)
    out = xi.copy()
    if how == "flip":
        flips = rng.random(xi.shape) < q
        out[flips] = -out[flips]
        return out
    if how not in ("block", "noise_block"):
        raise ValueError(f"unknown distortion {how!r}")
    if shape is None or shape[0] * shape[1] != xi.shape[1]:
        raise ValueError(f"a block distortion needs the image shape (H, W) of {xi.shape[1]} pixels")
    H, W = shape
    bh, bw = max(1, H // 2), max(1, W // 2)
    images = out.reshape(len(out), H, W)
    for img in images:
        top, left = rng.integers(0, H - bh + 1), rng.integers(0, W - bw + 1)
        block = img[top:top + bh, left:left + bw]
        block[...] = -1 if how == "block" else rng.choice(np.array([-1, 1], dtype=np.int8), block.shape)
    return images.reshape(len(out), -1)


def overlap(states: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """m = s . xi / N for each row pair."""
    s, xi = np.asarray(states, dtype=np.float64), np.asarray(patterns, dtype=np.float64)
    return (s * xi).sum(axis=1) / s.shape[1]
