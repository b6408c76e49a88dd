"""v3.2: a bidirectional RNN translates English to Russian (the course's variant 3, assignment 2).

A thin module over ``rnnsuite.translation`` (routines, baselines, artifacts)
and ``rnnsuite.seq2seq`` (the encoder-decoder): the encoder is
``keras.layers.Bidirectional(GRU)``, the decoder a GRU with dot-product
attention; teacher forcing in training, beam search at test time.

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
from rnnsuite.seq2seq import Seq2Seq
from rnnsuite.types import Assignment, ModelFactory

SALT = 32


def prepare(ctx):
    return translation.prepare(ctx, reverse=False, salt=SALT)


def use(folder, inputs, options):
    """``rnnsuite try``: each English sentence (an argument) in Russian."""
    return translation.try_translate(folder, inputs, "an English sentence", "Open the file")


def build(spec):
    """Return an **uncompiled** ``keras.Model`` mapping ``[English piece ids (B, S), Russian piece ids shifted
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
    id="v3.2", kind="keras", network="biRNN",
    task_en="Build a recurrent network with Keras (a bidirectional RNN) and translate text from English to "
            "Russian: an encoder-decoder whose encoder is keras.layers.Bidirectional, with attention "
            "(interface strings of JupyterLab and Django).",
    task_ru="Создать рекуррентную сеть с помощью Keras (двунаправленная RNN) и решить задачу перевода текста "
            "с английского на русский: кодировщик-декодировщик с вниманием, кодировщик - "
            "keras.layers.Bidirectional (строки интерфейса JupyterLab и Django).",
    datasets=("en_ru_pairs",), model="birnn-en-ru",
    prepare=prepare, train=translation.train, predict=translation.predict,
    evaluate=translation.evaluate, artifacts=translation.artifacts, use=use,
    metrics=translation.METRICS, bars=translation.bars("English", "Russian"),
    artifact_names=translation.ARTIFACTS, adapt=Seq2Seq.adapt, epochs=20, quick_epochs=2,
)

FACTORY = ModelFactory("birnn-en-ru", "keras", build,
                       "subword seq2seq: Bidirectional(GRU) encoder, GRU decoder with dot-product attention, "
                       "beam search")
