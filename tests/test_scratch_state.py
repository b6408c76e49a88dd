"""The FRNN's state extension: h0 in, last_state out (min-char-rnn training over chunks)."""
import numpy as np
import pytest
from lm_helpers import FromState

from rnnsuite.scratch import FRNN, check_gradients


def tokens(rng, B=3, T=6, n=7):
    return rng.integers(0, n, (B, T)), rng.integers(0, n, (B, T))


@pytest.mark.parametrize("truncate", [None, 2])
def test_gradients_from_a_given_state_pass_the_check(truncate):
    rng = np.random.default_rng(0)
    model = FRNN(7, 5, 7, output="all", loss="ce", rng=1)
    X, Y = tokens(rng)
    h0 = 0.5 * rng.standard_normal((3, 5))
    result = check_gradients(FromState(model, h0), X, Y, truncate=truncate)
    assert result.passed, result.max_error
    # h0 matters: the gradient of U differs from the one from a zero state
    assert not np.allclose(model.loss_and_grads(X, Y, h0=h0)[1]["U"], model.loss_and_grads(X, Y)[1]["U"])


def test_chunks_with_the_state_carried_equal_one_pass():
    rng = np.random.default_rng(1)
    model = FRNN(7, 5, 7, output="all", loss="ce", rng=2)
    X, _ = tokens(rng, T=9)
    whole = model.forward(X)
    h_T = model.last_state
    parts = []
    h = None
    for start in (0, 4, 7):
        parts.append(model.forward(X[:, start:start + {0: 4, 4: 3, 7: 2}[start]], h0=h))
        h = model.last_state
    assert np.allclose(np.concatenate(parts, axis=1), whole, atol=1e-12)
    assert np.allclose(h, h_T, atol=1e-12) and h.shape == (3, 5)


def test_a_wrong_state_shape_is_refused():
    model = FRNN(7, 5, 7, output="all", loss="ce", rng=2)
    X = np.zeros((3, 4), dtype=np.int64)
    with pytest.raises(ValueError, match=r"h0 must have shape \(B, k\) = \(3, 5\)"):
        model.forward(X, h0=np.zeros((3, 4)))
    assert model.forward(X, h0=np.zeros((1, 5))).shape == (3, 4, 7)  # one row is shared by the batch
