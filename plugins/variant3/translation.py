"""v3.2: a bidirectional RNN translates English to Russian (the course's variant 3, assignment 2).

A thin module over ``rnnsuite.translation`` (routines, baselines, artifacts,
the declaration v6.2 shares) and ``rnnsuite.seq2seq`` (the encoder-decoder):
the encoder is ``keras.layers.Bidirectional(GRU)``, the decoder a GRU with
dot-product attention; teacher forcing in training, beam search at test time.

Unit: sentencepiece subwords, one unigram model per language learned from
the training pairs.  Russian inflects: on ~2,000 interface strings most
Russian word forms occur once, so a word model cannot produce the case
ending it never saw, while characters make every sentence a long spelling
exercise the model gets wrong.  Subwords share stems and endings and keep
sentences ~10 pieces long.  Placeholders (``%(name)s``, ``{0}``) are copied
through numbered marks, never translated.
"""
from __future__ import annotations

from rnnsuite import translation

DIRECTION = translation.Direction("English", "Russian", reverse=False, salt=32, example="Open the file")


def build(spec):
    from rnnsuite.seq2seq import build_model

    return build_model(spec)


build.__doc__ = translation.build_doc(DIRECTION)

ASSIGNMENT, FACTORY = translation.declare(
    "v3.2", "birnn-en-ru", DIRECTION, build,
    task_en="Build a recurrent network with Keras (a bidirectional RNN) and translate text from English to "
            "Russian: an encoder-decoder whose encoder is keras.layers.Bidirectional, with attention "
            "(interface strings of JupyterLab and Django).",
    task_ru="Создать рекуррентную сеть с помощью Keras (двунаправленная RNN) и решить задачу перевода текста "
            "с английского на русский: кодировщик-декодировщик с вниманием, кодировщик - "
            "keras.layers.Bidirectional (строки интерфейса JupyterLab и Django).",
)
