"""An independent oracle for the engine's BPTT: TensorFlow's autodiff in float64.

The FRNN, its losses and the truncation surrogate are written again here in
TensorFlow (one-hot matrices for token ids, ``tf.where`` for masks,
TensorFlow's own cross-entropies), and ``tf.GradientTape`` differentiates
them.  Truncated BPTT is the gradient of the surrogate of ``frnn.py``: output
y_t computed over its last k steps from the state h_{t-k} of the untruncated
forward pass, held constant by ``tf.stop_gradient``.
"""
import itertools

import numpy as np
import pytest

from rnnsuite.kerasutil import quiet_tensorflow

quiet_tensorflow()
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from rnnsuite.scratch import FRNN  # noqa: E402
from rnnsuite.scratch.frnn import PARAM_NAMES  # noqa: E402
from rnnsuite.scratch.gradcheck import random_problem  # noqa: E402

pytestmark = pytest.mark.slow

N, K, B, T = 3, 4, 3, 5  # B * T = 15 token ids from 3: every id repeats


def random_params(m, seed):
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(size=(K, N)), "U": rng.normal(size=(K, K)) / np.sqrt(K),
            "V": rng.normal(size=(m, K)), "b_h": 0.3 * rng.normal(size=K), "b_y": 0.3 * rng.normal(size=m)}


def tf_inputs(X):
    X = np.asarray(X)
    if X.ndim == 2:  # token ids: x_t is the one-hot vector of the id
        return tf.one_hot(X, N, dtype=tf.float64)
    return tf.constant(X, dtype=tf.float64)


def tf_states(p, x, real, h, start, stop):
    """h_start = h, then h_t = tanh(W x_t + U h_{t-1} + b_h) for t = start+1..stop; padded steps carry h."""
    for t in range(start, stop):
        h_new = tf.tanh(x[:, t] @ tf.transpose(p["W"]) + h @ tf.transpose(p["U"]) + p["b_h"])
        h = tf.where(real[:, t, None], h_new, h)
    return h


def tf_mean_loss(y, targets, valid, loss):
    """The mean over the valid rows of TensorFlow's own loss for each row."""
    if loss == "ce":
        rows = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets.reshape(-1).astype(np.int64), logits=y)
    elif loss == "bce":
        rows = tf.nn.sigmoid_cross_entropy_with_logits(labels=targets.reshape(-1).astype(np.float64), logits=y[:, 0])
    else:
        rows = 0.5 * tf.reduce_sum((targets.reshape(y.shape) - y) ** 2, axis=1)
    valid = tf.constant(valid, dtype=tf.float64)
    return tf.reduce_sum(rows * valid) / tf.maximum(1.0, tf.reduce_sum(valid))


def tf_loss(p, X, targets, mask, output, loss, truncate=None, anchor=None):
    """The loss, or with ``truncate=k`` its surrogate: y_t from h_{t-k} of the ``anchor`` forward pass, held fixed."""
    x = tf_inputs(X)
    real = np.ones((B, T), bool) if mask is None else np.asarray(mask)
    full = [tf.zeros((B, K), dtype=tf.float64)]  # h_0 .. h_T of the untruncated forward pass
    for t in range(T):
        full.append(tf_states(anchor or p, x, real, full[-1], t, t + 1))
    ends = [T] if output == "last" else range(1, T + 1)
    hs = []
    for t in ends:
        if truncate is None:
            hs.append(full[t])
        else:
            start = max(0, t - truncate)
            hs.append(tf_states(p, x, real, tf.stop_gradient(full[start]), start, t))
    h = tf.stack(hs, axis=1)  # (B, outputs, k)
    y = tf.reshape(h @ tf.transpose(p["V"]) + p["b_y"], (B * len(hs), -1))
    valid = np.ones(B) if output == "last" else real.reshape(-1)  # rows in (sequence, step) order
    return tf_mean_loss(y, np.asarray(targets), valid, loss)


def tf_loss_and_grads(params, X, targets, mask, output, loss, truncate):
    p = {name: tf.Variable(params[name], dtype=tf.float64) for name in PARAM_NAMES}
    with tf.GradientTape() as tape:
        value = tf_loss(p, X, targets, mask, output, loss, truncate)
    grads = tape.gradient(value, [p[name] for name in PARAM_NAMES])
    return float(value), {name: g.numpy() for name, g in zip(PARAM_NAMES, grads)}


def relative_difference(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


CONFIGS = list(itertools.product((False, True), (False, True), ("last", "all"), ("ce", "bce", "mse"),
                                 (None, 1, 2, T)))


@pytest.mark.parametrize("tokens, masked, output, loss, truncate", CONFIGS)
def test_engine_gradients_equal_tensorflow_autodiff(tokens, masked, output, loss, truncate):
    m = 1 if loss == "bce" else 3
    seed = CONFIGS.index((tokens, masked, output, loss, truncate))
    params = random_params(m, seed)
    X, targets, mask = random_problem(N, m, batch=B, steps=T, loss=loss, output=output, tokens=tokens,
                                      masked=masked, rng=seed + 500)
    oracle_loss, oracle = tf_loss_and_grads(params, X, targets, mask, output, loss, truncate)
    value, grads = FRNN.from_params(params, output=output, loss=loss).loss_and_grads(X, targets, mask,
                                                                                      truncate=truncate)
    assert value == pytest.approx(oracle_loss, rel=1e-12)
    for name in PARAM_NAMES:
        assert relative_difference(grads[name], oracle[name]) <= 1e-12, (name, grads[name], oracle[name])


def test_the_oracle_tells_truncated_from_full_bptt():
    """The oracle is not blind to what it checks: truncation to one step changes its gradient of U."""
    params = random_params(3, 0)
    X, targets, _ = random_problem(N, 3, batch=B, steps=T, loss="mse", output="all", rng=0)
    _, full = tf_loss_and_grads(params, X, targets, None, "all", "mse", None)
    _, cut = tf_loss_and_grads(params, X, targets, None, "all", "mse", 1)
    assert relative_difference(cut["U"], full["U"]) > 1e-2
    _, engine_full = FRNN.from_params(params, output="all", loss="mse").loss_and_grads(X, targets)
    assert relative_difference(engine_full["U"], cut["U"]) > 1e-2


@pytest.mark.parametrize("output, truncate", [("last", 2), ("all", 1), ("all", 3)])
def test_engine_surrogate_loss_equals_tensorflow_away_from_the_anchor(output, truncate):
    """loss(truncate=k, anchor=p0) at other parameters: the value the gradient check differentiates."""
    anchor = random_params(3, 1)
    moved = {name: p + 0.05 * np.random.default_rng(2).normal(size=p.shape) for name, p in anchor.items()}
    X, targets, mask = random_problem(N, 3, batch=B, steps=T, loss="ce", output=output, masked=True, rng=3)
    model = FRNN.from_params(moved, output=output, loss="ce")
    p = {name: tf.constant(v) for name, v in moved.items()}
    p0 = {name: tf.constant(v) for name, v in anchor.items()}
    expected = float(tf_loss(p, X, targets, mask, output, "ce", truncate, anchor=p0))
    assert model.loss(X, targets, mask, truncate=truncate, anchor=anchor) == pytest.approx(expected, rel=1e-12)
    assert model.loss(X, targets, mask) != pytest.approx(expected, rel=1e-6)  # the surrogate is not the loss


@pytest.mark.parametrize("masked", [False, True])
def test_forward_pass_equals_keras_simple_rnn_with_the_same_weights(masked):
    params = random_params(2, 4)
    X, _, mask = random_problem(N, 2, batch=B, steps=T, loss="mse", output="all", masked=masked, rng=4)
    rnn = keras.layers.SimpleRNN(K, return_sequences=True, dtype="float64")
    rnn.build((B, T, N))
    rnn.set_weights([params["W"].T, params["U"].T, params["b_h"]])  # kernel W^T, recurrent kernel U^T, bias b_h
    h = rnn(tf.constant(X), mask=None if mask is None else tf.constant(mask)).numpy()
    expected = h @ params["V"].T + params["b_y"]
    y = FRNN.from_params(params, output="all", loss="mse").forward(X, mask)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    last = FRNN.from_params(params, output="last", loss="mse").forward(X, mask)
    np.testing.assert_allclose(last, expected[:, -1], rtol=1e-12, atol=1e-12)
