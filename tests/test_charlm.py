"""The character FRNN language model machinery (rnnsuite.charlm) on hand-made texts."""
import numpy as np
import pytest

from rnnsuite import charlm
from rnnsuite.charlm import Stream
from rnnsuite.prep import Vocabulary
from rnnsuite.sampling import softmax
from rnnsuite.scratch import FRNN, Adam

TEXT = "the cat sat on the mat.\n" * 60


def lm(V, k=12, seed=0):
    return FRNN(V, k, V, output="all", loss="ce", rng=seed)


def test_lanes_are_contiguous_stretches():
    rows = charlm.lanes(np.arange(23), 3, offset=1)
    assert rows.tolist() == [list(range(1, 8)), list(range(8, 15)), list(range(15, 22))]


def test_split_and_blocks_follow_the_text_order():
    train, test = charlm.split_text("abcdefghij")
    assert (train, test) == ("abcdefg", "hij")
    vocab = Vocabulary.build([TEXT[:500]], level="char")
    training, stream = charlm.char_blocks(vocab, TEXT[:500], TEXT[500:600])
    whole = np.array(vocab.encode(TEXT[:500]))
    assert np.array_equal(training.all_ids(), whole)  # validation is the end of the training block
    assert len(training.validation) == 25 and np.array_equal(training.validation.context, training.ids[-256:])
    assert np.array_equal(stream.context, whole[-256:]) and len(stream) == 100


class Spy:
    """Records the h0 every training call gets and the state it leaves."""

    def __init__(self, model):
        self.model, self.params, self.calls = model, model.params, []

    def loss_and_grads(self, X, targets, h0=None):
        loss, grads = self.model.loss_and_grads(X, targets, h0=h0)
        self.calls.append((np.array(h0), self.model.last_state.copy(), X.copy()))
        return loss, grads

    @property
    def last_state(self):
        return self.model.last_state


def test_training_carries_the_state_from_chunk_to_chunk_and_learns():
    vocab = Vocabulary.build([TEXT], level="char")
    ids = np.array(vocab.encode(TEXT))
    spy = Spy(lm(len(vocab)))
    history = charlm.fit_lm(spy, ids, epochs=3, lanes_count=4, steps=20, optimizer=Adam(1e-2), rng=0)
    first_epoch = spy.calls[:len(spy.calls) // 3]
    assert not first_epoch[0][0].any()  # every epoch starts from h_0 = 0
    for (_, left, X), (h0, _, X_next) in zip(first_epoch, first_epoch[1:]):
        assert np.array_equal(h0, left)  # the next chunk starts where the last one ended
    assert first_epoch[0][2].shape == (4, 20)
    assert history["loss"][-1] < 0.6 * history["loss"][0]


def test_validation_keeps_the_best_epoch():
    vocab = Vocabulary.build([TEXT], level="char")
    ids = np.array(vocab.encode(TEXT))
    model = lm(len(vocab))
    val = Stream(ids[:200], ids[-10:])
    history = charlm.fit_lm(model, ids, epochs=4, lanes_count=4, steps=20, optimizer=Adam(1e-2), validation=val,
                            rng=0)
    best = history["best_epoch"]
    assert history["val_bpc"][best - 1] == min(history["val_bpc"])
    assert -np.log2(charlm.score(model, val)).mean() == pytest.approx(history["val_bpc"][best - 1])
    with pytest.raises(ValueError, match="too few"):
        charlm.fit_lm(model, ids[:30], epochs=1, lanes_count=4, steps=20, optimizer=Adam(1e-2))


def test_scores_are_the_probabilities_of_one_pass_over_the_text():
    rng = np.random.default_rng(0)
    model = lm(9, seed=1)
    context, ids = rng.integers(0, 9, 40), rng.integers(0, 9, 57)
    whole = np.concatenate([context, ids])
    p = softmax(model.forward(whole[None, :-1]))[0]
    expected = p[np.arange(len(whole) - 1), whole[1:]][len(context) - 1:]
    stream = Stream(ids, context)
    one_lane = charlm.score(model, stream, lanes_count=1, steps=7, warmup=len(context) - 1)
    assert np.allclose(one_lane, expected)
    lanes = charlm.score(model, stream, lanes_count=5, steps=4, warmup=10)
    assert lanes.shape == (57,) and np.all((lanes > 0) & (lanes < 1))
    assert np.array_equal(lanes, charlm.score(model, stream, lanes_count=5, steps=4, warmup=10))  # deterministic
    assert np.allclose(lanes, charlm.score(model, stream, lanes_count=5, steps=100, warmup=10))  # chunking is exact
    with pytest.raises(ValueError, match="context"):
        charlm.score(model, Stream(ids, context[:0]))


def test_ngram_baselines_are_named_by_order():
    vocab = Vocabulary.build([TEXT], level="char")
    ids = np.array(vocab.encode(TEXT))
    bits = charlm.ngram_bits(ids[:1000], Stream(ids[1000:1200], ids[990:1000]), len(vocab))
    assert list(bits) == ["unigram_bpc", "bigram_bpc", "trigram_bpc"]
    assert bits["unigram_bpc"] > bits["bigram_bpc"] > bits["trigram_bpc"]


def test_generation_and_a_saved_model_that_generates_again(tmp_path):
    vocab = Vocabulary.build([TEXT], level="char")
    ids = np.array(vocab.encode(TEXT))
    model = lm(len(vocab), k=24)
    charlm.fit_lm(model, ids, epochs=8, lanes_count=4, steps=24, optimizer=Adam(2e-2), rng=0)
    texts = charlm.generate(model, vocab, 3, 40, 0.3, np.random.default_rng(0))
    assert len(texts) == 3 and all("\n" not in t and len(t) <= 40 for t in texts)
    assert sum(t.count("the") for t in texts) >= 2  # it learned the text's words
    charlm.save(model, vocab, tmp_path / "lm.npz")
    again, vocab2 = charlm.load(tmp_path / "lm.npz")
    assert vocab2.tokens == vocab.tokens
    assert charlm.generate(again, vocab2, 3, 40, 0.3, np.random.default_rng(0)) == texts


def test_window_scores_and_window_sampling_read_the_text_before():
    rng = np.random.default_rng(2)
    model = lm(9, seed=3)
    probs = lambda X: softmax(model.forward(X))  # noqa: E731 - a model without a carried state
    context, ids = rng.integers(0, 9, 30), rng.integers(0, 9, 45)
    whole = np.concatenate([context, ids])
    p = softmax(model.forward(whole[None, :-1]))[0]
    expected = p[np.arange(len(whole) - 1), whole[1:]][len(context) - 1:]
    # windows whose warm-up reaches back to the start of the text see exactly what one pass sees
    assert np.allclose(charlm.score_windows(probs, Stream(ids, context), warmup=29, length=45), expected)
    short = charlm.score_windows(probs, Stream(ids, context), warmup=5, length=10, batch=2)
    assert short.shape == (45,) and not np.allclose(short, expected)
    # sampling by re-reading the text so far draws the same as the stepping FRNN
    a = charlm.sample(charlm.frnn_step(model, 4), 1, 4, 12, 1.0, np.random.default_rng(5))
    b = charlm.sample(charlm.window_step(probs, 4), 1, 4, 12, 1.0, np.random.default_rng(5))
    assert a == b and all(len(row) == 12 for row in a)
