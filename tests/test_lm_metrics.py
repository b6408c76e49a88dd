"""Bits per character and top-k accuracy (rnnsuite.metrics), by hand."""
import numpy as np
import pytest

from rnnsuite.metrics import bits_per_token, top_k_accuracy


def test_bits_per_character_by_hand():
    assert bits_per_token([0.5, 0.25]) == pytest.approx(1.5)
    assert bits_per_token([1.0]) == 0.0
    assert bits_per_token(np.full(10, 1 / 64)) == pytest.approx(6.0)  # a uniform guess over 64 characters


def test_bits_refuse_impossible_probabilities():
    for bad in ([0.0], [1.5], [np.nan], []):
        with pytest.raises(ValueError):
            bits_per_token(bad)


def test_top_k_accuracy_by_hand():
    ranked = np.array([[3, 1, 2], [0, 2, 1], [1, 0, 3]])
    true = np.array([3, 1, 2])
    assert top_k_accuracy(ranked, true, 1) == pytest.approx(1 / 3)
    assert top_k_accuracy(ranked, true, 3) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        top_k_accuracy(ranked, true, 4)
