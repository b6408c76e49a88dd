"""v3.1: an FRNN next-character model of both sides of the parallel text, from scratch.

    data         ``en_ru_pairs``: the English and the Russian side, each one
                 sentence per line, split chronologically on its characters
                 (first 70% train, the end of that validates, last 30% test)
    model        one FRNN over both alphabets (the joint training characters):
                 h_t = tanh(W x_t + U h_{t-1} + b_h),  y_t = V h_t + b_y,
                 a softmax over the next character at every step
    training     as v1.1 (:mod:`rnnsuite.charlm`): lanes of the English and the
                 Russian training text read side by side in chunks, the state
                 carried between chunks, truncated BPTT at the chunk boundary
    metric       bits per character on each language's test block, next to
                 that language's unigram, bigram and trigram models
                 (interpolated modified Kneser-Ney, fit on its training block)

One model with both alphabets rather than one per language: the grading
protocol re-runs one set of trained parameters, and the two sides share
digits, punctuation, placeholders (``%(name)s``, ``{0}``) and Latin words
inside Russian strings.  ``benchmarks/bench_charlm_joint.py`` compares it
with two separate models of the same size.
"""
from __future__ import annotations

import numpy as np

from rnnsuite.charlm import CharTraining, Recipe, Stream
from rnnsuite.types import Assignment, Bar, ModelFactory, ScratchSpec, Split

DATASET = "en_ru_pairs"
LANGUAGES = ("en", "ru")
QUICK_LINES = 600
MIN_CHARS = 1_000  # per language: fewer cannot fill a training chunk, a validation block and a test block
HIDDEN = 128
RECIPE = Recipe(lanes=32, steps=50, learning_rate=2e-3, clip=5.0)
SAMPLES = 8
SAMPLE_CHARS = 200
TEMPERATURES = (0.5, 1.0)
MODEL = "frnn_parallel.npz"


def sides(pairs) -> dict[str, list[str]]:
    """The sentences of each language, by its code."""
    by_lang = {pairs.source_lang: pairs.source, pairs.target_lang: pairs.target}
    return {lang: by_lang[lang] for lang in LANGUAGES}


def prepare(ctx) -> Split:
    from rnnsuite.charlm import char_blocks, ngram_bits, split_text
    from rnnsuite.errors import DataError
    from rnnsuite.prep import Vocabulary

    lines = sides(ctx.load(DATASET))
    hidden = ctx.load_hidden(DATASET)
    texts = {}
    for lang in LANGUAGES:
        if hidden is not None:  # grading: train on everything, test on the instructor's pairs
            texts[lang] = ("\n".join(lines[lang]), "\n".join(sides(hidden)[lang]))
        else:
            chosen = lines[lang][:QUICK_LINES] if ctx.quick else lines[lang]
            texts[lang] = split_text("\n".join(chosen))
        if len(texts[lang][0]) < MIN_CHARS or not texts[lang][1]:
            raise DataError(f"{DATASET}: the {lang} side has too little text to learn from "
                            f"({sum(map(len, texts[lang]))} characters); give at least {int(MIN_CHARS / 0.7)}")
    vocab = Vocabulary.build([train for train, _ in texts.values()], level="char")
    train, test, info = {}, {}, {}
    for lang, (train_text, test_text) in texts.items():
        train[lang], test[lang] = char_blocks(vocab, train_text, test_text)
        info[lang] = {"characters": len(train_text) + len(test_text), "fit": len(train[lang].ids),
                      "validation": len(train[lang].validation), "test": len(test[lang]),
                      "unknown_in_test": int(np.count_nonzero(test[lang].ids == vocab.oov_id))}
    baselines = {f"{lang}_{name}": value for lang in LANGUAGES
                 for name, value in ngram_bits(train[lang].all_ids(), test[lang], len(vocab)).items()}
    info.update(vocabulary=len(vocab), baselines=baselines,
                split="each side chronological on its characters: first 70% train (its last 5% validates), "
                      "last 30% test" if hidden is None else "all pairs train; the instructor's hidden pairs test",
                baseline_smoothing="interpolated modified Kneser-Ney, fit on each side's training block")
    spec = {"n": len(vocab), "m": len(vocab), "vocab": list(vocab.tokens), "seed": ctx.seed}
    return Split(train=train, test_inputs=test, test_targets={lang: s.ids for lang, s in test.items()},
                 spec=spec, info=info)


def build(spec):
    """The FRNN of LAB7.md as a character model of both languages: ``FRNN(n, k, m, output="all", loss="ce")``.

    ``n = m = spec["n"]`` (the English and Russian training characters,
    ``spec["vocab"]``; inputs are (B, T) character ids), k = 128 hidden
    units, an output y_t at every step scored by softmax cross-entropy
    against the next character.  The model must offer the state extension of
    the scratch protocol: ``h0=`` on ``forward``/``loss``/``loss_and_grads``
    and ``last_state`` after them.
    """
    from rnnsuite.scratch.frnn import FRNN

    return FRNN(spec["n"], HIDDEN, spec["m"], output="all", loss="ce", rng=spec.get("seed", 0), dtype=np.float32)


def joint(training: dict[str, CharTraining]) -> CharTraining:
    """Both sides as one training stream (English then Russian), and one validation stream likewise."""
    first = training[LANGUAGES[0]]
    return CharTraining(np.concatenate([training[lang].ids for lang in LANGUAGES]),
                        Stream(np.concatenate([training[lang].validation.ids for lang in LANGUAGES]),
                               first.validation.context))


def train(ctx, model, training):
    """Both languages' lanes side by side (:func:`joint`), as v1.1 trains (:func:`rnnsuite.charlm.train`)."""
    from rnnsuite.charlm import train

    return train(ctx, model, joint(training), RECIPE, salt=31)


def predict(ctx, model, streams):
    """The probability the model gives each test character of each language, reading the text before it."""
    from rnnsuite.charlm import score

    return {lang: score(model, stream) for lang, stream in streams.items()}


def evaluate(ctx, split: Split, probabilities) -> dict[str, float]:
    from rnnsuite.metrics import bits_per_token

    metrics = {}
    for lang in LANGUAGES:
        p = np.asarray(probabilities[lang], dtype=np.float64)
        if p.shape != (len(split.test_targets[lang]),):
            raise ValueError(f"expected one probability per {lang} test character "
                             f"({len(split.test_targets[lang])}), got shape {p.shape}")
        metrics[f"{lang}_bpc"] = bits_per_token(p)
    return {**metrics, **split.info["baselines"]}


def artifacts(ctx, split, probabilities, model):
    from rnnsuite import charlm
    from rnnsuite.prep import Vocabulary

    vocab = Vocabulary(list(split.spec["vocab"]), level="char")
    rng = ctx.rng(32)
    samples = {t: charlm.generate(model, vocab, SAMPLES, SAMPLE_CHARS, t, rng) for t in TEMPERATURES}
    note = (f"Each line starts after a newline (the sentence separator of both sides) and ends at the next "
            f"newline or after {SAMPLE_CHARS} characters; the model picks the language itself.")
    path = charlm.write_samples(ctx.path("samples.md"), "v3.1 FRNN (from scratch): generated interface strings",
                                samples, note)
    model_path, vocab_path = charlm.save(model, vocab, ctx.path(MODEL))
    return {"samples": path, "model": model_path, "vocabulary": vocab_path}


def use(folder, inputs, options):
    """``rnnsuite try``: what the saved FRNN writes after the prompt (English or Russian; none: from scratch)."""
    from rnnsuite import charlm

    return charlm.try_frnn(folder, MODEL, inputs, options, example="Открыть файл", length=SAMPLE_CHARS)


METRICS = tuple(f"{lang}_{name}" for lang in LANGUAGES for name in ("bpc", "unigram_bpc", "bigram_bpc", "trigram_bpc"))

ASSIGNMENT = Assignment(
    id="v3.1", kind="scratch", network="FRNN", from_course=False,
    task_en=("Build a single-layer fully recurrent network by hand (numpy, BPTT) that predicts the next "
             "character of the parallel text, English and Russian: character ids in, the next character's "
             "distribution out at every step, truncated BPTT with the hidden state carried across chunks; one "
             "model over both alphabets; score it in bits per character on the last 30% of each side against "
             "n-gram models."),
    task_ru=("Создать однослойную полносвязную рекуррентную сеть (FRNN) своими руками (numpy, BPTT), "
             "предсказывающую следующий символ параллельного текста на английском и русском: на входе номера "
             "символов, на каждом шаге - распределение следующего символа; усечённый BPTT с передачей скрытого "
             "состояния между фрагментами; одна модель для обоих алфавитов; оценить в битах на символ на "
             "последних 30% каждой стороны в сравнении с n-граммными моделями."),
    datasets=(DATASET,), model="frnn-parallel",
    prepare=prepare, train=train, predict=predict, evaluate=evaluate, artifacts=artifacts, use=use,
    metrics=METRICS,
    bars=tuple(Bar(f"{lang}_bpc", f"{lang}_bigram_bpc", higher_is_better=False, floor=f"{lang}_unigram_bpc",
                   why=f"below the {lang} bigram's bpc (about {bigram} on the default data; unigram {unigram}), "
                       f"partial credit from the unigram's")
               for lang, unigram, bigram in (("en", 4.76, 3.93), ("ru", 5.41, 3.96))),
    artifact_names=("samples", "history", "model", "vocabulary"),
    scratch=ScratchSpec(inputs="tokens", output="all", loss="ce", carry_state=True),
    epochs=30, quick_epochs=2,
)

FACTORY = ModelFactory("frnn-parallel", "scratch", build,
                       "numpy FRNN character model of English and Russian: 128 hidden units, softmax at every step")
