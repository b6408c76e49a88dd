"""An echo state network (Jaeger 2001): a fixed random reservoir, a trained linear readout.

    x_t = (1 - a) x_{t-1} + a tanh(W_in u_t + W x_{t-1} + b),   x_0 = 0
    y   = W_out [1; u_T; x_T]

W_in is uniform in +-input_scale; W is a sparse random matrix rescaled so that its spectral radius (the largest
|eigenvalue|) is ``radius``; a < 1 makes the units leaky integrators.  W_in,
W and b are never trained: only W_out is, by ridge regression in closed form,

    W_out = D^T Phi (Phi^T Phi + lambda I)^{-1}

over the rows phi = [1; u_T; x_T] of the training sequences.  numpy only: no
gradient ever flows, so this is a network Keras does not ship.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def spectral_radius(W: np.ndarray) -> float:
    return float(np.abs(np.linalg.eigvals(W)).max())


def sparse_reservoir(size: int, density: float, rng: np.random.Generator) -> np.ndarray:
    """Uniform(-1, 1) weights on a random ``density`` share of the links, at spectral radius 1."""
    W = rng.uniform(-1.0, 1.0, (size, size)) * (rng.random((size, size)) < density)
    return W / spectral_radius(W)


def ridge_readout(Phi: np.ndarray, D: np.ndarray, ridge: float) -> np.ndarray:
    """W_out (m x p) minimising |Phi W_out^T - D|^2 + ridge |W_out|^2."""
    A = Phi.T @ Phi + ridge * np.eye(Phi.shape[1])
    return np.linalg.solve(A, Phi.T @ D).T


class EchoStateNetwork:
    def __init__(self, n: int, m: int = 1, size: int = 300, *, density: float = 0.1, radius: float = 0.9,
                 leak: float = 1.0, input_scale: float = 1.0, ridge: float = 1e-2, rng=None):
        rng = np.random.default_rng(rng)
        self.n, self.m, self.size = int(n), int(m), int(size)
        self.leak, self.ridge = float(leak), float(ridge)
        self.W_unit = sparse_reservoir(self.size, density, rng)  # radius 1; W = radius * W_unit
        self.W_in_unit = rng.uniform(-1.0, 1.0, (self.size, self.n))  # W_in = input_scale * W_in_unit
        self.b = 0.1 * rng.uniform(-1.0, 1.0, self.size)
        self.radius, self.input_scale = float(radius), float(input_scale)
        self.W_out = np.zeros((self.m, 1 + self.n + self.size))

    @property
    def W(self) -> np.ndarray:
        return self.radius * self.W_unit

    @property
    def W_in(self) -> np.ndarray:
        return self.input_scale * self.W_in_unit

    def states(self, X: np.ndarray) -> np.ndarray:
        """x_T of each sequence in X (B, T, n)."""
        X = np.asarray(X, dtype=np.float64)
        W_T, a = self.W.T, self.leak
        drive = X @ self.W_in.T + self.b  # (B, T, size): W_in u_t + b for every step
        x = np.zeros((X.shape[0], self.size))
        for t in range(X.shape[1]):
            x = (1 - a) * x + a * np.tanh(drive[:, t] + x @ W_T)
        return x

    def features(self, X: np.ndarray) -> np.ndarray:
        """Rows phi = [1; u_T; x_T]."""
        X = np.asarray(X, dtype=np.float64)
        return np.hstack([np.ones((len(X), 1)), X[:, -1], self.states(X)])

    def fit(self, X: np.ndarray, D: np.ndarray) -> "EchoStateNetwork":
        self.W_out = ridge_readout(self.features(X), np.asarray(D, dtype=np.float64).reshape(len(X), -1),
                                   self.ridge)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.features(X) @ self.W_out.T

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        with open(path, "wb") as f:
            np.savez(f, W=self.W, W_in=self.W_in, b=self.b, W_out=self.W_out, leak=self.leak,
                     radius=self.radius, input_scale=self.input_scale, ridge=self.ridge)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "EchoStateNetwork":
        """The network ``save`` wrote: its reservoir, input weights, biases and trained readout."""
        with np.load(path, allow_pickle=False) as data:
            W, W_in = np.array(data["W"]), np.array(data["W_in"])
            esn = cls(W_in.shape[1], data["W_out"].shape[0], W.shape[0], leak=float(data["leak"]),
                      radius=float(data["radius"]), input_scale=float(data["input_scale"]),
                      ridge=float(data["ridge"]), rng=0)
            esn.W_unit, esn.W_in_unit = W / esn.radius, W_in / esn.input_scale
            esn.b, esn.W_out = np.array(data["b"]), np.array(data["W_out"])
        return esn
