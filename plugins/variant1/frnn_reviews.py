"""v1.1: a character-level language model of reviews with the course's FRNN, from scratch.

    x_t = the id of character c_t (one-hot, fed as a token id; n = vocabulary size)
    h_t = tanh(W x_t + U h_{t-1} + b_h)
    y_t = V h_t + b_y,   p_t = softmax(y_t)       an output at every step (m = vocabulary size)
    L   = -(1/T) sum_t ln p_t(c_{t+1})             cross-entropy of the next character

Trained as in Karpathy's min-char-rnn: 32 lanes of the training text read
side by side in chunks of 50 characters, the state carried from chunk to
chunk (``h0``), truncated BPTT at the chunk boundary, Adam with gradient
clipping; the best epoch on the validation block is kept
(:mod:`rnnsuite.charlm`).  Scored in bits per character on the last 30% of
the text against unigram, bigram and trigram models (:mod:`.reviews`).
"""
from __future__ import annotations

import numpy as np

from rnnsuite.charlm import Recipe
from rnnsuite.types import Assignment, Bar, ModelFactory, ScratchSpec

from . import reviews

HIDDEN = 128
RECIPE = Recipe(lanes=32, steps=50, learning_rate=2e-3, clip=5.0)
MODEL = "frnn_reviews.npz"


def build(spec):
    """The FRNN of LAB7.md as a character model: ``FRNN(n, k, m, output="all", loss="ce")``.

    ``n = m = spec["n"]`` (the character vocabulary, ``spec["vocab"]``; inputs
    are (B, T) character ids), k = 128 hidden units, an output y_t at every
    step scored by softmax cross-entropy against the next character.  The
    model must offer the state extension of the scratch protocol: ``h0=`` on
    ``forward``/``loss``/``loss_and_grads`` and ``last_state`` after them.
    """
    from rnnsuite.scratch.frnn import FRNN

    return FRNN(spec["n"], HIDDEN, spec["m"], output="all", loss="ce", rng=spec.get("seed", 0), dtype=np.float32)


def train(ctx, model, training):
    from rnnsuite.charlm import train

    return train(ctx, model, training, RECIPE, salt=11)


def predict(ctx, model, stream):
    """The probability the model gives each test character, reading the text before it."""
    from rnnsuite.charlm import score

    return score(model, stream)


def artifacts(ctx, split, probabilities, model):
    from rnnsuite import charlm

    vocab = reviews.vocabulary(split.spec)
    rng = ctx.rng(12)
    samples = {t: charlm.generate(model, vocab, reviews.SAMPLES, reviews.SAMPLE_CHARS, t, rng)
               for t in reviews.TEMPERATURES}
    again = ("Write more with the saved model: `python -c \"import numpy; from rnnsuite import charlm; "
             "m, v = charlm.load('frnn_reviews.npz'); print(charlm.generate(m, v, 5, 400, 0.7, "
             "numpy.random.default_rng()))\"`")
    path = charlm.write_samples(ctx.path("samples.md"), "v1.1 FRNN (from scratch): generated reviews", samples,
                                f"{reviews.SAMPLES_NOTE}\n\n{again}")
    model_path, vocab_path = charlm.save(model, vocab, ctx.path(MODEL))
    return {"samples": path, "model": model_path, "vocabulary": vocab_path}


def use(folder, inputs, options):
    """``rnnsuite try``: a review the saved FRNN writes after the prompt (the arguments; none: from scratch)."""
    from rnnsuite import charlm

    return charlm.try_frnn(folder, MODEL, inputs, options, example=reviews.EXAMPLE_PROMPT,
                           length=reviews.SAMPLE_CHARS)


ASSIGNMENT = Assignment(
    id="v1.1", kind="scratch", network="FRNN", from_course=False,
    task_en=("Build a single-layer fully recurrent network by hand (numpy, BPTT) as a character-level language "
             "model of reviews: character ids in, the next character's distribution out at every step; train "
             "it with truncated BPTT over a long text, carrying the hidden state across chunks (min-char-rnn); "
             "score it in bits per character on the last 30% of the text against n-gram models; generate "
             "reviews."),
    task_ru=("Создать однослойную полносвязную рекуррентную сеть (FRNN) своими руками (numpy, BPTT) как "
             "посимвольную языковую модель отзывов: на входе номера символов, на каждом шаге - распределение "
             "следующего символа; обучить усечённым BPTT по длинному тексту, передавая скрытое состояние "
             "между фрагментами (как в min-char-rnn); оценить в битах на символ на последних 30% текста в "
             "сравнении с n-граммными моделями; сгенерировать отзывы."),
    datasets=(reviews.DATASET,), model="frnn-reviews",
    prepare=reviews.prepare, train=train, predict=predict, evaluate=reviews.evaluate, artifacts=artifacts,
    use=use, metrics=("bpc", "unigram_bpc", "bigram_bpc", "trigram_bpc"),
    bars=(Bar("bpc", "bigram_bpc", higher_is_better=False, floor="unigram_bpc",
              why="a recurrent model must know more than the previous character: below the bigram's bpc (about "
                  "3.66 on the default data; unigram 4.51, trigram 3.12), partial credit from the unigram's"),),
    artifact_names=("samples", "history", "model", "vocabulary"),
    scratch=ScratchSpec(inputs="tokens", output="all", loss="ce", carry_state=True),
    epochs=3, quick_epochs=1,
)

FACTORY = ModelFactory("frnn-reviews", "scratch", build,
                       "numpy FRNN character model: 128 hidden units, softmax over the characters at every step")
