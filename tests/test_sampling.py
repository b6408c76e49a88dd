"""Temperature and top-k sampling (rnnsuite.sampling), by hand."""
import numpy as np
import pytest

from rnnsuite.sampling import adjust, draw, softmax


def test_temperature_raises_probabilities_to_one_over_t():
    p = np.array([[0.5, 0.3, 0.2]])
    half = p[0] ** 2 / (p[0] ** 2).sum()
    assert np.allclose(adjust(p, temperature=0.5)[0], half)
    assert np.allclose(adjust(p, temperature=1.0), p)
    assert adjust(p, temperature=2.0)[0, 0] < 0.5  # flatter


def test_top_k_and_exclude_remove_tokens():
    p = np.array([[0.1, 0.4, 0.3, 0.2]])
    assert np.allclose(adjust(p, top_k=2)[0], [0, 4 / 7, 3 / 7, 0])
    assert np.allclose(adjust(p, exclude=(1,))[0], [1 / 6, 0, 3 / 6, 2 / 6])
    with pytest.raises(ValueError, match="no probability left"):
        adjust(np.array([[1.0, 0.0]]), exclude=(0,))
    with pytest.raises(ValueError):
        adjust(p, temperature=0)


def test_draws_follow_the_distribution():
    rng = np.random.default_rng(0)
    p = np.tile([0.7, 0.2, 0.1, 0.0], (20000, 1))
    counts = np.bincount(draw(p, rng), minlength=4) / len(p)
    assert np.allclose(counts, [0.7, 0.2, 0.1, 0.0], atol=0.015) and counts[3] == 0
    assert (draw(p[:100], rng, temperature=0.05) == 0).all()  # nearly greedy


def test_softmax_rows_sum_to_one():
    z = np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]])
    assert np.allclose(softmax(z), [[0.5, 0.5], [0.25, 0.75]])
