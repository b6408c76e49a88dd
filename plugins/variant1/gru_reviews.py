"""v1.2: a Keras GRU that writes reviews, character by character.

    character ids -> Embedding(32) -> GRU(128, every step) -> Dense(V): logits of the next character

    z_t = sigma(W_z x_t + U_z h_{t-1} + b_z)             update gate
    r_t = sigma(W_r x_t + U_r h_{t-1} + b_r)             reset gate
    h_t = (1 - z_t) h_{t-1} + z_t tanh(W x_t + U (r_t * h_{t-1}) + b)

Trained on the v1.1 data (:mod:`.reviews`: the same characters, split and
test block, so the two bpc compare) in windows of 64 characters, each
predicting its next 64; Adam with gradient clipping, the best epoch on the
validation block kept.  Scored in bits per character on the last 30%
against unigram, bigram, trigram and 5-gram models; samples with
temperature and top-k; the saved model and its vocabulary write again
(:func:`load`, :func:`write`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnsuite.types import Assignment, Bar, ModelFactory

from . import reviews

EMBEDDING = 32
UNITS = 128
WINDOW = 64
BATCH = 64
LEARNING_RATE = 3e-3
CLIP = 1.0
TOP_K = 20
SCORE_WARMUP = 100  # characters read before a scored window
SCORE_LENGTH = 200  # characters scored per window
MODEL = "gru_reviews.keras"


def build(spec):
    """A character language model with a GRU, **uncompiled** (training compiles it with Adam and
    sparse categorical cross-entropy from logits, the same for every student).

    Input: (B, T) character ids, ``spec["n"]`` of them (the vocabulary is
    ``spec["vocab"]``; id 0 is padding, 1 unknown).  Output: (B, T, m) logits
    of the next character at every step, ``m = spec["m"]``.  Any T: the
    model is trained on windows of 64 and reads longer ones when it scores
    and writes.
    """
    from rnnsuite.kerasutil import keras

    k = keras()
    ids = k.Input((None,), dtype="int32", name="char_ids")
    x = k.layers.Embedding(spec["n"], EMBEDDING, name="embedding")(ids)
    x = k.layers.GRU(UNITS, return_sequences=True, name="gru")(x)
    logits = k.layers.Dense(spec["m"], name="next_char")(x)
    return k.Model(ids, logits, name="gru_reviews")


def windows(ids: np.ndarray, length: int = WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive, non-overlapping windows: inputs ids[t .. t+length-1], targets one character later."""
    ids = np.asarray(ids, dtype=np.int32)
    count = (len(ids) - 1) // length
    X = ids[:count * length].reshape(count, length)
    Y = ids[1:count * length + 1].reshape(count, length)
    return X, Y


def train(ctx, model, training):
    from rnnsuite.kerasutil import keras, progress_callback

    k = keras()
    X, Y = windows(training.ids)
    val = windows(np.concatenate([training.validation.context[-1:], training.validation.ids]))
    model.compile(k.optimizers.Adam(LEARNING_RATE, clipnorm=CLIP),
                  k.losses.SparseCategoricalCrossentropy(from_logits=True))
    stop = k.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    history = model.fit(X, Y, validation_data=val, epochs=ctx.epochs, batch_size=BATCH, shuffle=True, verbose=0,
                        callbacks=[stop, progress_callback(ctx)])
    ctx.record_history(history.history)
    ctx.info["gru"] = {"embedding": EMBEDDING, "units": UNITS, "window": WINDOW, "batch": BATCH,
                       "optimizer": f"Adam(lr={LEARNING_RATE}, clipnorm={CLIP})", "windows": len(X)}
    ctx.info["val_bpc"] = [v / np.log(2) for v in history.history.get("val_loss", [])]
    return model


def probabilities(model):
    """``probs(X)``: the model's next-character distributions (B, T, V) for ids X (B, T)."""
    from rnnsuite.sampling import softmax

    return lambda X: softmax(np.asarray(model.predict(np.asarray(X, dtype=np.int32), batch_size=256, verbose=0)))


def predict(ctx, model, stream):
    """The probability the model gives each test character, reading up to 300 characters before it."""
    from rnnsuite.charlm import score_windows

    return score_windows(probabilities(model), stream, warmup=SCORE_WARMUP, length=SCORE_LENGTH)


def write(model, vocab, count: int, temperature: float, rng, top_k: int | None = TOP_K) -> list[str]:
    """``count`` new reviews at ``temperature``, drawn from the ``top_k`` most probable characters."""
    from rnnsuite import charlm

    return charlm.generate(model, vocab, count, reviews.SAMPLE_CHARS, temperature, rng, top_k=top_k,
                           step=gru_step(model, count))


def gru_step(model, count: int):
    """One character at a time through the trained layers, the GRU's state carried (a stepper for writing).

    Re-reading the whole text so far for every new character would cost as
    many GRU steps as characters written, per character.
    """
    import tensorflow as tf

    from rnnsuite.sampling import softmax

    embedding, gru, readout = (model.get_layer(name) for name in ("embedding", "gru", "next_char"))

    @tf.function  # traced once: a few hundred eager steps would cost seconds
    def one(ids, h):
        out, state = gru.cell(embedding(ids), [h], training=False)
        return readout(out), state[0] if isinstance(state, (list, tuple)) else state

    h = tf.zeros((count, gru.units))

    def step(ids):
        nonlocal h
        logits, h = one(tf.constant(np.asarray(ids, dtype=np.int32)), h)
        return softmax(logits.numpy())

    return step


def save(model, vocab, path: Path) -> tuple[Path, Path]:
    """The Keras model (``path``, .keras) and its vocabulary beside it (``<stem>.vocab.json``)."""
    from rnnsuite import charlm

    model.save(path)
    return path, charlm.save_vocabulary(vocab, charlm.vocabulary_path(path))


def load(path: Path):
    """A saved model and its vocabulary: ``write(*load(path), count, temperature, rng)`` writes again."""
    from rnnsuite import charlm
    from rnnsuite.kerasutil import keras

    return keras().models.load_model(path), charlm.load_vocabulary(charlm.vocabulary_path(path))


def use(folder, inputs, options):
    """``rnnsuite try``: a review the saved GRU writes after the prompt (the arguments; none: from scratch),
    each character drawn from the most probable TOP_K."""
    from rnnsuite import charlm
    from rnnsuite.tryfiles import saved

    path = saved(folder, MODEL)
    vocabulary = saved(folder, charlm.vocabulary_path(path).name)
    return charlm.try_writing(inputs, options, vocabulary, lambda: gru_step(load(path)[0], 1),
                              example=reviews.EXAMPLE_PROMPT, length=reviews.SAMPLE_CHARS, top_k=TOP_K)


def artifacts(ctx, split, probabilities_, model):
    from rnnsuite import charlm

    vocab = reviews.vocabulary(split.spec)
    rng = ctx.rng(13)
    samples = {t: write(model, vocab, reviews.SAMPLES, t, rng) for t in reviews.TEMPERATURES}
    note = (f"{reviews.SAMPLES_NOTE} Each character is drawn from the {TOP_K} most probable.\n\n"
            "Write more with the saved model: `python -c \"import numpy; from rnnsuite.plugins.variant1 import "
            "gru_reviews as g; m, v = g.load('gru_reviews.keras'); print(g.write(m, v, 5, 0.7, "
            "numpy.random.default_rng()))\"`")
    path = charlm.write_samples(ctx.path("samples.md"), "v1.2 GRU (Keras): generated reviews", samples, note)
    model_path, vocab_path = save(model, vocab, ctx.path(MODEL))
    return {"samples": path, "model": model_path, "vocabulary": vocab_path}


def prepare(ctx):
    return reviews.prepare(ctx, orders=(1, 2, 3, 5))


ASSIGNMENT = Assignment(
    id="v1.2", kind="keras", network="GRU",
    task_en=("Build a recurrent network with Keras (GRU) and generate text reviews: a character-level language "
             "model of reviews, scored in bits per character on the same held-out 30% as v1.1, writing reviews "
             "by sampling with a temperature and top-k."),
    task_ru=("Создать рекуррентную сеть с помощью Keras (GRU) и решить задачу генерации текстовых отзывов: "
             "посимвольная языковая модель отзывов, оценка в битах на символ на тех же отложенных 30%, что и в "
             "v1.1, генерация отзывов выборкой с температурой и top-k."),
    datasets=(reviews.DATASET,), model="gru-reviews",
    prepare=prepare, train=train, predict=predict, evaluate=reviews.evaluate, artifacts=artifacts, use=use,
    metrics=("bpc", "unigram_bpc", "bigram_bpc", "trigram_bpc", "fivegram_bpc"),
    bars=(Bar("bpc", "trigram_bpc", higher_is_better=False, floor="bigram_bpc",
              why="a GRU must know more than the last two characters: below the trigram's bpc (about 3.12 on the "
                  "default data; bigram 3.66), partial credit from the bigram's. A Kneser-Ney 5-gram scores about "
                  "2.32: beating it is the goal"),),
    artifact_names=("samples", "history", "model", "vocabulary"),
    epochs=2, quick_epochs=1,
)

FACTORY = ModelFactory("gru-reviews", "keras", build,
                       "Embedding(32) -> GRU(128, every step) -> Dense(characters): next-character logits")
