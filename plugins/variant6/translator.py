"""v6.2: a bidirectional RNN translates Russian to English (the course's variant 6, assignment 2).

The same machinery as v3.2 (English -> Russian), the other way round:
``rnnsuite.translation`` (routines, the copy and translation-memory
baselines, artifacts, the shared declaration) over ``rnnsuite.seq2seq`` (a
Bidirectional(GRU) encoder, a GRU decoder with dot-product attention, teacher
forcing, beam search).

Unit: sentencepiece subwords per language.  The first version read and wrote
characters and spelled words it had not learned ("Terbrarable" for "вчера"):
a 60-character sentence is 60 decisions.  Russian word forms are too many
for a word vocabulary on ~2,000 pairs (most occur once); subwords share
stems and endings and make a sentence ~10 decisions.  Placeholders
(``%(name)s``, ``{0}``) pass through numbered marks, never translated.
"""
from __future__ import annotations

from rnnsuite import translation

DIRECTION = translation.Direction("Russian", "English", reverse=True, salt=62, example="Открыть файл")


def build(spec):
    from rnnsuite.seq2seq import build_model

    return build_model(spec)


build.__doc__ = translation.build_doc(DIRECTION)

ASSIGNMENT, FACTORY = translation.declare(
    "v6.2", "birnn-translator", DIRECTION, build,
    task_en="Build a recurrent network with Keras (a bidirectional RNN) and translate text from Russian to "
            "English: an encoder-decoder whose encoder is keras.layers.Bidirectional, with attention "
            "(interface strings of JupyterLab and Django).",
    task_ru="Создать рекуррентную сеть с помощью Keras (двунаправленная RNN) и решить задачу перевода текста "
            "с русского на английский: кодировщик-декодировщик с вниманием, кодировщик - "
            "keras.layers.Bidirectional (строки интерфейса JupyterLab и Django).",
)
