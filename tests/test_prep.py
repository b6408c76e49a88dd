"""Vocabularies, tokenizer, padding, windows and the two split policies."""
import numpy as np
import pytest

from rnnsuite.prep import (OOV, PAD, Vocabulary, chronological_split, pad, stratified_split,
                                    tokenize, windows)
from rnnsuite.errors import DataError


def test_tokenize_words_and_punctuation():
    assert tokenize("It's GREAT, isn't it? 3.5 stars!") == ["it's", "great", ",", "isn't", "it", "?", "3.5", "stars", "!"]
    assert tokenize("Привет, мир") == ["привет", ",", "мир"]


def test_word_vocabulary_caps_and_round_trips():
    v = Vocabulary.build(["the cat sat", "the cat ran", "the dog"], max_size=4)
    assert v.tokens[:2] == [PAD, OOV] and len(v) == 4
    assert v.tokens[2:] == ["the", "cat"]
    ids = v.encode("the dog sat")
    assert ids == [2, 1, 1]
    assert v.decode(ids) == f"the {OOV} {OOV}"
    assert v.decode([2, 3, 0, 0]) == "the cat"


def test_char_vocabulary():
    v = Vocabulary.build(["abca"], level="char")
    assert v.decode(v.encode("cab")) == "cab"
    assert v.encode("z") == [v.oov_id]
    with pytest.raises(ValueError):
        Vocabulary.build(["x"], level="byte")


def test_pad_and_truncate_both_sides():
    seqs = [[1, 2, 3, 4], [5]]
    assert pad(seqs, 3).tolist() == [[1, 2, 3], [5, 0, 0]]
    assert pad(seqs, 3, side="left", truncate="left").tolist() == [[2, 3, 4], [0, 0, 5]]
    assert pad([[]], 2).tolist() == [[0, 0]]


def test_windows_three_to_fourth():
    X, y = windows([1.0, 2.0, 3.0, 4.0, 5.0], size=3)
    assert X.tolist() == [[1, 2, 3], [2, 3, 4]] and y.tolist() == [4, 5]
    X, y = windows([1, 2], size=3)
    assert X.shape == (0, 3) and len(y) == 0


def test_chronological_split_never_crosses_the_boundary():
    train, val, test = chronological_split(100, test=0.3, val=0.1)
    assert (len(train), len(val), len(test)) == (60, 10, 30)
    assert train.max() < val.min() <= val.max() < test.min()
    assert np.array_equal(np.concatenate([train, val, test]), np.arange(100))
    train, val, test = chronological_split(10)
    assert len(val) == 0 and train.max() < test.min() and len(test) == 3
    with pytest.raises(ValueError):
        chronological_split(10, test=0.8, val=0.3)


def test_stratified_split_keeps_class_shares_and_is_seeded():
    labels = np.array([0] * 70 + [1] * 30)
    train, val, test = stratified_split(labels, test=0.3, val=0.1, seed=1)
    assert len(set(train) | set(val) | set(test)) == 100
    assert not (set(train) & set(test) or set(train) & set(val) or set(val) & set(test))
    assert labels[test].mean() == pytest.approx(0.3, abs=0.02)
    assert labels[train].mean() == pytest.approx(0.3, abs=0.02)
    again = stratified_split(labels, test=0.3, val=0.1, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip((train, val, test), again))
    assert not np.array_equal(stratified_split(labels, seed=2)[2], test)


@pytest.mark.parametrize("split", [
    lambda: chronological_split(1, test=0.3),
    lambda: stratified_split([0, 1], test=0.3),
    lambda: stratified_split([0, 0, 1, 1, 0, 1], test=0.3, val=0.1),
])
def test_too_few_records_for_a_split_is_a_data_error(split):
    with pytest.raises(DataError, match="too few"):
        split()
