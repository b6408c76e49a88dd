"""The n-gram language models (rnnsuite.ngrams) on hand-made streams, checked against hand-computed values."""
import numpy as np
import pytest

from rnnsuite.ngrams import NGramLM, estimate_discounts, ngram_keys, top_k

#: 0 1 0 1 2 1: bigrams 01 x2, 10, 12, 21
STREAM = [0, 1, 0, 1, 2, 1]


def test_keys_encode_ngrams_in_base_v():
    assert ngram_keys([2, 0, 1], 2, 3).tolist() == [6, 1]
    assert ngram_keys([1], 2, 3).tolist() == []


def test_unigram_is_discounted_towards_the_uniform_by_hand():
    # counts 0: 2, 1: 1 of 3; D = 0.5 on 2 seen types: gamma = 0.5 * 2 / 3
    m = NGramLM(1, 3, discount=0.5).fit([0, 0, 1])
    expected = np.array([1.5 / 3, 0.5 / 3, 0.0]) + (1 / 3) / 3
    assert np.allclose(m.probs(np.zeros((1, 0), dtype=int))[0], expected)
    assert np.allclose(m.probabilities([2, 0, 1]), expected[[2, 0, 1]])


def test_bigram_kneser_ney_by_hand():
    m = NGramLM(2, 3, discount=0.5).fit(STREAM)
    # continuation counts: 1 follows two contexts (0, 2), 0 and 2 one each; total 4, gamma = 0.5 * 3 / 4
    p1 = np.array([0.5 / 4, 1.5 / 4, 0.5 / 4]) + 0.375 / 3
    assert np.allclose(p1, [0.25, 0.5, 0.25])
    # after 0: c(01) = 2 of 2, gamma = 0.5 * 1 / 2; after 1: c(10) = c(12) = 1 of 2, gamma = 0.5
    expected = {0: [0.25 * p1[0], 1.5 / 2 + 0.25 * p1[1], 0.25 * p1[2]],
                1: [0.5 / 2 + 0.5 * p1[0], 0.5 * p1[1], 0.5 / 2 + 0.5 * p1[2]],
                2: [0.5 * p1[0], 0.5 + 0.5 * p1[1], 0.5 * p1[2]]}
    P = m.probs(np.array([[0], [1], [2]]))
    for context, row in expected.items():
        assert np.allclose(P[context], row), context
    assert np.allclose(P.sum(axis=1), 1.0)
    # scoring a stream reads the same numbers: P(1 | 0) = 0.875, P(2 | 1) = 0.375
    assert np.allclose(m.probabilities([0, 1, 2], start=1), [0.875, 0.375])


def test_an_unseen_context_backs_off_to_the_order_below():
    m = NGramLM(2, 4, discount=0.5).fit(STREAM)  # token 3 never occurs
    after_3 = m.probs(np.array([[3]]))[0]
    assert np.allclose(after_3, m.probs(np.zeros((1, 0), dtype=int))[0])
    assert after_3[3] > 0 and np.isclose(after_3.sum(), 1.0)


def test_discounts_follow_chen_and_goodman():
    counts = np.array([1] * 10 + [2] * 4 + [3] * 2 + [4] * 1)
    y = 10 / (10 + 2 * 4)
    expected = [1 - 2 * y * 4 / 10, 2 - 3 * y * 2 / 4, 3 - 4 * y * 1 / 2]
    assert np.allclose(estimate_discounts(counts), expected)
    assert np.all(estimate_discounts(np.array([5, 5])) > 0)  # no singletons: still a positive discount


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_distributions_sum_to_one_and_agree_with_stream_scores(order):
    rng = np.random.default_rng(order)
    V = 7
    train = rng.choice(V - 1, 400, p=np.arange(1, V) / np.arange(1, V).sum())  # id V-1 never occurs
    model = NGramLM(order, V).fit(train)
    test = rng.integers(0, V, 60)
    P = model.probs(np.stack([test[i - 4:i] for i in range(4, len(test))]))
    assert np.allclose(P.sum(axis=1), 1.0) and np.all(P > 0)
    assert np.allclose(model.probabilities(test, start=4), P[np.arange(len(P)), test[4:]])


def test_higher_orders_learn_a_repeating_pattern():
    stream = np.tile([0, 1, 2, 1, 3], 200)
    bits = [-NGramLM(order, 4).fit(stream).log2_probs(stream[:50], start=3).mean() for order in (1, 2, 3)]
    assert bits[0] > bits[1] > bits[2]
    assert bits[2] < 0.1  # the trigram knows what follows "2 1" and "0 1"


def test_top_k_ranks_and_excludes():
    P = np.array([[0.1, 0.5, 0.3, 0.1], [0.7, 0.1, 0.05, 0.15]])
    assert top_k(P, 2).tolist() == [[1, 2], [0, 3]]
    assert top_k(P, 2, exclude=(0, 1)).tolist() == [[2, 3], [3, 2]]


def test_bad_use_is_refused():
    with pytest.raises(ValueError, match="token ids"):
        NGramLM(2, 3).fit([0, 3])
    with pytest.raises(ValueError, match="non-empty"):
        NGramLM(2, 3).fit([])
    with pytest.raises(ValueError, match="too large"):
        NGramLM(5, 10**6)
    with pytest.raises(RuntimeError, match="not fitted"):
        NGramLM(2, 3).probabilities([0, 1])


def test_top_reads_whole_distributions_a_chunk_at_a_time(monkeypatch):
    import rnnsuite.ngrams as ngrams

    rng = np.random.default_rng(3)
    model = NGramLM(3, 6).fit(rng.integers(0, 6, 300))
    contexts = rng.integers(0, 6, (50, 2))
    whole = top_k(model.probs(contexts), 3, exclude=(0,))
    monkeypatch.setattr(ngrams, "CHUNK_CELLS", 6 * 7)  # 7 rows per chunk
    assert np.array_equal(model.top(contexts, 3, exclude=(0,)), whole)
    assert 0 not in whole
