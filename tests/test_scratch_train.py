"""Optimisers, clipping, the trainer, and a task that needs memory."""
import math

import numpy as np
import pytest

from rnnsuite.scratch import FRNN, SGD, Adam, Momentum, clip_global_norm, fit


def recall_task(n_records, steps=10, vocab=4, seed=0):
    """Delayed recall: see `steps` random tokens, name the first one at the end."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, vocab, (n_records, steps))
    return X, X[:, 0].copy()


class Memoryless(FRNN):
    """The same network with U forced to 0: h_T depends on x_T alone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.U[...] = 0.0

    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        loss, grads = super().loss_and_grads(X, targets, mask, truncate)
        grads["U"][...] = 0.0
        return loss, grads


def test_delayed_recall_needs_and_gets_memory():
    # A memoryless model sees only the last token, which is independent of the
    # first: its best cross-entropy is that of the uniform guess, ln 4 = 1.386.
    chance = math.log(4)
    X, y = recall_task(2000)
    train, val = slice(0, 1600), slice(1600, None)
    model = FRNN(4, 16, 4, rng=0)
    history = fit(model, X[train], y[train], epochs=8, batch_size=32, optimizer=Adam(0.01), clip=5.0,
                  validation=(X[val], y[val]), rng=0)
    assert history["val_loss"][-1] < 0.1 < chance - 0.5
    assert (model.predict(X[val]) == y[val]).mean() > 0.97

    memoryless = Memoryless(4, 16, 4, rng=0)
    fit(memoryless, X[train], y[train], epochs=3, batch_size=32, optimizer=Adam(0.01), rng=0)
    assert memoryless.loss(X[val], y[val]) > chance - 0.05
    assert not memoryless.U.any()


def test_sgd_is_haykins_update():
    params = {"w": np.array([1.0, 2.0])}
    SGD(lr=0.5).step(params, {"w": np.array([2.0, -2.0])})
    assert params["w"].tolist() == [0.0, 3.0]


@pytest.mark.parametrize("optimizer", [SGD(0.1), Momentum(0.05), Adam(0.05)], ids=["sgd", "momentum", "adam"])
def test_optimisers_minimise_a_quadratic_in_place(optimizer):
    w = np.array([3.0, -2.0])
    params = {"w": w}
    for _ in range(300):
        optimizer.step(params, {"w": 2 * params["w"]})
    assert params["w"] is w and np.abs(w).max() < 1e-2


def test_global_norm_clipping():
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    assert clip_global_norm(grads, 1.0) == pytest.approx(5.0)
    assert grads["a"][0] == pytest.approx(0.6) and grads["b"][0] == pytest.approx(0.8)
    small = {"a": np.array([0.1])}
    clip_global_norm(small, 1.0)
    assert small["a"][0] == 0.1


def test_callbacks_early_stopping_and_best_params_restored():
    X, y = recall_task(200, steps=4, seed=1)
    vX, vy = recall_task(100, steps=4, seed=2)
    model = FRNN(4, 8, 4, rng=1)
    W = model.W
    epochs, batches = [], []
    # a learning rate that diverges after the first epochs makes validation loss rise
    history = fit(model, X, y, epochs=30, batch_size=50, optimizer=SGD(lr=40.0), validation=(vX, vy),
                  patience=2, rng=0, on_epoch=lambda e, n, logs: epochs.append((e, n, set(logs))),
                  on_batch=lambda b, n: batches.append((b, n)))
    assert history["stopped_early"] and history["epochs"] < 30
    assert history["epochs"] == history["best_epoch"] + 2
    assert model.W is W  # restored in place
    assert model.loss(vX, vy) == pytest.approx(min(history["val_loss"]))
    assert epochs[0] == (1, 30, {"loss", "val_loss"}) and len(epochs) == history["epochs"]
    assert batches[:4] == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_shuffling_is_seeded_and_stays_within_the_given_block():
    X, y = recall_task(64, steps=3)
    seen = []

    class Spy(FRNN):
        def loss_and_grads(self, X, targets, mask=None, truncate=None):
            seen.append(X.copy())
            return super().loss_and_grads(X, targets, mask, truncate)

    runs = []
    for _ in range(2):
        seen.clear()
        fit(Spy(4, 4, 4, rng=0), X, y, epochs=1, batch_size=16, optimizer=SGD(0.1), rng=7)
        runs.append(np.concatenate(seen))
    assert np.array_equal(runs[0], runs[1])
    assert sorted(map(tuple, runs[0])) == sorted(map(tuple, X))  # a permutation of the block
    assert not np.array_equal(runs[0], X)


def test_truncated_and_masked_training_reduce_the_loss():
    X, y = recall_task(256, steps=6, seed=3)
    mask = np.ones(X.shape, bool)
    mask[::2, :2] = False
    model = FRNN(4, 8, 4, rng=2)
    before = model.loss(X, y, mask)
    history = fit(model, X, y, epochs=5, batch_size=32, optimizer=Adam(0.01), truncate=3, mask=mask, clip=1.0,
                  rng=0)
    assert history["loss"][-1] < before and len(history["grad_norm"]) == 5
