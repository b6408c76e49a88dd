"""v2.3 (the course leaves this cell empty): a Jordan network on the music task of v2.2.

The same data, split, training routine, metrics and generated tunes as
v2.2 (``music``); the network is ``jordan.JordanCell``, whose context units
hold the previous output y_{t-1}.
"""
from __future__ import annotations

from rnnsuite.kerasutil import keras
from rnnsuite.types import Assignment, ModelFactory

from . import music

EMBEDDING, UNITS, DROPOUT = 64, 128, 0.3

STEM = "music_jordan"  # the saved model: music_jordan.keras


def build(spec):
    """v2.3: the Jordan next-note model, built on a recurrent cell of your own.

    Return an uncompiled Keras model from token ids (batch, T) int32 to
    next-token probabilities (batch, T, V), V = len(spec["tokens"]), as in
    v2.2.  The recurrence must be a Jordan cell written by you (a
    keras.layers.Layer with state_size and call(inputs, states) inside
    keras.layers.RNN) whose context is the cell's previous output:
    c_t = y_{t-1}; h_t = tanh(W x_t + U c_t + b_h); y_t = V h_t + b_y
    (one output per token), then a softmax over y_t.  Keras's SimpleRNN is an Elman
    network (its context is h_{t-1}) and is refused.  The training routine
    compiles the model.
    """
    from .jordan import JordanCell

    k = keras()
    L = k.layers
    V = len(spec["tokens"])
    ids = k.Input((None,), dtype="int32", name="tokens")
    x = L.Embedding(V, EMBEDDING, name="embedding")(ids)
    x = L.Dropout(DROPOUT, name="dropout")(x)
    y = L.RNN(JordanCell(UNITS, V), return_sequences=True, name="jordan")(x)  # y_t = V h_t + b_y, fed back
    p = L.Softmax(name="next_token")(y)
    return k.Model(ids, p, name="music_jordan")


def artifacts(ctx, split, probs, model):
    return music.artifacts(ctx, split, probs, model, network="Jordan network", stem=STEM)


def use(folder, inputs, options):
    """``rnnsuite try RUN v2.3 [NOTE ...]``: a tune from the seed notes given, written as MIDI (``music.use``)."""
    from . import jordan  # registers the Jordan cell

    return music.use(folder, inputs, options, jordan.load, STEM, "Jordan network", "v2.3-tune.mid")


ASSIGNMENT = Assignment(
    id="v2.3", kind="custom", network="Jordan network", from_course=False,
    task_en="The course leaves this cell empty; rnnsuite sets: build a Jordan network (context units hold the "
            "previous output y_{t-1}, not the hidden state) as a custom Keras cell and solve the music task of "
            "v2.2: predict the next note of the last 30% of the tunes and generate tunes of 16+ bars.",
    task_ru="В курсе ячейка пуста (-); rnnsuite задаёт: дособрать сеть Джордана (контекстные нейроны хранят "
            "предыдущий выход y_{t-1}, а не скрытое состояние) как собственную ячейку Keras и решить задачу "
            "из задания 2: предсказывать следующую ноту последних 30% мелодий и сгенерировать мелодии длиной "
            "от 16 тактов.",
    datasets=("music",), model="jordan-music",
    prepare=music.prepare, train=music.train, predict=music.predict, evaluate=music.evaluate,
    artifacts=artifacts, metrics=music.METRICS, bars=(music.beat_the_bigram("Jordan network"),),
    artifact_names=("tunes", "tune_notes", "piano_roll", "history", "model", "vocabulary"),
    use=use, epochs=40, quick_epochs=1,
)

FACTORY = ModelFactory("jordan-music", "custom", build,
                       f"Embedding({EMBEDDING}) -> Dropout({DROPOUT}) -> RNN(JordanCell({UNITS}, V)) -> softmax: "
                       "the context is the previous output y_(t-1) = V h_(t-1) + b_y")
