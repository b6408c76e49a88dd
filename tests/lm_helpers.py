"""Shared pieces of the language-model tests: a model seen from a fixed initial state."""
import numpy as np


class FromState:
    """A scratch model whose every pass starts from ``h0``: the plain protocol, so the gradient
    checker (which knows nothing of states) checks the carried-state configuration."""

    def __init__(self, model, h0):
        self.model, self.params, self.h0 = model, model.params, np.asarray(h0, dtype=np.float64)

    def loss(self, X, targets, mask=None, **kw):
        return self.model.loss(X, targets, mask, h0=self.h0, **kw)

    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        return self.model.loss_and_grads(X, targets, mask, truncate=truncate, h0=self.h0)
