"""The step-level reference (scratch/steps.py): right on its own, and the vectorised engine equals it."""
import itertools

import numpy as np
import pytest

from rnnsuite.scratch import FRNN
from rnnsuite.scratch.gradcheck import random_problem
from rnnsuite.scratch.steps import bptt, readout_backward, readout_forward, step_backward, step_forward

N, K, B, T = 3, 4, 5, 6  # B * T = 30 token ids from a vocabulary of 3: every id repeats


def random_params(m, seed, n=N, k=K):
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(size=(k, n)), "U": rng.normal(size=(k, k)) / np.sqrt(k),
            "V": rng.normal(size=(m, k)), "b_h": 0.3 * rng.normal(size=k), "b_y": 0.3 * rng.normal(size=m)}


def relative_difference(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


def central_difference(f, p, h=1e-6):
    """df/dp of a scalar function by central differences, perturbing p in place."""
    grad = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        keep = p[i]
        p[i] = keep + h
        up = f()
        p[i] = keep - h
        grad[i] = (up - f()) / (2 * h)
        p[i] = keep
    return grad


def test_step_backward_is_the_derivative_of_step_forward():
    rng = np.random.default_rng(0)
    p = random_params(2, 0)
    x_t, h_prev, G = rng.normal(size=(B, N)), rng.normal(size=(B, K)), rng.normal(size=(B, K))

    def f():  # a scalar of h_t whose dL/dh_t is G
        return float((G * step_forward(x_t, h_prev, p["W"], p["U"], p["b_h"])[0]).sum())

    _, cache = step_forward(x_t, h_prev, p["W"], p["U"], p["b_h"])
    dh_prev, dW, dU, db_h = step_backward(G, cache)
    assert (dh_prev.shape, dW.shape, dU.shape, db_h.shape) == ((B, K), (K, N), (K, K), (K,))
    for analytic, wrt in ((dh_prev, h_prev), (dW, p["W"]), (dU, p["U"]), (db_h, p["b_h"])):
        np.testing.assert_allclose(analytic, central_difference(f, wrt), rtol=1e-7, atol=1e-9)


def test_readout_backward_is_the_derivative_of_readout_forward():
    rng = np.random.default_rng(1)
    p = random_params(3, 1)
    h_t, G = rng.normal(size=(B, K)), rng.normal(size=(B, 3))

    def f():
        return float((G * readout_forward(h_t, p["V"], p["b_y"])[0]).sum())

    dh_t, dV, db_y = readout_backward(G, readout_forward(h_t, p["V"], p["b_y"])[1])
    for analytic, wrt in ((dh_t, h_t), (dV, p["V"]), (db_y, p["b_y"])):
        np.testing.assert_allclose(analytic, central_difference(f, wrt), rtol=1e-7, atol=1e-9)


CONFIGS = list(itertools.product((False, True), (False, True), ("last", "all"), ("ce", "bce", "mse"),
                                 (None, 1, 2, T)))


@pytest.mark.parametrize("tokens, masked, output, loss, truncate", CONFIGS)
def test_the_vectorised_engine_equals_the_step_loop(tokens, masked, output, loss, truncate):
    m = 1 if loss == "bce" else 3
    seed = CONFIGS.index((tokens, masked, output, loss, truncate))
    params = random_params(m, seed)
    X, targets, mask = random_problem(N, m, batch=B, steps=T, loss=loss, output=output, tokens=tokens,
                                      masked=masked, rng=seed + 1000)
    if masked:
        assert not mask.all()
    ref_loss, ref = bptt(params, X, targets, mask, output=output, loss=loss, truncate=truncate)
    model = FRNN.from_params(params, output=output, loss=loss)
    value, grads = model.loss_and_grads(X, targets, mask, truncate=truncate)
    assert value == pytest.approx(ref_loss, rel=1e-12)
    for name in ("W", "U", "V", "b_h", "b_y"):
        assert grads[name].shape == ref[name].shape
        assert relative_difference(grads[name], ref[name]) <= 1e-12, name


def test_truncation_mask_and_repeated_ids_change_the_reference_gradient():
    """The configurations above are not vacuous: each feature changes the reference's answer."""
    params = random_params(3, 7)
    X, y, mask = random_problem(N, 3, batch=B, steps=T, loss="ce", output="all", tokens=True, masked=True, rng=7)
    _, full = bptt(params, X, y, mask, output="all", loss="ce")
    _, cut = bptt(params, X, y, mask, output="all", loss="ce", truncate=1)
    _, unmasked = bptt(params, X, y, output="all", loss="ce")
    assert relative_difference(cut["U"], full["U"]) > 1e-3
    assert relative_difference(unmasked["W"], full["W"]) > 1e-3
    _, long = bptt(params, X, y, mask, output="all", loss="ce", truncate=T)
    for name in full:
        assert relative_difference(long[name], full[name]) <= 1e-14
    # an id that occurs several times gets the sum of its deltas, not one of them
    _, once = bptt(params, X[:1, -1:], y[:1, -1:], output="all", loss="ce")
    _, twice = bptt(params, np.repeat(X[:1, -1:], 2, axis=0), np.repeat(y[:1, -1:], 2, axis=0),
                    output="all", loss="ce")
    np.testing.assert_allclose(twice["W"], once["W"], rtol=1e-14)  # the mean over two equal rows


def test_bptt_refuses_bad_arguments_in_one_line():
    params = random_params(3, 0)
    X, y, _ = random_problem(N, 3, batch=2, steps=3, loss="ce", output="last", rng=0)
    for kwargs, match in (({"output": "first", "loss": "ce"}, "output"), ({"output": "last", "loss": "hinge"}, "loss"),
                          ({"output": "last", "loss": "ce", "truncate": 0}, "truncate")):
        with pytest.raises(ValueError, match=match):
            bptt(params, X, y, **kwargs)
    with pytest.raises(ValueError, match="token ids"):
        bptt(params, np.full((2, 3), N), y, output="last", loss="ce")
    with pytest.raises(ValueError, match="mask"):
        bptt(params, X, y, np.ones((2, 4), bool), output="last", loss="ce")
    with pytest.raises(ValueError, match="missing parameters: U"):
        bptt({name: p for name, p in params.items() if name != "U"}, X, y, output="last", loss="ce")
