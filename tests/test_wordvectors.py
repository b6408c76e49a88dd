"""rnnsuite.wordvectors: PPMI-SVD word vectors on id rows made here, and starting a Keras Embedding from them."""
from __future__ import annotations

import numpy as np
import pytest

from rnnsuite.wordvectors import init_embedding, word_vectors

# ids 2, 3 always appear next to 10; ids 4, 5 next to 11
ROWS = np.array([[0, 2, 10, 6, 7], [0, 3, 10, 6, 7], [0, 4, 11, 8, 9], [0, 5, 11, 8, 9]] * 20)


def cosine(E, a, b) -> float:
    return float(E[a] @ E[b] / (np.linalg.norm(E[a]) * np.linalg.norm(E[b])))


def test_word_vectors_put_words_of_the_same_contexts_together():
    E = word_vectors([ROWS], 12, 4, np.random.default_rng(0), window=2)
    assert E.shape == (12, 4) and E.dtype == np.float32
    assert not E[0].any()  # PAD
    assert cosine(E, 2, 3) > cosine(E, 2, 4)


def test_word_vectors_take_the_size_asked_for():
    E = word_vectors([ROWS], 14, 4, np.random.default_rng(0), window=2, rms=1.0)
    seen = E[2:12]
    assert np.sqrt((seen ** 2).mean()) == pytest.approx(1.0, rel=1e-4)
    assert np.abs(E[12:]).max() > 0.1  # words never seen: noise of the same size, not zeros


@pytest.mark.slow
def test_init_embedding_sets_the_layer_named_embedding_and_leaves_other_models_alone():
    from rnnsuite.kerasutil import keras

    k = keras()
    ids = k.Input((5,), dtype="int32")
    model = k.Model(ids, k.layers.Embedding(12, 4, name="embedding")(ids))
    assert init_embedding(model, [ROWS], np.random.default_rng(0))
    E = model.get_layer("embedding").get_weights()[0]
    assert cosine(E, 2, 3) > cosine(E, 2, 4) and not E[0].any()
    plain = k.Model(ids, k.layers.Dense(2, name="dense")(k.ops.cast(ids, "float32")))
    before = [w.copy() for w in plain.get_weights()]
    assert not init_embedding(plain, [ROWS], np.random.default_rng(0))
    assert all((a == b).all() for a, b in zip(before, plain.get_weights()))


def test_a_vocabulary_smaller_than_the_vectors():
    E = word_vectors([ROWS], 12, 64, np.random.default_rng(0), window=2)
    assert E.shape == (12, 64) and cosine(E, 2, 3) > cosine(E, 2, 4)
