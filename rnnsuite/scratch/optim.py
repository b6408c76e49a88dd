"""Optimisers that update a parameter dict in place: ``opt.step(params, grads)``."""
from __future__ import annotations

import numpy as np


class SGD:
    """Haykin's update: Delta w = -eta * dE/dw, i.e. ``w -= lr * grad``."""

    def __init__(self, lr: float = 0.1):
        self.lr = lr

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        for name, w in params.items():
            w -= self.lr * grads[name]


class Momentum:
    """Heavy-ball momentum: ``v = beta v - lr grad; w += v``."""

    def __init__(self, lr: float = 0.05, beta: float = 0.9):
        self.lr, self.beta = lr, beta
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, params, grads) -> None:
        for name, w in params.items():
            v = self.velocity.setdefault(name, np.zeros_like(w))
            v *= self.beta
            v -= self.lr * grads[name]
            w += v


class Adam:
    """Adam (Kingma & Ba) with bias correction."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, params, grads) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # bias corrections folded into the step size
        lr = self.lr * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for name, w in params.items():
            g = grads[name]
            m = self.m.setdefault(name, np.zeros_like(w))
            v = self.v.setdefault(name, np.zeros_like(w))
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            w -= (lr * m / (np.sqrt(v) + self.eps)).astype(w.dtype, copy=False)


def clip_global_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients together so their global L2 norm is at most ``max_norm``; returns the norm before."""
    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
    if norm > max_norm > 0:
        for g in grads.values():
            g *= max_norm / norm
    return norm
