"""The fully recurrent network (FRNN) of the course, with hand-written BPTT.

    h_t = tanh(W x_t + U h_{t-1} + b_h),   h_0 = 0
    y_t = V h_t + b_y

Inside, sequences are stored time-major: ``H[t]`` is the (B, k) matrix of the
states of the whole mini-batch at step t (``H[0] = h_0 = 0``), so each step is
one matrix product for all sequences.  Row vectors are used throughout, so
the course's ``U h`` is ``h @ U.T`` and its ``U^T delta`` is ``delta @ U``.

Backward (Haykin's BPTT, written for tanh and row vectors)::

    g_t     = dL/dh_t = V^T dL/dy_t + U^T delta_{t+1}
    delta_t = g_t * (1 - h_t^2)                     # phi'(v) of tanh
    dW = sum_t delta_t x_t^T,  dU = sum_t delta_t h_{t-1}^T,  db_h = sum_t delta_t
    dV = sum_t dL/dy_t h_t^T,  db_y = sum_t dL/dy_t

Truncated BPTT (``truncate=k``): the gradient of each output flows back at
most k steps -- output y_t reaches ``delta`` of steps t-k+1 .. t only.  It is
the exact gradient of a surrogate loss in which every output y_t is computed
from the state h_{t-k} held constant; ``loss(..., truncate=k, anchor=params0)``
evaluates that surrogate, which is how the gradient checker verifies it.

Masks (left-padded sequences): where ``mask[b, t]`` is False the state is
carried unchanged, ``h_t = h_{t-1}``; such a step has ``delta_t = 0`` and
passes ``dL/dh_t`` on to ``h_{t-1}`` untouched.  With ``output="all"`` the
outputs of masked steps carry no loss.  Steps are counted in time, masked
or not, for truncation.

Carried state (min-char-rnn style training over a long sequence read in
chunks): ``forward``, ``loss`` and ``loss_and_grads`` take ``h0=`` (B, k),
the state before the first step (default 0), and every forward pass leaves
its final state h_T in ``last_state``.  h0 is a constant input: the gradient
stops there (dU still gets its delta_1 h0^T term), so passing the previous
chunk's ``last_state`` is truncated BPTT at the chunk boundary.

The same network one step at a time, in plain loops, is ``steps.py``; the
tests hold this engine to it and to TensorFlow's autodiff in every
configuration (tests/test_scratch_steps.py, tests/test_scratch_oracle.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from rnnsuite.scratch.losses import LOSSES

PARAM_NAMES = ("W", "U", "V", "b_h", "b_y")
OUTPUTS = ("last", "all")


def orthogonal(k: int, rng: np.random.Generator) -> np.ndarray:
    """A random orthogonal k x k matrix (QR of a Gaussian, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((k, k)))
    return q * np.sign(np.diag(r))


class _Param:
    """``model.W`` is ``model.params["W"]``: one array, two names."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        return self if obj is None else obj.params[self.name]

    def __set__(self, obj, value):
        obj.params[self.name] = np.asarray(value, dtype=obj.dtype)


@dataclass
class _Cache:
    """What the forward pass keeps for the backward pass (time-major)."""

    H: np.ndarray  # (T+1, B, k) states, H[0] = h_0
    inputs: np.ndarray  # (T, B, n) float inputs or (T, B) token ids
    tokens: bool
    mask: np.ndarray | None  # (T, B) bool
    Y: np.ndarray  # (B, m) for "last", (T, B, m) for "all"


class FRNN:
    """A single-layer fully recurrent network with BPTT, following the scratch model protocol.

    ``FRNN(n, k, m, output="last", loss="ce", rng=seed, dtype=np.float64)``;
    ``n`` is the input size (or vocabulary size for token-id inputs), ``k``
    the hidden size, ``m`` the output size.
    """

    W = _Param()
    U = _Param()
    V = _Param()
    b_h = _Param()
    b_y = _Param()

    def __init__(self, n: int, k: int, m: int, *, output: str = "last", loss: str = "ce",
                 rng: Any = None, dtype: Any = np.float64):
        for name, size in (("n", n), ("k", k), ("m", m)):
            if int(size) < 1:
                raise ValueError(f"{name} must be at least 1, got {size}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {tuple(LOSSES)}, got {loss!r}")
        if loss == "bce" and m != 1:
            raise ValueError("loss 'bce' needs m = 1 output")
        self.n, self.k, self.m = int(n), int(k), int(m)
        self.output, self.loss_name = output, loss
        self.dtype = np.dtype(dtype)
        self.last_state: np.ndarray | None = None  # h_T of the latest forward pass, (B, k)
        rng = np.random.default_rng(rng)
        # Scaled Gaussian input/output weights keep pre-activations O(1);
        # an orthogonal U neither blows up nor kills the state at the start.
        self.params: dict[str, np.ndarray] = {
            "W": rng.standard_normal((k, n)) / np.sqrt(n),
            "U": orthogonal(k, rng),
            "V": rng.standard_normal((m, k)) / np.sqrt(k),
            "b_h": np.zeros(k),
            "b_y": np.zeros(m),
        }
        self.params = {name: p.astype(self.dtype) for name, p in self.params.items()}

    @classmethod
    def from_params(cls, params: Mapping[str, np.ndarray], *, output: str = "last", loss: str = "ce",
                    dtype: Any = np.float64) -> "FRNN":
        """An FRNN holding copies of the given W, U, V, b_h, b_y (shapes are checked)."""
        missing = [name for name in PARAM_NAMES if name not in params]
        if missing:
            raise ValueError(f"missing parameters: {', '.join(missing)}")
        k, n = np.shape(params["W"])
        m = np.shape(params["V"])[0]
        model = cls(n, k, m, output=output, loss=loss, dtype=dtype)
        for name in PARAM_NAMES:
            value = np.asarray(params[name], dtype=model.dtype)
            if value.shape != model.params[name].shape:
                raise ValueError(f"{name} has shape {value.shape}, expected {model.params[name].shape}")
            model.params[name] = value.copy()
        return model

    # -- inputs ----------------------------------------------------------------
    def _time_major(self, X, mask):
        X = np.asarray(X)
        tokens = X.ndim == 2 and np.issubdtype(X.dtype, np.integer)
        if tokens:
            if X.size and (X.min() < 0 or X.max() >= self.n):
                raise ValueError(f"token ids must lie in [0, {self.n})")
            inputs = np.ascontiguousarray(X.T)
        else:
            if X.ndim != 3 or X.shape[2] != self.n:
                raise ValueError(f"inputs must have shape (B, T, {self.n}) or be (B, T) token ids; got {X.shape}")
            inputs = np.ascontiguousarray(X.transpose(1, 0, 2), dtype=self.dtype)
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != X.shape[:2]:
                raise ValueError(f"mask must have shape {X.shape[:2]}, got {mask.shape}")
            mask = np.ascontiguousarray(mask.T)
            if mask.all():
                mask = None
        return inputs, tokens, mask

    def _drive(self, inputs: np.ndarray, tokens: bool, out: np.ndarray) -> None:
        """out[t] = W x_t + b_h for every step at once (a gather for token ids)."""
        W, b_h = self.params["W"], self.params["b_h"]
        if tokens:
            np.take(np.ascontiguousarray(W.T), inputs, axis=0, out=out)
        else:
            T, B, n = inputs.shape
            np.matmul(inputs.reshape(T * B, n), W.T, out=out.reshape(T * B, self.k))
        out += b_h

    # -- forward ---------------------------------------------------------------
    def _recur(self, H: np.ndarray, mask: np.ndarray | None, t0: int, t1: int) -> None:
        """Run steps t0+1 .. t1 in place: H[t] holds W x_t + b_h on entry and h_t on exit."""
        U_T = np.ascontiguousarray(self.params["U"].T)  # a contiguous copy multiplies faster
        tmp = np.empty_like(H[0])
        for t in range(t0 + 1, t1 + 1):
            np.matmul(H[t - 1], U_T, out=tmp)
            H[t] += tmp
            np.tanh(H[t], out=H[t])
            if mask is not None:
                np.copyto(H[t], H[t - 1], where=~mask[t - 1][:, None])

    def _forward(self, X, mask=None, h0: np.ndarray | None = None) -> _Cache:
        inputs, tokens, mask = self._time_major(X, mask)
        T, B = inputs.shape[:2]
        H = np.empty((T + 1, B, self.k), dtype=self.dtype)
        H[0] = 0.0 if h0 is None else self._initial(h0, B)
        self._drive(inputs, tokens, H[1:])
        self._recur(H, mask, 0, T)
        self.last_state = H[-1].copy()  # a copy: a view would keep every state of the pass alive
        return _Cache(H, inputs, tokens, mask, self._readout(H[-1] if self.output == "last" else H[1:]))

    def _initial(self, h0, B: int) -> np.ndarray:
        """h0 as a (B, k) array of the model's dtype (one row is shared by the batch)."""
        h0 = np.asarray(h0, dtype=self.dtype)
        if h0.ndim != 2 or h0.shape[1] != self.k or h0.shape[0] not in (1, B):
            raise ValueError(f"h0 must have shape (B, k) = {(B, self.k)}, got {h0.shape}")
        return h0

    def _readout(self, h: np.ndarray) -> np.ndarray:
        return h @ self.params["V"].T + self.params["b_y"]

    def forward(self, X, mask=None, h0=None) -> np.ndarray:
        """Outputs y: (B, m) at the last step for ``output="last"``, (B, T, m) for ``"all"``."""
        Y = self._forward(X, mask, h0).Y
        return Y if self.output == "last" else Y.transpose(1, 0, 2)

    __call__ = forward

    # -- loss ------------------------------------------------------------------
    def _loss_rows(self, Y: np.ndarray, targets, mask: np.ndarray | None):
        """The loss of time-major outputs, and dL/dY in the same layout."""
        loss = LOSSES[self.loss_name]
        targets = np.asarray(targets)
        if self.output == "last":
            return loss(Y, targets, None)
        T, B, m = Y.shape
        if targets.shape[:2] != (B, T):
            raise ValueError(f"targets for output='all' must start with (B, T) = {(B, T)}, got {targets.shape}")
        targets = np.swapaxes(targets, 0, 1).reshape(T * B, -1)
        valid = None if mask is None else mask.reshape(T * B)
        value, dY = loss(Y.reshape(T * B, m), targets, valid)
        return value, dY.reshape(T, B, m)

    def loss(self, X, targets, mask=None, truncate: int | None = None,
             anchor: Mapping[str, np.ndarray] | None = None, h0=None) -> float:
        """The mean loss (see ``losses``).

        With ``truncate=k`` this is the surrogate whose exact gradient is the
        truncated BPTT gradient: each output y_t is computed over its last k
        steps from the state h_{t-k} of a forward pass with the parameters
        ``anchor`` (default: the current ones), held constant.  At
        ``params == anchor`` its value equals the full loss.
        """
        if truncate is None:
            cache = self._forward(X, mask, h0)
            return self._loss_rows(cache.Y, targets, cache.mask)[0]
        k = _check_truncate(truncate)
        current = self.params
        self.params = {name: np.asarray(p, dtype=self.dtype) for name, p in (anchor or current).items()}
        try:
            H0 = self._forward(X, mask, h0).H  # the states held constant (H0[0] = h0)
        finally:
            self.params = current
        inputs, tokens, mask = self._time_major(X, mask)
        T, B = inputs.shape[:2]
        drive = np.empty((T, B, self.k), dtype=self.dtype)
        self._drive(inputs, tokens, drive)
        ends = [T] if self.output == "last" else range(1, T + 1)
        H = np.empty((T + 1, B, self.k), dtype=self.dtype)
        last = []
        for t in ends:
            start = max(0, t - k)
            H[start] = H0[start]
            H[start + 1:t + 1] = drive[start:t]
            self._recur(H, mask, start, t)
            last.append(H[t].copy())
        Y = self._readout(last[0] if self.output == "last" else np.stack(last))
        return self._loss_rows(Y, targets, mask)[0]

    # -- backward (BPTT) -------------------------------------------------------
    def _dtanh(self, h: np.ndarray) -> np.ndarray:
        """phi'(v) of tanh, from its output: 1 - h^2."""
        return 1.0 - h * h

    def _carry(self, delta: np.ndarray) -> np.ndarray:
        """What step t passes back to h_{t-1}: U^T delta_t (row vectors: delta @ U)."""
        return delta @ self.params["U"]

    def _dphi(self, H: np.ndarray) -> np.ndarray:
        """phi'(v_t) for steps 1..T at once, (T, B, k), from the states H (T+1, B, k)."""
        return self._dtanh(H[1:])

    def _truncation(self, T: int, truncate: int | None) -> tuple[int, int]:
        """How the backward pass is cut: ``(ages, first)``.

        ``ages = 0``: one running dL/dh_t carries every output's gradient (full
        BPTT, or the single output of "last"); ``ages = k``: outputs at every
        step truncated to k steps, whose gradients must be kept apart by age
        (how many steps ago they entered) so that each is cut after k steps.
        Steps before ``first`` (0-based) get no delta.
        """
        if truncate is None or truncate >= T:
            return 0, 0
        if self.output == "last":
            return 0, T - truncate
        return truncate, 0

    def _deltas(self, cache: _Cache, dY: np.ndarray, truncate: int | None) -> np.ndarray:
        """delta_t of every step, (T, B, k): the BPTT recursion, full or truncated."""
        H, mask = cache.H, cache.mask
        T, B, k = H.shape[0] - 1, H.shape[1], self.k
        injected = dY @ self.params["V"]  # V^T dL/dy_t: (B, k) for "last", (T, B, k) for "all"
        ages, first = self._truncation(T, truncate)
        # g = dL/dh_t; with ages, g[a] is the part from the output a steps later.
        g = np.zeros((ages, B, k) if ages else (B, k), dtype=self.dtype)
        latest = g[0] if ages else g  # where the output of the current step enters
        dphi = self._dphi(H)
        if mask is not None:
            dphi *= mask[:, :, None]  # a carried step gets no delta
        D = np.empty((T, B, k), dtype=self.dtype)  # delta_t, summed over ages
        D[:first] = 0.0  # beyond the truncation
        for t in range(T - 1, first - 1, -1):  # t indexes steps 1..T as 0..T-1
            if self.output == "all":
                latest += injected[t]
            elif t == T - 1:
                latest += injected
            if ages:
                delta = g * dphi[t]
                delta.sum(axis=0, out=D[t])
            else:
                delta = np.multiply(g, dphi[t], out=D[t])
            if t == first:  # h_0 is constant, and nothing flows beyond a truncation
                break
            if ages:  # one step older: the oldest age is cut off, so only the younger ones are carried
                carried = self._carry(delta[:-1].reshape((ages - 1) * B, k)).reshape(ages - 1, B, k)
                if mask is not None:  # a carried state passes its gradient on unchanged
                    np.copyto(carried, g[:-1], where=~mask[t][:, None])
                g[1:] = carried
                g[0] = 0.0
            else:
                carried = self._carry(delta)
                if mask is not None:
                    np.copyto(carried, g, where=~mask[t][:, None])
                g = latest = carried
        return D

    def _input_sum(self, D: np.ndarray, inputs: np.ndarray, tokens: bool) -> np.ndarray:
        """dW = sum_t delta_t x_t^T over steps and sequences (a scatter-add of delta_t for token ids)."""
        D2 = D.reshape(-1, self.k)
        if tokens:  # x_t is one-hot: delta_t lands in the column of its token, once per occurrence
            dW_T = np.zeros((self.n, self.k), dtype=self.dtype)
            np.add.at(dW_T, inputs.reshape(-1), D2)
            return dW_T.T.copy()
        return D2.T @ inputs.reshape(D2.shape[0], -1)

    def _sums(self, cache: _Cache, dY: np.ndarray, D: np.ndarray) -> dict[str, np.ndarray]:
        """The gradients as sums over time (and the batch) of the deltas and output errors."""
        H, k = cache.H, self.k
        D2 = D.reshape(-1, k)
        dY2 = dY.reshape(-1, self.m)
        H_out = H[-1] if self.output == "last" else H[1:]  # the states the outputs read
        return {
            "W": self._input_sum(D, cache.inputs, cache.tokens),
            "U": D2.T @ H[:-1].reshape(-1, k),  # sum_t delta_t h_{t-1}^T
            "V": dY2.T @ H_out.reshape(-1, k),  # sum_t dL/dy_t h_t^T
            "b_h": D2.sum(axis=0),
            "b_y": dY2.sum(axis=0),
        }

    def _backward(self, cache: _Cache, dY: np.ndarray, truncate: int | None) -> dict[str, np.ndarray]:
        return self._sums(cache, dY, self._deltas(cache, dY, truncate))

    def loss_and_grads(self, X, targets, mask=None, truncate: int | None = None, h0=None):
        """``(loss, {name: dL/dparam})`` by BPTT, full or truncated to ``truncate`` steps, from ``h0``."""
        if truncate is not None:
            truncate = _check_truncate(truncate)
        cache = self._forward(X, mask, h0)
        value, dY = self._loss_rows(cache.Y, targets, cache.mask)
        return value, self._backward(cache, dY, truncate)

    # -- use -------------------------------------------------------------------
    def predict(self, X, mask=None) -> np.ndarray:
        """Class ids for "ce", 0/1 labels for "bce", the outputs y for "mse"."""
        Y = self.forward(X, mask)
        if self.loss_name == "ce":
            return Y.argmax(axis=-1)
        if self.loss_name == "bce":
            return (Y[..., 0] > 0).astype(np.int64)
        return Y

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        with open(path, "wb") as f:  # a file object keeps numpy from appending ".npz"
            np.savez(f, **self.params, output=self.output, loss=self.loss_name, dtype=self.dtype.str)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "FRNN":
        with np.load(path, allow_pickle=False) as data:
            return cls.from_params({name: data[name] for name in PARAM_NAMES}, output=str(data["output"]),
                                   loss=str(data["loss"]), dtype=np.dtype(str(data["dtype"])))

    def copy_params(self) -> dict[str, np.ndarray]:
        return {name: p.copy() for name, p in self.params.items()}

    def __repr__(self) -> str:
        return (f"FRNN(n={self.n}, k={self.k}, m={self.m}, output={self.output!r}, "
                f"loss={self.loss_name!r}, dtype={self.dtype.name})")


def _check_truncate(truncate: Any) -> int:
    k = int(truncate)
    if k < 1 or k != truncate:
        raise ValueError(f"truncate must be a positive integer number of steps, got {truncate!r}")
    return k
