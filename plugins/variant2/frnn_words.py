"""v2.1: predict the 4th word from the 3 before it with the course's FRNN, from scratch.

    data         ``english_corpus``: 1,500 full movie reviews as running text,
                 lowercased words and punctuation (``rnnsuite.prep.tokenize``)
    split        chronological on the words: a window belongs to the block
                 of its 4th word (first 70% train, the last 5% of all train
                 windows validate; last 30% test)
    vocabulary   the 1,000 commonest training words, plus ``<unk>`` for the
                 rest (an input may be ``<unk>``; a target never is: windows
                 whose 4th word is unknown are left out, and the model has no
                 ``<unk>`` output -- otherwise answering ``<unk>`` would score
                 24-37%)
    model        h_t = tanh(W x_t + U h_{t-1} + b_h), t = 1..3 (x_t a word id),
                 y = V h_3 + b_y, p = softmax(y) over the 1,000 words;
                 L = -ln p_c (the course's cross-entropy, last step only)
    metrics      top-1 and top-5 accuracy on the test windows
    baselines    the most frequent training words; an interpolated modified
                 Kneser-Ney 4-gram over the same vocabulary, fit on the
                 training words, which backs off to the trigram, bigram and
                 unigram (:mod:`rnnsuite.ngrams`)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnsuite.types import Assignment, Bar, ModelFactory, ScratchSpec, Split

DATASET = "english_corpus"
WORDS = 1000
CONTEXT = 3  # the words before the one to predict
FIRST_WORD = 2  # ids 0 and 1 are <pad> and <unk>; output class c is word id c + FIRST_WORD
VALIDATION_SHARE = 0.05
QUICK_WORDS = 120_000
MIN_WINDOWS = 50
HIDDEN = 128
BATCH = 128
LEARNING_RATE = 2e-3
CLIP = 5.0
PATIENCE = 2
TOP = 5
SHOWN = 20  # test windows in the predictions artifact
MODEL = "frnn_words.npz"


@dataclass(frozen=True)
class Windows:
    """``X[i]`` (3 word ids) precede the word of class ``y[i]`` (its id minus FIRST_WORD)."""

    X: np.ndarray  # (N, 3) word ids
    y: np.ndarray  # (N,) classes 0..WORDS-1

    def __len__(self) -> int:
        return len(self.y)


def word_windows(ids: np.ndarray) -> Windows:
    """Every 3-word window of ``ids`` whose 4th word is in the vocabulary."""
    from rnnsuite.prep import windows

    X, y = windows(np.asarray(ids, dtype=np.int64), CONTEXT)
    known = y >= FIRST_WORD
    return Windows(X[known], y[known] - FIRST_WORD)


def prepare(ctx) -> Split:
    from rnnsuite.errors import DataError
    from rnnsuite.prep import Vocabulary, chronological_split, tokenize

    words = tokenize(ctx.load(DATASET))
    hidden = ctx.load_hidden(DATASET)
    if hidden is not None:  # grading: every word trains, the instructor's text tests
        train_words, test_words = words, tokenize(hidden)
        how = "all of the corpus trains; windows of the instructor's hidden text test"
    else:
        if ctx.quick:
            words = words[:QUICK_WORDS]
        cut = len(chronological_split(len(words))[0]) if len(words) > 1 else len(words)
        train_words, test_words = words[:cut], words[cut - CONTEXT:]  # the first test windows read 3 train words
        how = "chronological on the words: windows whose 4th word is in the first 70% train (the last 5% of " \
              "those validate), the rest test"
    vocab = Vocabulary.build([" ".join(train_words)], max_size=WORDS + FIRST_WORD)
    train_ids = np.asarray(vocab.encode(train_words), dtype=np.int64)
    everything = word_windows(train_ids)
    test = word_windows(np.asarray(vocab.encode(test_words), dtype=np.int64))
    if len(everything) < MIN_WINDOWS or len(test) == 0 or len(vocab) < FIRST_WORD + TOP:
        raise DataError(f"{DATASET}: {len(words)} words ({len(vocab) - FIRST_WORD} different) give "
                        f"{len(everything)} training and {len(test)} test windows; give a text of at least a few "
                        f"thousand words")
    n_val = max(1, int(round(len(everything) * VALIDATION_SHARE)))
    fit = Windows(everything.X[:-n_val], everything.y[:-n_val])
    val = Windows(everything.X[-n_val:], everything.y[-n_val:])
    baselines = ngram_baselines(train_ids, everything.y, test, len(vocab))
    spec = {"n": len(vocab), "m": len(vocab) - FIRST_WORD, "vocab": list(vocab.tokens), "window": CONTEXT,
            "seed": ctx.seed}
    info = {"words": len(train_words) + len(test_words), "split": how, "vocabulary": len(vocab) - FIRST_WORD,
            "fit": len(fit), "validation": len(val), "test": len(test),
            "test_windows_with_unknown_target": int(np.count_nonzero(
                np.asarray(vocab.encode(test_words[CONTEXT:])) == vocab.oov_id)),
            "baselines": baselines,
            "fourgram": "interpolated modified Kneser-Ney over the same vocabulary, fit on the training words"}
    return Split(train={"fit": fit, "validation": val}, test_inputs=test.X, test_targets=test.y, spec=spec,
                 info=info)


def ngram_baselines(train_ids: np.ndarray, train_classes: np.ndarray, test: Windows, vocab: int) -> dict[str, float]:
    """Top-1 and top-5 accuracy of the most frequent words and of the 4-gram on the test windows."""
    from rnnsuite.metrics import top_k_accuracy
    from rnnsuite.ngrams import NGramLM

    frequent = np.argsort(-np.bincount(train_classes, minlength=vocab - FIRST_WORD), kind="stable")[:TOP]
    ranked_frequent = np.tile(frequent, (len(test), 1))
    model = NGramLM(CONTEXT + 1, vocab).fit(train_ids)
    ranked_ngram = model.top(test.X, TOP, exclude=range(FIRST_WORD)) - FIRST_WORD  # never <pad> or <unk>
    out = {}
    for name, ranked in (("most_frequent", ranked_frequent), ("fourgram", ranked_ngram)):
        out[f"{name}_top1"] = top_k_accuracy(ranked, test.y, 1)
        out[f"{name}_top5"] = top_k_accuracy(ranked, test.y, TOP)
    return out


def ranked_classes(probs: np.ndarray) -> np.ndarray:
    """The TOP most probable classes of each row, best first."""
    from rnnsuite.ngrams import top_k

    return top_k(probs, TOP)


def build(spec):
    """The FRNN of LAB7.md for the 4th word: ``FRNN(n, k, m, output="last", loss="ce")``.

    ``n = spec["n"]`` (1,002 word ids: 0 ``<pad>``, 1 ``<unk>``, then the
    1,000 words of ``spec["vocab"]``; inputs are (B, 3) word ids),
    ``m = spec["m"]`` = 1,000 outputs, one per word (class c is word id
    c + 2: there is no ``<unk>`` output), k = 128 hidden units; softmax
    cross-entropy on the last step only.
    """
    from rnnsuite.scratch.frnn import FRNN

    return FRNN(spec["n"], HIDDEN, spec["m"], output="last", loss="ce", rng=spec.get("seed", 0), dtype=np.float32)


def train(ctx, model, data):
    from rnnsuite.scratch.optim import Adam
    from rnnsuite.scratch.train import fit

    fit_w, val_w = data["fit"], data["validation"]
    history = fit(model, fit_w.X, fit_w.y, validation=(val_w.X, val_w.y), epochs=ctx.epochs, batch_size=BATCH,
                  optimizer=Adam(LEARNING_RATE), clip=CLIP, patience=PATIENCE, rng=ctx.rng(21),
                  on_epoch=ctx.epoch_ended, on_batch=ctx.batch_ended)
    ctx.record_history({"loss": history["loss"], "val_loss": history["val_loss"]})
    ctx.info["frnn"] = {"hidden": int(np.shape(model.params["U"])[0]), "batch": BATCH,
                        "optimizer": f"Adam(lr={LEARNING_RATE})", "clip": CLIP, "patience": PATIENCE}
    ctx.info["best_epoch"] = history["best_epoch"]
    return model


def probabilities(model, X: np.ndarray, batch: int = 4096) -> np.ndarray:
    """softmax(y) over the words for each window, (N, m)."""
    from rnnsuite.sampling import softmax

    return np.concatenate([softmax(model.forward(X[i:i + batch])) for i in range(0, len(X), batch)]) \
        if len(X) else np.zeros((0, int(np.shape(model.params["V"])[0])))


def predict(ctx, model, X):
    """The 5 most probable 4th words of each window (classes, best first), (N, 5)."""
    return np.concatenate([ranked_classes(probabilities(model, X[i:i + 4096])) for i in range(0, len(X), 4096)]) \
        if len(X) else np.zeros((0, TOP), dtype=np.int64)


def evaluate(ctx, split: Split, ranked) -> dict[str, float]:
    from rnnsuite.metrics import top_k_accuracy

    ranked = np.asarray(ranked)
    if ranked.shape != (len(split.test_targets), TOP) or ranked.dtype.kind not in "iu":
        raise ValueError(f"expected the {TOP} best classes of each test window, shape "
                         f"({len(split.test_targets)}, {TOP}) integers; got {ranked.dtype} {ranked.shape}")
    return {"top1": top_k_accuracy(ranked, split.test_targets, 1),
            "top5": top_k_accuracy(ranked, split.test_targets, TOP), **split.info["baselines"]}


def artifacts(ctx, split, ranked, model):
    import json

    from rnnsuite import charlm
    from rnnsuite.prep import Vocabulary

    vocab = Vocabulary(list(split.spec["vocab"]))
    X, y = split.test_inputs, split.test_targets
    shown = np.linspace(0, len(y) - 1, min(SHOWN, len(y))).astype(int)
    P = probabilities(model, X[shown])
    rows = ["# v2.1 FRNN (from scratch): the 4th word from the 3 before", "",
            f"{len(shown)} test windows, evenly spaced through the test block; **bold**: the true 4th word.", "",
            "| 3 words | true 4th | model's top 5 (probability) |", "|---|---|---|"]
    for i, p in zip(shown, P):
        best = np.argsort(-p)[:TOP]
        guesses = ", ".join((f"**{word(vocab, c)}**" if c == y[i] else word(vocab, c)) + f" ({p[c]:.3f})"
                            for c in best)
        rows.append(f"| {' '.join(vocab.tokens[t] for t in X[i])} | {word(vocab, y[i])} | {guesses} |")
    table = ctx.path("predictions.md")
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    model_path = model.save(ctx.path(MODEL))
    vocab_path = charlm.vocabulary_path(model_path)
    vocab_path.write_text(json.dumps({"level": "word", "tokens": vocab.tokens, "first_word": FIRST_WORD},
                                     ensure_ascii=False), encoding="utf-8")
    return {"predictions": table, "model": model_path, "vocabulary": vocab_path}


def use(folder, inputs, options):
    """``rnnsuite try``: the 5 words the saved FRNN finds likeliest after the 3 words given, with p."""
    from rnnsuite.charlm import load, vocabulary_path
    from rnnsuite.errors import DataError
    from rnnsuite.prep import tokenize
    from rnnsuite.tryfiles import saved
    from rnnsuite.tryout import unknown

    words = tokenize(" ".join(inputs))
    if len(words) != CONTEXT:
        raise DataError(f"give the {CONTEXT} words before the one to guess, e.g. \"the film was\"; got "
                        f"{len(words)} word(s) and marks: {' '.join(words) or 'nothing'}")
    path = saved(folder, MODEL)
    saved(folder, vocabulary_path(path).name)
    model, vocab = load(path)
    p = probabilities(model, np.array([vocab.encode(words)], dtype=np.int64))[0]
    note = unknown(words, vocab.index)
    lines = [f"after \"{' '.join(words)}\"" + (f" ({note}: read as <unk>)" if note else "") + ":"]
    best = ranked_classes(p[None])[0]
    lines += [f"{rank}. {vocab.tokens[c + FIRST_WORD]} ({p[c]:.3f})" for rank, c in enumerate(best, 1)]
    return "\n".join(lines)


def word(vocab, c: int) -> str:
    """The word of output class c, escaped for a Markdown table."""
    return vocab.tokens[int(c) + FIRST_WORD].replace("|", "\\|")


ASSIGNMENT = Assignment(
    id="v2.1", kind="scratch", network="FRNN",
    task_en=("Predict the 4th word from the context of the 3 preceding ones with a fully recurrent network "
             "built by hand (numpy, BPTT): the 3 words as token ids, a softmax over the 1,000 commonest "
             "training words at the last step, cross-entropy; top-1 and top-5 accuracy against the most "
             "frequent words and a 4-gram model."),
    task_ru="Предсказание 4-го слова по контексту из первых трех",
    datasets=(DATASET,), model="frnn-words",
    prepare=prepare, train=train, predict=predict, evaluate=evaluate, artifacts=artifacts, use=use,
    metrics=("top1", "top5", "most_frequent_top1", "most_frequent_top5", "fourgram_top1", "fourgram_top5"),
    bars=(Bar("top1", 0.12, floor="most_frequent_top1",
              why="at least 12% of 4th words right at the first guess (the most frequent word scores about 6.4%, "
                  "a Kneser-Ney 4-gram about 21%), partial credit from the most-frequent baseline"),
          Bar("top1", "most_frequent_top1",
              why="and better than always answering the most frequent word, on whatever text is given")),
    artifact_names=("predictions", "history", "model", "vocabulary"),
    scratch=ScratchSpec(inputs="tokens", output="last", loss="ce"),
    epochs=3, quick_epochs=1,
)

FACTORY = ModelFactory("frnn-words", "scratch", build,
                       "numpy FRNN over 3 word ids: 128 hidden units, softmax over 1,000 words at the last step")
