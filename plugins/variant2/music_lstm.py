"""v2.2 (the course's task): an LSTM learns folk tunes note by note and generates similar ones.

The task, data, metrics, baselines and generated tunes are the music task's
(``music``); this module is the network.
"""
from __future__ import annotations

from rnnsuite.kerasutil import keras
from rnnsuite.types import Assignment, ModelFactory

from . import music

EMBEDDING, UNITS, DROPOUT = 64, 128, 0.3

STEM = "music_lstm"  # the saved model: music_lstm.keras


def build(spec):
    """v2.2: the LSTM next-note model.

    Return an uncompiled Keras model from token ids (batch, T) int32 to
    next-token probabilities (batch, T, V), V = len(spec["tokens"]): a
    softmax over the vocabulary at every step t that reads only the tokens
    up to x_t (no look-ahead: no bidirectional layer).  The ids index
    spec["tokens"]: 0 is padding after a tune's end, 1 an unknown token,
    2 (spec["start"]) the tune's start, then notes such as "G4_2" (G4, a
    half note) and rests such as "rest_1".  The training
    routine compiles it (Adam, sparse cross-entropy ignoring the padding), so
    every submission is trained the same way.
    """
    k = keras()
    L = k.layers
    ids = k.Input((None,), dtype="int32", name="tokens")
    x = L.Embedding(len(spec["tokens"]), EMBEDDING, name="embedding")(ids)
    h = L.LSTM(UNITS, return_sequences=True, name="lstm")(x)
    h = L.Dropout(DROPOUT, name="dropout")(h)
    p = L.Dense(len(spec["tokens"]), activation="softmax", name="next_token")(h)
    return k.Model(ids, p, name="music_lstm")


def artifacts(ctx, split, probs, model):
    return music.artifacts(ctx, split, probs, model, network="LSTM", stem=STEM)


def use(folder, inputs, options):
    """``rnnsuite try RUN v2.2 [NOTE ...]``: a tune from the seed notes given, written as MIDI (``music.use``)."""
    return music.use(folder, inputs, options, keras().saving.load_model, STEM, "LSTM", "v2.2-tune.mid")


ASSIGNMENT = Assignment(
    id="v2.2", kind="keras", network="LSTM",
    task_en="Build a recurrent network with Keras (LSTM) and generate similar music: learn folk tunes note by "
            "note (tokens <pitch>_<length>), predict the next note of the last 30% of the tunes, and write "
            "tunes of 16+ bars it generates from the first notes of a test tune (MIDI, MusicXML, piano roll).",
    task_ru="Создать рекуррентную сеть с помощью Keras (LSTM) и решить задачу генерации похожей музыки: "
            "обучить её на народных мелодиях нота за нотой (токены <высота>_<длительность>), предсказывать "
            "следующую ноту последних 30% мелодий и сгенерировать мелодии длиной от 16 тактов, начиная с первых "
            "нот тестовой мелодии (MIDI, MusicXML, пианоролл).",
    datasets=("music",), model="lstm-music",
    prepare=music.prepare, train=music.train, predict=music.predict, evaluate=music.evaluate,
    artifacts=artifacts, metrics=music.METRICS, bars=(music.beat_the_bigram("LSTM"),),
    artifact_names=("tunes", "tune_notes", "piano_roll", "history", "model", "vocabulary"),
    use=use, epochs=40, quick_epochs=1,
)

FACTORY = ModelFactory("lstm-music", "keras", build,
                       f"Embedding({EMBEDDING}) -> LSTM({UNITS}) -> Dropout({DROPOUT}) -> Dense(V, softmax) per step")
