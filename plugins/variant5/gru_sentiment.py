"""v5.2: a Keras GRU classifies movie reviews (binary).

    word ids -> Embedding (mask PAD) -> SpatialDropout1D -> GRU -> Dropout -> Dense(1, sigmoid)

The GRU's update gate z_t and reset gate r_t decide how much of h_{t-1} to
keep and how much to overwrite:  h_t = (1 - z_t) h_{t-1} + z_t tanh(W x_t + U (r_t * h_{t-1}) + b).

9k short snippets are few for learning word meanings from labels alone, so
the Embedding starts from word vectors learned without labels (PPMI + SVD,
``embeddings.py``) on the training texts plus Pang & Lee's 1,500 full movie
reviews.  The test split never enters them.
"""
from __future__ import annotations

from . import sentiment

EMBEDDING = 100
UNITS = 64
VALIDATION_SHARE = 0.1
UNLABELLED = "movie_reviews_long"


def build(spec):
    from rnnsuite.kerasutil import keras

    k = keras()
    ids = k.Input((spec["length"],), dtype="int32", name="word_ids")
    x = k.layers.Embedding(spec["vocab_size"], EMBEDDING, mask_zero=True, name="embedding")(ids)
    x = k.layers.SpatialDropout1D(0.4)(x)
    x = k.layers.GRU(UNITS, name="gru")(x)
    x = k.layers.Dropout(0.5)(x)
    p = k.layers.Dense(1, activation="sigmoid", name="positive")(x)
    model = k.Model(ids, p, name="gru_sentiment")
    model.compile(k.optimizers.Adam(1e-3), "binary_crossentropy", metrics=["accuracy"])
    return model


def prepare(ctx):
    return sentiment.prepare_reviews(ctx, max_vocab=10000, max_length=400, unlabelled=UNLABELLED)


def init_embedding(ctx, model, data) -> bool:
    """Start a model's ``embedding`` layer from PPMI-SVD vectors of the training and unlabelled ids."""
    from .embeddings import word_vectors

    layer = next((layer for layer in model.layers if layer.name == "embedding"), None)
    if layer is None or len(layer.get_weights()) != 1:
        return False
    V, d = layer.get_weights()[0].shape
    corpora = [data["ids"], data.get("unlabelled", data["ids"][:0])]
    layer.set_weights([word_vectors(corpora, V, d, ctx.rng(3))])
    return True


def train(ctx, model, data):
    from rnnsuite.kerasutil import keras, progress_callback

    k = keras()
    ids, labels = data["ids"], data["labels"]
    ctx.info["pretrained_embedding"] = init_embedding(ctx, model, data)
    fit_idx, val_idx = sentiment.validation_block(labels, VALIDATION_SHARE, ctx.rng(1))
    stop = k.callbacks.EarlyStopping(monitor="val_accuracy", patience=2, restore_best_weights=True)
    history = model.fit(ids[fit_idx], labels[fit_idx], validation_data=(ids[val_idx], labels[val_idx]),
                        epochs=ctx.epochs, batch_size=64, verbose=0,
                        callbacks=[stop, progress_callback(ctx)])
    ctx.record_history(history.history)
    ctx.info["val_accuracy"] = float(max(history.history.get("val_accuracy", [0.0])))
    return model


def predict(ctx, model, ids):
    from rnnsuite.metrics import binary_labels

    return binary_labels(model.predict(ids, batch_size=256, verbose=0))


def evaluate(ctx, split, predicted):
    return sentiment.evaluate_binary(split, predicted)


def artifacts(ctx, split, predicted, model):
    path = ctx.path("gru_sentiment.keras")
    model.save(path)
    return {"samples": sentiment.write_samples(ctx.path("samples.md"), split, predicted), "model": path}
