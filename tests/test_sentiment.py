"""rnnsuite.sentiment: review preparation, the two baselines and the relative bar, on reviews made here."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from rnnsuite.datasets.records import TextLabels

from rnnsuite import sentiment
from rnnsuite.context import RunContext
from rnnsuite.types import Assignment

GOOD = ["good", "great", "lovely", "superb", "fine"]
BAD = ["bad", "awful", "poor", "dull", "weak"]


def reviews(n: int, seed: int = 0, positive_share: float = 0.5) -> TextLabels:
    """Reviews whose label is told by one sentiment word among neutral ones."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < positive_share).astype(np.int64)
    texts = [f"the {rng.choice(GOOD if y else BAD)} film of {rng.choice(['a', 'the'])} year" for y in labels]
    return TextLabels(texts, labels)


def context(data: dict[str, TextLabels], quick: bool = False, hidden: TextLabels | None = None,
            user_file: str | None = None) -> RunContext:
    """A RunContext whose registry serves ``data`` (and ``hidden`` from the hidden path)."""
    def dataset(name):
        return SimpleNamespace(load=lambda path=None, full=False: hidden if path == Path("hidden") else data[name])

    registry = SimpleNamespace(datasets=dict.fromkeys(data), dataset=dataset)
    a = Assignment("v9.1", "keras", "test", "", "", tuple(data), "m", *(4 * [None]))
    return RunContext(a, Path("."), registry=registry, quick=quick,
                      hidden_paths={"reviews": Path("hidden")} if hidden is not None else {},
                      data_paths={user_file: Path("mine.csv")} if user_file else {})


# -- the baselines and the relative bar ----------------------------------------------------------

def test_relative_accuracy_is_0_at_the_majority_and_1_at_the_bag_of_words():
    assert sentiment.relative_accuracy(0.6, 0.6, 0.8) == 0.0
    assert sentiment.relative_accuracy(0.8, 0.6, 0.8) == pytest.approx(1.0)
    assert sentiment.relative_accuracy(0.7, 0.6, 0.8) == pytest.approx(0.5)
    # a bag of words that learned nothing is credited with MIN_BOW_GAIN: the bar never shrinks to the majority
    assert sentiment.relative_accuracy(0.65, 0.6, 0.59) == pytest.approx(0.05 / sentiment.MIN_BOW_GAIN)


def test_the_relative_bar_passes_above_its_share_and_gives_partial_credit_from_the_majority():
    bar = sentiment.relative_bar(0.6, "anchor text")
    assert bar.metric in sentiment.METRICS and "anchor text" in bar.why
    assert bar.check({"relative_accuracy": 0.7}).passed
    untrained = bar.check({"relative_accuracy": 0.0})  # as good as always answering the majority
    assert not untrained.passed and untrained.credit == 0.0
    assert bar.check({"relative_accuracy": 0.3}).credit == pytest.approx(0.5)


def test_the_bag_of_words_learns_the_sentiment_words():
    train, test = reviews(200, seed=1), reviews(50, seed=2)
    predicted = sentiment.bag_of_words_predictions(train.texts, train.labels, test.texts)
    assert predicted.dtype == np.int64 and (predicted == test.labels).mean() == 1.0
    one_class = sentiment.bag_of_words_predictions(["a good film"] * 3, [1, 1, 1], ["dull"])
    assert one_class.tolist() == [1]


def test_binary_metrics_place_the_accuracy_between_the_baselines():
    split = sentiment.ReviewSplit(train={"labels": np.array([1, 1, 1, 0])}, test_inputs=None,
                                  test_targets=np.array([1, 1, 0, 0, 1, 0, 1, 1, 0, 1]),
                                  bow_predictions=np.array([1, 1, 0, 0, 1, 0, 1, 1, 1, 0]))  # 8 of 10
    m = sentiment.binary_metrics(split, np.array([1, 1, 0, 1, 1, 1, 1, 1, 1, 1]))  # 7 of 10
    assert tuple(m) == sentiment.METRICS
    assert m["accuracy"] == pytest.approx(0.7) and m["majority_accuracy"] == pytest.approx(0.6)
    assert m["bow_accuracy"] == pytest.approx(0.8) and m["relative_accuracy"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(2 * (6 / 9) * 1.0 / ((6 / 9) + 1.0))


# -- preparation -------------------------------------------------------------------------------

def test_the_vocabulary_takes_the_training_words_first_then_the_unlabelled_ones():
    train = [["good", "film"], ["good", "film"], ["once"]]
    unlabelled = [["superb", "plot", "plot", "superb", "good"]]
    vocab = sentiment.review_vocabulary(train, unlabelled, size=5)
    assert vocab.tokens[:4] == ["<pad>", "<unk>", "good", "film"] and len(vocab) == 5
    assert vocab.tokens[4] in ("superb", "plot") and "once" not in vocab.index  # seen once: <unk>
    assert sentiment.review_vocabulary(train, unlabelled, size=4).tokens == ["<pad>", "<unk>", "good", "film"]


def test_prepare_splits_70_30_stratified_and_encodes_left_padded():
    data = reviews(300, positive_share=0.7)
    split = sentiment.prepare_reviews(context({"reviews": data}), "reviews", max_vocab=100, max_length=16)
    train, test = split.train["labels"], split.test_targets
    assert len(train) + len(test) == 300 and len(test) == pytest.approx(90, abs=1)
    assert train.mean() == pytest.approx(data.labels.mean(), abs=0.02) == pytest.approx(test.mean(), abs=0.03)
    ids = split.train["ids"]
    assert ids.shape == (len(train), split.spec["length"]) and (ids[:, -1] > 0).all()  # the last word last
    assert split.vocab.decode(split.test_inputs[0]) == " ".join(split.test_texts[0].split())
    assert sentiment.binary_metrics(split, split.bow_predictions)["relative_accuracy"] == pytest.approx(1.0)
    assert split.public().test_targets is None and not hasattr(split.public(), "bow_predictions")


def test_hidden_reviews_are_the_test_block_with_the_training_vocabulary():
    data, hidden = reviews(100), TextLabels(["a great film", "an awful zzzz film"], np.array([1, 0]))
    split = sentiment.prepare_reviews(context({"reviews": data}, hidden=hidden), "reviews", max_vocab=100,
                                      max_length=8)
    assert len(split.train["labels"]) == 100 and split.test_targets.tolist() == [1, 0]
    assert "zzzz" not in split.vocab.index and split.vocab.decode(split.test_inputs[1]) == "<unk> awful <unk> film"
    assert split.test_texts == hidden.texts and len(split.bow_predictions) == 2


def test_unlabelled_texts_come_from_the_named_sets_and_the_defaults_under_a_users_file():
    extra, default = TextLabels(["more text"], np.array([0])), reviews(3)
    ctx = context({"reviews": default, "extra": extra})
    assert sentiment.unlabelled_texts(ctx, ["extra"], defaults_of="reviews") == ["more text"]
    ctx = context({"reviews": default, "extra": extra}, user_file="reviews")
    assert sentiment.unlabelled_texts(ctx, ["extra"], defaults_of="reviews") == ["more text", *default.texts]
    assert sentiment.unlabelled_texts(context({"extra": extra}, quick=True), ["extra"]) == []


def test_samples_show_right_and_wrong_answers(tmp_path):
    split = sentiment.ReviewSplit(train=None, test_inputs=None, test_targets=np.array([1, 0, 1]),
                                  test_texts=["fine | film", "dull", "good"])
    text = sentiment.write_samples(tmp_path / "s.md", split, np.array([1, 1, 1])).read_text(encoding="utf-8")
    assert "| positive | positive | fine \\| film |" in text and "| negative | positive | dull |" in text


@pytest.mark.slow
def test_max_over_steps_counts_padding_as_zero_and_the_classifier_reloads_with_its_vocabulary(tmp_path):
    from rnnsuite.prep import Vocabulary
    from rnnsuite.review_layers import MaxOverSteps

    x = np.array([[[-1.0, 2.0], [-3.0, 1.0], [-2.0, -5.0]]], dtype="float32")
    mask = np.array([[False, True, True]])
    assert np.asarray(MaxOverSteps()(x, mask=mask)).tolist() == [[0.0, 1.0]]  # the padded step counts as 0
    assert np.asarray(MaxOverSteps()(x)).tolist() == [[-1.0, 2.0]]

    spec = {"length": 6, "vocab_size": 5}
    model = sentiment.recurrent_classifier(spec, "LSTM", "reviews")
    split = sentiment.ReviewSplit(train=None, test_inputs=None, test_targets=None, spec=spec,
                                  vocab=Vocabulary(["<pad>", "<unk>", "good", "bad", "film"]))
    texts = ["a good film", "bad", ""]
    ids = np.array([[0, 0, 0, 1, 2, 4], [0, 0, 0, 0, 0, 3], [0, 0, 0, 0, 0, 0]])
    classify = sentiment.load_classifier(sentiment.save_classifier(model, split, tmp_path / "saved"))
    np.testing.assert_allclose(classify(texts), np.asarray(model.predict(ids, verbose=0)).ravel(), rtol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("records, quick, small", [(60, False, True), (60, True, False)])
def test_a_small_labelled_set_trains_with_frozen_word_vectors_and_longer_epochs(records, quick, small, tmp_path):
    """Fewer than SMALL_DATA reviews to fit on (outside --quick): the pretrained embedding stays as the word
    vectors made it, the LSTM still learns, and an epoch sees at least SMALL_DATA reviews."""
    data = reviews(records)
    ctx = context({"reviews": data}, quick=quick)
    ctx.epochs_override = 1
    split = sentiment.prepare_reviews(ctx, "reviews", max_vocab=100, max_length=8)
    model = sentiment.recurrent_classifier(split.spec, "LSTM", "reviews")
    lstm_before = [w.copy() for w in model.get_layer("lstm").get_weights()] if small else None
    trained = sentiment.train_classifier(ctx, model, split.train, learning_rate=5e-4)
    embedding = trained.get_layer("embedding")
    assert embedding.trainable is not small and ctx.info["pretrained_embedding"] is True
    assert ("small_data" in ctx.info) is small
    if small:
        from rnnsuite.wordvectors import word_vectors

        V, d = embedding.get_weights()[0].shape
        expected = word_vectors([split.train["ids"], split.train["ids"][:0]], V, d, ctx.rng(3))
        np.testing.assert_array_equal(embedding.get_weights()[0], expected)  # frozen: as the vectors made it
        assert any(not np.array_equal(a, b) for a, b in zip(lstm_before, model.get_layer("lstm").get_weights()))
        seen = int(ctx.info["small_data"].split("each epoch sees ")[1].split()[0])
        assert seen >= sentiment.SMALL_DATA and "frozen" in ctx.info["small_data"]
        classify = sentiment.load_classifier(sentiment.save_classifier(trained, split, tmp_path / "saved"))
        np.testing.assert_allclose(classify(split.test_texts),
                                   np.asarray(trained.predict(split.test_inputs, verbose=0)).ravel(), rtol=1e-5)


@pytest.mark.slow
def test_monitoring_the_validation_accuracy_keeps_the_epoch_where_it_was_best():
    data = reviews(300, seed=4)
    ctx = context({"reviews": data}, quick=True)
    ctx.epochs_override = 4
    split = sentiment.prepare_reviews(ctx, "reviews", max_vocab=100, max_length=8)
    model = sentiment.recurrent_classifier(split.spec, "GRU", "reviews")
    trained = sentiment.train_classifier(ctx, model, split.train, learning_rate=1e-2, patience=4,
                                         monitor="val_accuracy")
    _, val_idx = sentiment.validation_block(split.train["labels"], sentiment.VALIDATION_SHARE, ctx.rng(1))
    ids, labels = split.train["ids"][val_idx], split.train["labels"][val_idx]
    kept = (sentiment.predict_classifier(ctx, trained, ids) == labels).mean()
    assert kept == pytest.approx(max(ctx.history["val_accuracy"]), abs=1e-6)
    assert len(ctx.history["val_accuracy"]) == 4
