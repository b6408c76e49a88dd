"""v5.1: the course's FRNN, from scratch, on movie-review sentiment.

Exactly the case of the course's BPTT section: a review is a sequence of
words x_1 .. x_T (one-hot, fed as token ids), the network runs

    h_t = tanh(W x_t + U h_{t-1} + b_h),   y_T = V h_T + b_y,   m = 2

and only the last step carries the target: L = -ln p_c with p = softmax(y_T);
y_1 .. y_{T-1} are not used.  Left padding is masked (h_t = h_{t-1} on PAD),
so h_T is the state after the review's last word.

With one-hot inputs, column j of W is word j's input to the hidden layer.
Training starts W from word vectors learned without labels (PPMI + SVD,
``rnnsuite.wordvectors``) on the training texts and Pang & Lee's 1,500 full
reviews, so words of similar use start with similar columns, then BPTT
trains every parameter, W included.
"""
from __future__ import annotations

import numpy as np

from rnnsuite import sentiment

HIDDEN = 64
VALIDATION_SHARE = 0.1
UNLABELLED = "movie_reviews_long"
LEARNING_RATE = 1e-3
INPUT_RMS = 1.0  # the size of W's entries at the start: a word moves each hidden unit's input by ~1
MODEL = "frnn_sentiment.npz"


def build(spec) -> "object":
    """The FRNN of LAB7.md: n = vocabulary size, k = HIDDEN, m = 2 classes, loss on the last step."""
    from rnnsuite.scratch.frnn import FRNN

    return FRNN(spec["n"], HIDDEN, spec["m"], output="last", loss="ce", rng=spec.get("seed", 0), dtype=np.float32)


def prepare(ctx):
    split = sentiment.prepare_reviews(ctx, "movie_reviews", max_vocab=6000, max_length=64,
                                      unlabelled=sentiment.unlabelled_texts(ctx, [UNLABELLED]))
    split.spec.update(n=split.spec["vocab_size"], m=split.spec["classes"])  # the FRNN's input and output sizes
    return split


def init_input_weights(model, corpora, rng) -> None:
    """W's columns (k x n, one per word) from word vectors of the id rows in ``corpora``, in place."""
    from rnnsuite.wordvectors import word_vectors

    W = model.params["W"]
    k, n = W.shape
    W[...] = word_vectors(corpora, n, k, rng, rms=INPUT_RMS).T


def train(ctx, model, data):
    """W from word vectors, then Adam on mini-batches with clipping; the best epoch on a validation block is kept."""
    from rnnsuite.scratch.optim import Adam
    from rnnsuite.scratch.train import fit

    ids, labels = data["ids"], data["labels"]
    init_input_weights(model, [ids, data.get("unlabelled", ids[:0])], ctx.rng(3))
    fit_idx, val_idx = sentiment.validation_block(labels, VALIDATION_SHARE, ctx.rng(1))
    history = fit(model, ids[fit_idx], labels[fit_idx], mask=ids[fit_idx] > 0,
                  validation=(ids[val_idx], labels[val_idx], ids[val_idx] > 0),
                  epochs=ctx.epochs, batch_size=32, optimizer=Adam(LEARNING_RATE), clip=5.0, patience=2,
                  rng=ctx.rng(2), on_epoch=ctx.epoch_ended, on_batch=ctx.batch_ended)
    val_pred = model.predict(ids[val_idx], ids[val_idx] > 0)
    ctx.record_history({k: history[k] for k in ("loss", "val_loss")})
    ctx.info["best_epoch"] = history["best_epoch"]
    ctx.info["val_accuracy"] = float((val_pred == labels[val_idx]).mean())
    return model


def predict(ctx, model, ids):
    return model.predict(ids, ids > 0)


def artifacts(ctx, split, predicted, model):
    return {"samples": sentiment.write_samples(ctx.path("samples.md"), split, predicted),
            "model": model.save(ctx.path(MODEL)),
            "vocabulary": sentiment.save_vocabulary(split, ctx.path(sentiment.VOCABULARY))}


def use(folder, inputs, options):
    """``rnnsuite try``: each review (an argument) classified by the saved FRNN, p = softmax(y_T), class 1 positive."""
    from rnnsuite.tryfiles import saved

    vocabulary, path = saved(folder, sentiment.VOCABULARY), saved(folder, MODEL)

    def load():
        from rnnsuite.sampling import softmax
        from rnnsuite.scratch.frnn import FRNN

        model = FRNN.load(path)
        return lambda ids: softmax(model.forward(ids, ids > 0))[:, 1]

    return sentiment.try_reviews(inputs, vocabulary, load)
