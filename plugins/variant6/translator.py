"""v6.2: a bidirectional RNN translates Russian to English (the course's variant 6, assignment 2).

The same machinery as v3.2 (English -> Russian), the other way round:
``rnnsuite.translation`` (routines, the copy and translation-memory
baselines, artifacts) over ``rnnsuite.seq2seq`` (a Bidirectional(GRU)
encoder, a GRU decoder with dot-product attention, teacher forcing, beam
search).

Unit: sentencepiece subwords per language.  The first version read and wrote
characters and spelled words it had not learned ("Terbrarable" for "вчера"):
a 60-character sentence is 60 decisions.  Russian word forms are too many
for a word vocabulary on ~2,000 pairs (most occur once); subwords share
stems and endings and make a sentence ~10 decisions.  Placeholders
(``%(name)s``, ``{0}``) pass through numbered marks, never translated.
"""
from __future__ import annotations

from rnnsuite import translation
from rnnsuite.seq2seq import Seq2Seq
from rnnsuite.types import Assignment, ModelFactory

SALT = 62


def prepare(ctx):
    return translation.prepare(ctx, reverse=True, salt=SALT)


def use(folder, inputs, options):
    """``rnnsuite try``: each Russian sentence (an argument) in English."""
    return translation.try_translate(folder, inputs, "a Russian sentence", "Открыть файл")


def build(spec):
    """Return an **uncompiled** ``keras.Model`` mapping ``[Russian piece ids (B, S), English piece ids shifted
    right (B, T)]`` to next-piece logits ``(B, T, V)``, V = ``len(spec["target_codec"]["tokens"])``, whose
    encoder is a ``keras.layers.Bidirectional`` RNN.

    Ids: 0 padding, 1 unknown, 2 start, 3 end; the pieces are
    ``spec["source_codec"]["tokens"]`` and ``spec["target_codec"]["tokens"]``;
    S = ``spec["source_length"]``, T up to ``spec["target_length"]``.  The
    model must be made of two named sub-models that decoding reuses one piece
    at a time:

    * ``keras.Model(..., name="encoder")``: source ids (B, S) -> ``[memory (B, S, d), state (B, h)]``
      (more than one state tensor is fine, e.g. an LSTM's h and c);
    * ``keras.Model(..., name="decoder")``: ``[target ids (B, T), memory, source ids (B, S), state]``
      -> ``[logits (B, T, V), attention weights (B, T, S), new state]``;

    and the training model calls ``memory, state = encoder(src)`` then
    ``decoder([shifted, memory, src, state])[0]``.  The suite compiles it
    (Adam, masked sparse cross-entropy: the same for every student), trains it
    with teacher forcing and translates by beam search.  The reference:
    ``rnnsuite.seq2seq.build_model(spec)``: Bidirectional(GRU(128)) encoder,
    GRU(256) decoder, dot-product ``keras.layers.Attention``.
    """
    from rnnsuite.seq2seq import build_model

    return build_model(spec)


ASSIGNMENT = Assignment(
    id="v6.2", kind="keras", network="biRNN",
    task_en="Build a recurrent network with Keras (a bidirectional RNN) and translate text from Russian to "
            "English: an encoder-decoder whose encoder is keras.layers.Bidirectional, with attention "
            "(interface strings of JupyterLab and Django).",
    task_ru="Создать рекуррентную сеть с помощью Keras (двунаправленная RNN) и решить задачу перевода текста "
            "с русского на английский: кодировщик-декодировщик с вниманием, кодировщик - "
            "keras.layers.Bidirectional (строки интерфейса JupyterLab и Django).",
    datasets=("en_ru_pairs",), model="birnn-translator",
    prepare=prepare, train=translation.train, predict=translation.predict,
    evaluate=translation.evaluate, artifacts=translation.artifacts, use=use,
    metrics=translation.METRICS, bars=translation.bars("Russian", "English"),
    artifact_names=translation.ARTIFACTS, adapt=Seq2Seq.adapt, epochs=20, quick_epochs=2,
)

FACTORY = ModelFactory("birnn-translator", "keras", build,
                       "subword seq2seq: Bidirectional(GRU) encoder, GRU decoder with dot-product attention, "
                       "beam search")
