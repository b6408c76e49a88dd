"""Seconds per epoch: the scratch FRNN against Keras SimpleRNN and a matmul-only bound.

    .venv/bin/python benchmarks/bench_scratch.py [--windows 10000] [--epochs 4] [--threads N]

Both networks have k = 64 hidden units, n = 8 inputs, one output, batch 64,
and train on the same 10,000 random windows (regression on the last step:
the target is the mean of the first input over the window, so memory is
needed), with Adam and mean squared error, at window 3 and window 50.  The
first epoch is excluded (Keras traces its graph there); the figure is the
median of the remaining epochs.  FRNN and matmul-bound epochs alternate, so
that load from elsewhere on the machine hits both alike.

The matmul bound times only the matrix products an FRNN epoch does, with the
same count and shapes, into preallocated outputs: per batch W x for all
steps, T recurrent products forward and T - 1 backward (nothing flows into
the constant h_0), the readout and its gradient, and dW, dU, dV.  The engine
cannot beat it without doing less arithmetic; the gap is the elementwise work (tanh, its derivative, adds) and
Python's per-step overhead.

Keras runs with ``steps_per_execution`` at its default of 1 unless
``--steps-per-execution`` says otherwise; the script prints which.
``--threads N`` sets OpenBLAS's and TensorFlow's thread counts (default:
their own choice).

First it shows what ``rnnsuite run`` gains by holding numpy's BLAS pool to
one thread (``rnnsuite.threads``): one FRNN forward and backward pass at
B=64, T=50, k=64, and one Keras SimpleRNN training step of the same shape,
each timed with the BLAS pool as numpy starts it and held to one thread
(threadpoolctl), alternating, median of ``--blas-repeats``.  The FRNN should
be much faster on one thread on a shared machine; Keras, which does not use
numpy's BLAS, should not change.  ``--skip-blas`` leaves it out, ``--blas-only``
runs nothing else.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

TARGETS = {3: 0.2, 50: 0.5}  # FRNN epoch time as a fraction of Keras's, from the issue
BOUND_FACTOR = 2.0  # FRNN epoch within 2x of the matmul bound


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--windows", type=int, default=10_000)
    p.add_argument("--epochs", type=int, default=4,
                   help="epochs per run; the first is excluded; the median of the rest is reported")
    p.add_argument("--steps", type=int, nargs="+", default=[3, 50], help="window lengths")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--inputs", type=int, default=8)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--steps-per-execution", type=int, default=1)
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--skip-keras", action="store_true")
    p.add_argument("--skip-blas", action="store_true", help="leave out the BLAS thread-pool comparison")
    p.add_argument("--blas-only", action="store_true", help="only the BLAS thread-pool comparison")
    p.add_argument("--blas-repeats", type=int, default=30)
    return p.parse_args()


def windows(n_windows: int, steps: int, n: int, dtype, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_windows, steps, n)).astype(dtype)
    y = X[:, :, :1].mean(axis=1).astype(dtype)  # (N, 1)
    return X, y


def steady(times: list[float]) -> float:
    """The median epoch after the first: robust to other load on a shared machine."""
    rest = sorted(times[1:] or times)
    mid = len(rest) // 2
    return rest[mid] if len(rest) % 2 else (rest[mid - 1] + rest[mid]) / 2


def frnn_epochs(X, y, args, losses: list[float]):
    """Yield after each FRNN training epoch."""
    import numpy as np

    from rnnsuite.scratch import FRNN, Adam, fit

    model = FRNN(args.inputs, args.hidden, 1, loss="mse", rng=0, dtype=np.dtype(args.dtype))
    optimizer = Adam(1e-3)
    for epoch in range(args.epochs):
        history = fit(model, X, y, epochs=1, batch_size=args.batch, optimizer=optimizer, rng=epoch)
        losses.append(history["loss"][-1])
        yield


def matmul_epochs(X, args):
    """Yield after each epoch's worth of the FRNN's matrix products (same count and shapes)."""
    import numpy as np

    N, T, n = X.shape
    k, m, dtype = args.hidden, 1, np.dtype(args.dtype)
    rng = np.random.default_rng(0)
    W, U, V = (rng.standard_normal(s).astype(dtype) for s in ((k, n), (k, k), (m, k)))
    for _ in range(args.epochs):
        for first in range(0, N, args.batch):
            B = min(args.batch, N - first)
            x = X[first:first + B].reshape(B * T, n)  # stands in for the shuffled batch
            H = np.empty((T + 1, B, k), dtype)
            H[0] = 0.1
            D = np.empty((T, B, k), dtype)
            D[:] = 0.1
            tmp = np.empty((B, k), dtype)
            np.matmul(x, W.T, out=H[1:].reshape(T * B, k))  # W x_t, all steps
            for t in range(1, T + 1):
                np.matmul(H[t - 1], U.T, out=tmp)  # U h_{t-1}
            dY = H[T] @ V.T  # readout y_T
            dY @ V  # V^T dL/dy
            for t in range(1, T):  # none from step 1: h_0 is constant
                np.matmul(D[t], U, out=tmp)  # U^T delta_t
            D2 = D.reshape(T * B, k)
            D2.T @ x  # dW
            D2.T @ H[:-1].reshape(T * B, k)  # dU
            dY.T @ H[T]  # dV
        yield


def blas_effect(args) -> None:
    """FRNN forward+backward (and a Keras step) at B=64, T=50: numpy's BLAS pool as started vs one thread."""
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    from rnnsuite.scratch import FRNN

    X, y = windows(args.batch, 50, args.inputs, args.dtype)
    model = FRNN(args.inputs, args.hidden, 1, loss="mse", rng=0, dtype=np.dtype(args.dtype))
    steps = {"FRNN forward+backward": lambda: model.loss_and_grads(X, y)}
    if not args.skip_keras:
        import keras

        net = keras.Sequential([keras.Input(X.shape[1:]), keras.layers.SimpleRNN(args.hidden), keras.layers.Dense(1)])
        net.compile(optimizer="adam", loss="mse")
        net.train_on_batch(X, y)  # traced once, outside the timing
        steps["Keras SimpleRNN train step"] = lambda: net.train_on_batch(X, y)
    pools = sorted({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})
    settings = {f"BLAS as started ({'/'.join(map(str, pools))} threads)": None, "BLAS on 1 thread": 1}
    times = {(step, label): [] for step in steps for label in settings}
    for _ in range(args.blas_repeats):  # alternating, so that load from elsewhere hits both alike
        for step, call in steps.items():
            for label, limit in settings.items():
                with threadpool_limits(limits=limit, user_api="blas"):
                    start = time.perf_counter()
                    call()
                    times[step, label].append(time.perf_counter() - start)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"BLAS thread pool, B={args.batch} T=50 k={args.hidden} n={args.inputs}, median of {args.blas_repeats} "
          f"(load average {load}):")
    for (step, label), values in times.items():
        print(f"  {step:28s} {label:28s} {1000 * sorted(values)[len(values) // 2]:8.2f} ms")
    print()


def interleaved(*runs) -> list[list[float]]:
    """Epoch times of several runs, taking one epoch of each in turn (fair under varying load)."""
    times: list[list[float]] = [[] for _ in runs]
    active = list(enumerate(runs))
    while active:
        for i, run in list(active):
            start = time.perf_counter()
            try:
                next(run)
            except StopIteration:
                active.remove((i, run))
                continue
            times[i].append(time.perf_counter() - start)
    return times


def time_keras(X, y, args) -> float:
    import keras

    keras.utils.set_random_seed(0)
    N, T, n = X.shape
    model = keras.Sequential([keras.Input((T, n)), keras.layers.SimpleRNN(args.hidden), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", steps_per_execution=args.steps_per_execution)
    times: list[float] = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(X, y, batch_size=args.batch, epochs=args.epochs, shuffle=True, verbose=0, callbacks=[Timer()])
    return steady(times)


def main() -> None:
    args = parse()
    from rnnsuite.kerasutil import quiet_tensorflow

    quiet_tensorflow()  # Keras as rnnsuite runs it
    if args.threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    import numpy as np

    if args.threads and not args.skip_keras:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"threads {args.threads or 'default'}, dtype {args.dtype}, windows {args.windows}, "
          f"k {args.hidden}, n {args.inputs}, batch {args.batch}, epochs {args.epochs} (first excluded), "
          f"Keras steps_per_execution {args.steps_per_execution}")
    if not args.skip_blas:
        blas_effect(args)
    if args.blas_only:
        return
    rows = []
    for T in args.steps:
        X, y = windows(args.windows, T, args.inputs, args.dtype)
        losses: list[float] = []
        frnn, bound = map(steady, interleaved(frnn_epochs(X, y, args, losses), matmul_epochs(X, args)))
        loss = losses[-1]
        keras_s = float("nan") if args.skip_keras else time_keras(X, y, args)
        rows.append((T, frnn, keras_s, bound, loss))
        print(f"window {T:3d}: FRNN {frnn:.3f} s/epoch (loss {loss:.4f}), Keras SimpleRNN {keras_s:.3f} s/epoch, "
              f"matmul bound {bound:.3f} s/epoch", flush=True)
    print()
    print("window  FRNN/Keras  target   FRNN/matmul-bound  target")
    for T, frnn, keras_s, bound, _ in rows:
        target = TARGETS.get(T)
        print(f"{T:6d}  {frnn / keras_s:10.3f}  {'<= ' + str(target) if target else '-':7s}  "
              f"{frnn / bound:17.2f}  <= {BOUND_FACTOR:g}")


if __name__ == "__main__":
    main()
