"""The FRNN engine: the course's equations, inputs, masks, losses, saving."""
import numpy as np
import pytest

from rnnsuite.scratch import FRNN, binary_cross_entropy, cross_entropy, squared_error
from rnnsuite.scratch.frnn import orthogonal


def loop_forward(model, X):
    """The course's equations, one sequence and one step at a time (column vectors)."""
    p = model.params
    out = []
    for x in X:
        h, ys = np.zeros(model.k), []
        for x_t in x:
            h = np.tanh(p["W"] @ x_t + p["U"] @ h + p["b_h"])
            ys.append(p["V"] @ h + p["b_y"])
        out.append(ys)
    return np.array(out)  # (B, T, m)


def test_parameters_have_the_course_shapes_and_are_the_attributes():
    model = FRNN(4, 6, 3, rng=0)
    shapes = {name: p.shape for name, p in model.params.items()}
    assert shapes == {"W": (6, 4), "U": (6, 6), "V": (3, 6), "b_h": (6,), "b_y": (3,)}
    assert model.W is model.params["W"] and model.b_y is model.params["b_y"]
    model.U = np.eye(6)
    assert model.params["U"] is model.U and np.array_equal(model.params["U"], np.eye(6))


def test_initialisation_orthogonal_recurrence_zero_biases():
    model = FRNN(10, 16, 2, rng=1)
    np.testing.assert_allclose(model.U @ model.U.T, np.eye(16), atol=1e-12)
    assert not model.b_h.any() and not model.b_y.any()
    assert 0.5 < model.W.std() * np.sqrt(10) < 1.5  # scaled by 1/sqrt(fan_in)
    assert np.array_equal(FRNN(10, 16, 2, rng=1).W, model.W)  # seeded
    q = orthogonal(5, np.random.default_rng(0))
    np.testing.assert_allclose(q.T @ q, np.eye(5), atol=1e-12)


@pytest.mark.parametrize("output", ["last", "all"])
def test_vectorised_forward_matches_the_equations(output):
    rng = np.random.default_rng(0)
    model = FRNN(3, 5, 2, output=output, rng=0)
    model.b_h[:] = rng.normal(size=5)
    model.b_y[:] = rng.normal(size=2)
    X = rng.normal(size=(4, 7, 3))
    expected = loop_forward(model, X)
    y = model.forward(X)
    np.testing.assert_allclose(y, expected[:, -1] if output == "last" else expected, rtol=1e-12, atol=1e-12)


def test_token_ids_equal_one_hot_inputs_forward_and_backward():
    rng = np.random.default_rng(1)
    model = FRNN(6, 5, 3, output="all", loss="ce", rng=1)
    ids = rng.integers(0, 6, (4, 5))
    onehot = np.eye(6)[ids]
    y = rng.integers(0, 3, (4, 5))
    np.testing.assert_allclose(model.forward(ids), model.forward(onehot), atol=1e-12)
    la, ga = model.loss_and_grads(ids, y)
    lb, gb = model.loss_and_grads(onehot, y)
    assert la == pytest.approx(lb, rel=1e-12)
    for name in ga:
        np.testing.assert_allclose(ga[name], gb[name], atol=1e-12)
    with pytest.raises(ValueError, match="token ids"):
        model.forward(ids + 6)


def test_masked_left_padding_equals_the_unpadded_sequence():
    rng = np.random.default_rng(2)
    model = FRNN(3, 4, 2, loss="mse", rng=2)
    short = rng.normal(size=(1, 3, 3))
    padded = np.concatenate([rng.normal(size=(1, 2, 3)), short], axis=1)  # garbage in the padding
    mask = np.array([[False, False, True, True, True]])
    np.testing.assert_allclose(model.forward(padded, mask), model.forward(short), atol=1e-12)
    target = rng.normal(size=(1, 2))
    l_short, g_short = model.loss_and_grads(short, target)
    l_pad, g_pad = model.loss_and_grads(padded, target, mask)
    assert l_pad == pytest.approx(l_short, rel=1e-12)
    for name in g_short:
        np.testing.assert_allclose(g_pad[name], g_short[name], atol=1e-12)


def test_masked_steps_carry_no_loss_with_output_all():
    rng = np.random.default_rng(3)
    model = FRNN(2, 3, 2, output="all", loss="ce", rng=3)
    X = rng.normal(size=(2, 4, 2))
    mask = np.array([[False, True, True, True], [True, True, True, True]])
    y = rng.integers(0, 2, (2, 4))
    y2 = y.copy()
    y2[0, 0] = 1 - y2[0, 0]  # a different target on a padded step changes nothing
    assert model.loss(X, y, mask) == model.loss(X, y2, mask)
    assert model.loss(X, y) != model.loss(X, y2)


def test_losses_values_and_gradients():
    y = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5]])
    loss, dy = cross_entropy(y, np.array([0, 2]))
    p0 = np.exp(y[0]) / np.exp(y[0]).sum()
    assert loss == pytest.approx((-np.log(p0[0]) + np.log(3)) / 2)
    np.testing.assert_allclose(dy.sum(axis=1), 0, atol=1e-15)  # softmax - onehot sums to 0
    loss, dy = binary_cross_entropy(np.array([[0.0], [1000.0]]), np.array([1, 1]))
    assert loss == pytest.approx(np.log(2) / 2) and np.isfinite(dy).all()
    loss, dy = squared_error(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]]))
    assert loss == pytest.approx(0.5 * 5) and dy.tolist() == [[1.0, 2.0]]  # Haykin's E = 1/2 sum e^2
    loss, _ = squared_error(np.array([[1.0], [3.0]]), np.zeros((2, 1)), valid=np.array([True, False]))
    assert loss == pytest.approx(0.5)  # mean over the valid rows only


def test_predict_per_loss():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(5, 3, 2))
    ce = FRNN(2, 4, 3, loss="ce", rng=0)
    assert np.array_equal(ce.predict(X), ce.forward(X).argmax(axis=1))
    bce = FRNN(2, 4, 1, loss="bce", rng=0)
    assert set(np.unique(bce.predict(X))) <= {0, 1} and bce.predict(X).shape == (5,)
    mse = FRNN(2, 4, 2, loss="mse", output="all", rng=0)
    assert mse.predict(X).shape == (5, 3, 2)


def test_save_and_load_round_trip(tmp_path):
    model = FRNN(3, 4, 1, output="all", loss="bce", rng=5, dtype=np.float32)
    path = model.save(tmp_path / "frnn.npz")
    loaded = FRNN.load(path)
    assert (loaded.output, loaded.loss_name, loaded.dtype) == ("all", "bce", np.float32)
    for name in model.params:
        assert np.array_equal(loaded.params[name], model.params[name])


def test_float32_training_dtype_is_kept():
    model = FRNN(3, 4, 2, loss="mse", rng=0, dtype=np.float32)
    X = np.random.default_rng(0).normal(size=(2, 3, 3))
    _, grads = model.loss_and_grads(X, np.zeros((2, 2)))
    assert model.forward(X).dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())


@pytest.mark.parametrize("kwargs, message", [
    (dict(output="middle"), "output"), (dict(loss="hinge"), "loss"), (dict(loss="bce"), "m = 1"),
])
def test_bad_configurations(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FRNN(2, 3, 2, **kwargs)


def test_bad_inputs_and_truncation():
    model = FRNN(2, 3, 2, rng=0)
    with pytest.raises(ValueError, match="shape"):
        model.forward(np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match="truncate"):
        model.loss_and_grads(np.zeros((1, 3, 2)), np.zeros(1, int), truncate=0)
    with pytest.raises(ValueError, match="mask"):
        model.forward(np.zeros((1, 3, 2)), mask=np.ones((1, 2), bool))
