"""Optimisers that update a parameter dict in place: ``opt.step(params, grads)``."""
from __future__ import annotations

import math

import numpy as np


class SGD:
    """Haykin's update: Delta w = -eta * dE/dw, i.e. ``w -= lr * grad``."""

    def __init__(self, lr: float = 0.1):
        self.lr = lr

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        for name, w in params.items():
            w -= np.multiply(grads[name], self.lr, dtype=w.dtype)


class Momentum:
    """Heavy-ball momentum: ``v = beta v - lr grad; w += v``."""

    def __init__(self, lr: float = 0.05, beta: float = 0.9):
        self.lr, self.beta = lr, beta
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, params, grads) -> None:
        for name, w in params.items():
            v = self.velocity.setdefault(name, np.zeros_like(w))
            v *= self.beta
            v -= np.multiply(grads[name], self.lr, dtype=v.dtype)
            w += v


class Adam:
    """Adam (Kingma & Ba) with bias correction.

    The moments of all parameters live in one flat vector, so a step is a
    dozen vector operations whatever the number of parameters (small
    parameters would otherwise cost more in call overhead than in arithmetic).
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self._layout: list[tuple[str, slice, tuple[int, ...]]] = []
        self.m = self.v = self._g = self._tmp = np.empty(0)

    def _init(self, params) -> None:
        start = 0
        for name, w in params.items():
            self._layout.append((name, slice(start, start + w.size), w.shape))
            start += w.size
        dtype = np.result_type(*params.values())
        self.m, self.v, self._g, self._tmp = (np.zeros(start, dtype) for _ in range(4))

    def step(self, params, grads) -> None:
        if not self._layout:
            self._init(params)
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # bias corrections folded into the step size; Python floats keep float32 arrays float32
        lr = self.lr * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        g, m, v, tmp = self._g, self.m, self.v, self._tmp
        np.concatenate([grads[name].reshape(-1) for name, _, _ in self._layout], out=g)
        m *= b1
        m += np.multiply(g, 1 - b1, out=tmp)  # m = b1 m + (1 - b1) g
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v += tmp  # v = b2 v + (1 - b2) g^2
        np.sqrt(v, out=tmp)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr
        for name, part, shape in self._layout:
            params[name] -= tmp[part].reshape(shape)


def clip_global_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients together so their global L2 norm is at most ``max_norm``; returns the norm before."""
    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
    if norm > max_norm > 0:
        for g in grads.values():
            g *= max_norm / norm
    return norm
