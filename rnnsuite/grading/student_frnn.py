"""An honest student's FRNN, written from the course's equations with plain loops (numpy only).

This file is never imported by the suite: its source text is pasted into
submissions (``rnnsuite submission init --reference`` and the tests), as
what a good student hands in for a scratch assignment, so the graders must
give it full marks.  It reads the course's notation, step by step:

    h_t = tanh(W x_t + U h_{t-1} + b_h),  h_0 = 0;   y_t = V h_t + b_y

It also offers the state extension (``h0=`` in, ``last_state`` out) that
assignments training over a long text in chunks need.
"""
import numpy as np


class StudentFRNN:
    def __init__(self, n, k, m, output="last", loss="ce", seed=0):
        rng = np.random.default_rng(seed)
        self.output, self.loss_name = output, loss
        self.params = {
            "W": rng.normal(0.0, 1.0 / np.sqrt(n), (k, n)),
            "U": np.linalg.qr(rng.normal(size=(k, k)))[0],
            "V": rng.normal(0.0, 1.0 / np.sqrt(k), (m, k)),
            "b_h": np.zeros(k),
            "b_y": np.zeros(m),
        }

    # W x_t for a batch: a column of W per token id, or a product with the input vectors
    def _Wx(self, X, t):
        W = self.params["W"]
        return W[:, X[:, t]].T if X.ndim == 2 else X[:, t] @ W.T

    def _states(self, X, mask, h0=None):
        p = self.params
        h = np.zeros((X.shape[0], p["U"].shape[0])) if h0 is None else np.asarray(h0, dtype=float)
        hs = [h]
        for t in range(X.shape[1]):
            new = np.tanh(self._Wx(X, t) + h @ p["U"].T + p["b_h"])
            if mask is not None:  # a padded step keeps the state
                new = np.where(mask[:, t:t + 1], new, h)
            hs.append(new)
            h = new
        self.last_state = h  # the state after the last step: the next chunk's h0
        return hs

    def forward(self, X, mask=None, h0=None):
        X = np.asarray(X)
        hs = self._states(X, mask, h0)
        p = self.params
        ys = [h @ p["V"].T + p["b_y"] for h in hs[1:]]
        return ys[-1] if self.output == "last" else np.stack(ys, axis=1)

    def _rows(self, y, d):
        """Per-row loss and dloss/dy of outputs y (N, m) against targets d."""
        if self.loss_name == "ce":
            z = np.exp(y - y.max(axis=1, keepdims=True))
            p = z / z.sum(axis=1, keepdims=True)
            c = np.asarray(d).astype(int).reshape(-1)
            rows = np.arange(len(c))
            dy = p.copy()
            dy[rows, c] -= 1.0
            return -np.log(p[rows, c]), dy
        if self.loss_name == "bce":
            d = np.asarray(d, dtype=float).reshape(-1, 1)
            p = 1.0 / (1.0 + np.exp(-y))
            return (np.logaddexp(0.0, y) - d * y)[:, 0], p - d
        e = np.asarray(d, dtype=float).reshape(y.shape) - y
        return 0.5 * (e * e).sum(axis=1), -e

    def _output_grads(self, X, targets, mask, h0=None):
        """The loss and dL/dy_t for every step t (zero where no target), and the states."""
        X = np.asarray(X)
        B, T = X.shape[:2]
        hs = self._states(X, mask, h0)
        p = self.params
        dys = [np.zeros((B, p["V"].shape[0])) for _ in range(T)]
        if self.output == "last":
            per_row, dy = self._rows(hs[-1] @ p["V"].T + p["b_y"], targets)
            dys[-1] = dy / B
            return per_row.sum() / B, dys, hs
        valid = np.ones((B, T), bool) if mask is None else np.asarray(mask, bool)
        count = max(1, valid.sum())
        total = 0.0
        for t in range(T):
            per_row, dy = self._rows(hs[t + 1] @ p["V"].T + p["b_y"], np.asarray(targets)[:, t])
            total += (per_row * valid[:, t]).sum()
            dys[t] = dy * valid[:, t:t + 1] / count
        return total / count, dys, hs

    def loss(self, X, targets, mask=None, h0=None):
        return self._output_grads(X, targets, mask, h0)[0]

    def loss_and_grads(self, X, targets, mask=None, truncate=None, h0=None):
        X = np.asarray(X)
        loss, dys, hs = self._output_grads(X, targets, mask, h0)
        p = self.params
        g = {name: np.zeros_like(value) for name, value in p.items()}
        T = X.shape[1]
        for t in range(T):  # the output layer: dV = sum_t dy_t h_t^T, db_y = sum_t dy_t
            g["V"] += dys[t].T @ hs[t + 1]
            g["b_y"] += dys[t].sum(axis=0)
        # each output's error flows back through time (at most `truncate` steps)
        for s in range(T):
            if not dys[s].any():
                continue
            dh = dys[s] @ p["V"]
            stop = -1 if truncate is None else max(-1, s - truncate)
            for t in range(s, stop, -1):
                keep = np.ones((X.shape[0], 1)) if mask is None else mask[:, t:t + 1].astype(float)
                delta = dh * (1.0 - hs[t + 1] ** 2) * keep
                if X.ndim == 2:
                    np.add.at(g["W"].T, X[:, t], delta)
                else:
                    g["W"] += delta.T @ X[:, t]
                g["U"] += delta.T @ hs[t]
                g["b_h"] += delta.sum(axis=0)
                dh = delta @ p["U"] + dh * (1.0 - keep)  # a padded step passes dL/dh on unchanged
        return loss, g

    def predict(self, X, mask=None):
        y = self.forward(X, mask)
        if self.loss_name == "ce":
            return y.argmax(axis=-1)
        if self.loss_name == "bce":
            return (y[..., 0] > 0).astype(int)
        return y
