"""The review text that v1.1 (scratch FRNN) and v1.2 (Keras GRU) learn to write, and how both are scored.

    data         ``review_text``: fine-food reviews then Rotten Tomatoes
                 snippets, one review per line
    split        chronological on the characters: the first 70% train (its
                 last 5%, at most 100k characters, is the validation block),
                 the last 30% test
    vocabulary   the training block's characters; a test character never
                 seen in training reads as ``<unk>``
    metric       bits per character on the test block: the mean of
                 -log2 p(c_t | c_<t) the model gives each test character
                 (both assignments score the same block, so they compare)
    baselines    unigram, bigram, trigram (and for v1.2 the 5-gram) character
                 models with interpolated modified Kneser-Ney smoothing, fit
                 on the training block
"""
from __future__ import annotations

import numpy as np

from rnnsuite.charlm import char_blocks, ngram_bits, split_text
from rnnsuite.errors import DataError
from rnnsuite.metrics import bits_per_token
from rnnsuite.prep import Vocabulary
from rnnsuite.types import Split

DATASET = "review_text"
QUICK_CHARS = 200_000
#: a text shorter than this cannot fill one training chunk, a validation block and a test block
MIN_CHARS = 1_000
NEWLINE = "\n"  # one review per line: a newline starts the next review
SAMPLE_CHARS = 400
TEMPERATURES = (0.5, 1.0)
SAMPLES = 10  # reviews per temperature
EXAMPLE_PROMPT = "This coffee"  # for rnnsuite try


def prepare(ctx, orders=(1, 2, 3)) -> Split:
    """The character blocks of ``review_text``, the n-gram baselines of ``orders`` fit on the training block."""
    text = ctx.load(DATASET)
    hidden = ctx.load_hidden(DATASET)
    if hidden is not None:  # grading: train on everything, test on the instructor's text
        train_text, test_text = text, hidden
        how = "the whole data set trains; the instructor's hidden text is the test block"
    else:
        if ctx.quick:
            text = text[:QUICK_CHARS]
        train_text, test_text = split_text(text) if len(text) >= MIN_CHARS else ("", "")
        how = "chronological: the first 70% of the characters train (the last 5% of those validate), the last 30% test"
    if len(train_text) < 0.7 * MIN_CHARS or not test_text:
        raise DataError(f"{DATASET}: {len(text)} characters of text are too few to learn from; give a text of at "
                        f"least {MIN_CHARS} characters")
    vocab = Vocabulary.build([train_text], level="char")
    training, test = char_blocks(vocab, train_text, test_text)
    baselines = ngram_bits(training.all_ids(), test, len(vocab), orders)
    spec = {"n": len(vocab), "m": len(vocab), "vocab": list(vocab.tokens), "seed": ctx.seed}
    info = {"characters": len(train_text) + len(test_text), "split": how,
            "fit": len(training.ids), "validation": len(training.validation), "test": len(test),
            "vocabulary": len(vocab), "unknown_in_test": int(np.count_nonzero(test.ids == vocab.oov_id)),
            "baselines": baselines,
            "baseline_smoothing": "interpolated modified Kneser-Ney, fit on the training block"}
    return Split(train=training, test_inputs=test, test_targets=test.ids, spec=spec, info=info)


def evaluate(ctx, split: Split, probabilities) -> dict[str, float]:
    """bpc of the model's probabilities of the test characters, next to the n-gram baselines."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (len(split.test_targets),):
        raise ValueError(f"expected one probability per test character ({len(split.test_targets)}), "
                         f"got shape {probabilities.shape}")
    return {"bpc": bits_per_token(probabilities), **split.info["baselines"]}


def vocabulary(spec) -> Vocabulary:
    return Vocabulary(list(spec["vocab"]), level="char")


SAMPLES_NOTE = (f"Each review starts after a newline (the review separator) and ends at the next newline "
                f"or after {SAMPLE_CHARS} characters. Lower temperatures are safer and more repetitive.")

