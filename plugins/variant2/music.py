"""The music task of v2.2 (an LSTM) and v2.3 (a Jordan network): predict a tune's next note token.

A tune is a sequence of ``"<pitch>_<quarter length>"`` / ``"rest_<ql>"``
tokens (datasets/music.py).  The model reads the tokens before step t and
gives a distribution over the next one::

    inputs   x = <s>, t_1, ..., t_{n-1}        (<s>: the start of the tune)
    targets  y = t_1, t_2, ..., t_n
    model    p(y_t | x_1..x_t)  for every t, one softmax over the vocabulary

Split as the course asks for sequences: the tunes in their order, the first
70% to train (its last tenth for early stopping), the last 30% to test.
Tokens seen only once in training become ``<unk>``, so the model learns how
likely something rare is.

Metrics on the test tunes: next-token accuracy, pitch-only accuracy (the
predicted token's pitch is right, whatever its length), bits per note
(-log2 p(true token), a rest being a note of silence), and the baselines in
the same run: the most frequent token, repeating the previous token, a
bigram and a trigram (Kneser-Ney, backing off to shorter contexts: rnnsuite.ngrams).

A next-token model must not look ahead: the test inputs hold the answers one
step later.  So the test block also holds spliced copies of test tunes (the
tune up to a cut, another tune's tokens after it), in an order only the
parent knows; ``evaluate`` refuses predictions that change before a cut when
only the tokens after it changed (a bidirectional layer, a shifted input).

Keras is imported only inside the routines.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from rnnsuite.errors import DataError
from rnnsuite.prep import OOV, PAD, Vocabulary, chronological_split, pad
from rnnsuite.types import Bar, Split

START = "<s>"
PAD_ID, OOV_ID, START_ID = 0, 1, 2
SPECIAL = (PAD_ID, OOV_ID, START_ID)  # never a note: never predicted, never generated
MIN_COUNT = 2  # tokens seen once in training are <unk>
MAX_TOKENS = 256  # a longer tune is cut into pieces of this many tokens, each a tune of its own
TEST_SHARE, VALIDATION_SHARE = 0.3, 0.1
QUICK_TUNES = 80
LOOK_AHEAD_TOLERANCE = 1e-3  # log-probabilities before a cut may differ this much (float noise)

BATCH = 16
BUCKET = 16  # batches are padded to a multiple of this many steps
LEARNING_RATE = 4e-3
CLIPNORM = 1.0
PATIENCE = 5

METRICS = ("accuracy", "pitch_accuracy", "bits_per_note",
           "most_frequent_accuracy", "repeat_accuracy", "bigram_accuracy", "trigram_accuracy",
           "trigram_bits_per_note")
#: the baselines on the default data (the first 300 Essen tunes), and what the reference networks reach there
ANCHORS = ("most frequent token 7.8%, repeat the previous 11.0%, bigram 14.6%, trigram (Kneser-Ney) 19.8% "
           "(a trigram backing off by raw counts: 18.8%)")
REFERENCE = {"LSTM": "the reference LSTM reaches 19.7-20.1% and 4.35-4.40 bits per note (trigram: 4.68)",
             "Jordan network": "the reference Jordan network reaches 17.6-18.9% and 4.51-4.58 bits per note, "
                               "1.6 points below the v2.2 LSTM's median (no bar on that gap)"}


def beat_the_bigram(network: str) -> Bar:
    return Bar("accuracy", "bigram_accuracy", floor="most_frequent_accuracy",
               why=f"the {network} must predict the next note token better than a bigram counted on the same "
                   f"training tunes (partial credit from the most-frequent-token baseline up). On the default "
                   f"Essen tunes: {ANCHORS}; {REFERENCE[network]} (seeds 0-4)")


# -- tokens <-> ids -----------------------------------------------------------------

def vocabulary(tunes: Sequence[Sequence[str]]) -> Vocabulary:
    """<pad>, <unk>, <s>, then the training tokens seen at least MIN_COUNT times, most frequent first."""
    counts = Counter(token for tune in tunes for token in tune)
    ranked = [t for t, c in counts.most_common() if c >= MIN_COUNT and t not in (PAD, OOV, START)]
    return Vocabulary([PAD, OOV, START, *ranked])


def pieces(tunes: Sequence[Sequence[str]]) -> list[list[str]]:
    """The tunes, each longer than MAX_TOKENS cut into consecutive pieces of at most MAX_TOKENS."""
    return [list(tune[i:i + MAX_TOKENS]) for tune in tunes for i in range(0, len(tune), MAX_TOKENS) if tune]


def encode(vocab: Vocabulary, tunes: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets), int32 (N, L): x = <s> + tune[:-1], y = tune, padded with 0 after the tune."""
    ids = [vocab.encode(tune) for tune in tunes]
    length = max((len(t) for t in ids), default=1)
    return pad([[START_ID, *t[:-1]] for t in ids], length), pad(ids, length)


def tune_ids(targets: np.ndarray) -> list[np.ndarray]:
    """Each row of a targets block without its padding."""
    return [row[row != PAD_ID] for row in targets]


# -- the test block and its look-ahead probes ------------------------------------------

@dataclass(frozen=True)
class NextTokens:
    """The answers of the test block (they never reach a graded submission).

    ``targets`` (N, L): the next token ids of the N test tunes;
    ``rows`` (N,): where each test tune sits among the test inputs;
    ``probes`` (P, 3): [input row of a spliced copy, input row of its tune, cut]:
    the copy equals the tune before ``cut`` and differs from it at ``cut``.
    """

    targets: np.ndarray
    rows: np.ndarray
    probes: np.ndarray

    def __len__(self) -> int:
        return len(self.targets)


def with_probes(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, NextTokens]:
    """The test inputs with one spliced copy per tune that has a step to cut at, shuffled together.

    A copy keeps its tune's inputs before a random cut and takes another test
    tune's inputs from the cut on (real notes, so it looks like any tune),
    one that differs at the cut.
    """
    lengths = (y != PAD_ID).sum(axis=1)
    copies, probes = [], []
    for i in np.flatnonzero(lengths >= 2):
        cut = int(rng.integers(1, lengths[i]))
        donor = next((d for d in rng.permutation(len(x)) if lengths[d] > cut and x[d, cut] != x[i, cut]), None)
        if donor is None:
            continue  # nothing to splice in (a test block of one tune): this tune is not probed
        copy = x[i].copy()
        copy[cut:] = x[donor, cut:]
        copies.append(copy)
        probes.append((i, cut))
    stacked = np.concatenate([x, np.asarray(copies, dtype=x.dtype).reshape(-1, x.shape[1])])
    order = rng.permutation(len(stacked))  # order[k]: which stacked row sits at input row k
    where = np.argsort(order)  # where[s]: the input row of stacked row s
    probe_rows = np.array([(where[len(x) + p], where[i], cut) for p, (i, cut) in enumerate(probes)],
                          dtype=np.int64).reshape(-1, 3)
    return stacked[order], NextTokens(y, where[:len(x)], probe_rows)


class LooksAhead(ValueError):
    """The model's prediction at a step depends on the tokens after it."""


def check_causal(probs: np.ndarray, answers: NextTokens) -> None:
    """Raise LooksAhead when a spliced copy's predictions before its cut differ from its tune's.

    Compared as log-probabilities: a barely trained model's distributions are
    nearly flat, and a look-ahead moves them by little in absolute terms.
    """
    logp = np.log(np.maximum(probs, 1e-12))
    for copy, tune, cut in answers.probes:
        gaps = np.abs(logp[copy, :cut] - logp[tune, :cut]).max(axis=-1)
        if gaps.max() > LOOK_AHEAD_TOLERANCE:
            step = int(np.argmax(gaps > LOOK_AHEAD_TOLERANCE)) + 1
            raise LooksAhead(
                f"the model looks ahead: its next-token log-probabilities at step {step} changed (by up to "
                f"{gaps.max():.3g}) when only the tokens from step {cut + 1} on changed; a next-token model may "
                "only read the tokens before the one it predicts (no bidirectional layer, no shifted input)")


# -- prepare ------------------------------------------------------------------------

def prepare(ctx) -> Split:
    tunes = ctx.load("music").sequences
    hidden = ctx.load_hidden("music")
    if ctx.quick:
        tunes = tunes[:QUICK_TUNES]
    if hidden is None:
        train_idx, _, test_idx = chronological_split(len(tunes), test=TEST_SHARE)
        train_tunes, test_tunes = [tunes[i] for i in train_idx], [tunes[i] for i in test_idx]
    else:  # the instructor's hidden tunes are the test block; every default tune trains
        train_tunes, test_tunes = list(tunes), list(hidden.sequences)
    train_tunes, test_tunes = pieces(train_tunes), pieces(test_tunes)
    vocab = vocabulary(train_tunes)
    if len(vocab) == len(SPECIAL):
        raise DataError(f"no note token occurs {MIN_COUNT} times in the {len(train_tunes)} training tunes: "
                        "too little music to learn from; give more tunes")
    x_train, y_train = encode(vocab, train_tunes)
    x_test, y_test = encode(vocab, test_tunes)
    test_inputs, answers = with_probes(x_test, y_test, ctx.rng(22))
    n_val = max(1, int(round(VALIDATION_SHARE * len(train_tunes))))
    info = {
        "tunes_train": len(train_tunes), "tunes_test": len(test_tunes),
        "tokens_train": int((y_train != PAD_ID).sum()), "tokens_test": int((y_test != PAD_ID).sum()),
        "vocabulary": len(vocab), "unknown_test_tokens": int((y_test == OOV_ID).sum()),
        "split": f"tunes in order: first {1 - TEST_SHARE:.0%} train (its last {n_val} tunes validate), "
                 f"last {TEST_SHARE:.0%} test" if hidden is None else
                 f"every tune trains (the last {n_val} validate); the instructor's hidden tunes test",
        "test_inputs": f"{len(x_test)} test tunes and {len(answers.probes)} spliced copies (look-ahead check)",
    }
    spec = {"tokens": vocab.tokens, "start": START, "max_tokens": MAX_TOKENS}
    return Split(train={"inputs": x_train, "targets": y_train}, test_inputs=test_inputs, test_targets=answers,
                 spec=spec, info=info)


# -- train / predict --------------------------------------------------------------------

def length_batches(lengths: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Tune indices in batches of BATCH tunes of similar length, the batches in a random order.

    Tunes are sorted by length (ties in random order) and cut into batches,
    so that a batch is padded only to its own longest tune.
    """
    order = np.lexsort((rng.permutation(len(lengths)), lengths))
    batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
    return [batches[i] for i in rng.permutation(len(batches))]


def trimmed(x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows, cut after their longest tune rounded up to a multiple of BUCKET steps (few shapes to trace)."""
    longest = int((y[rows] != PAD_ID).sum(axis=1).max())
    width = min(x.shape[1], -(-longest // BUCKET) * BUCKET)
    return x[rows, :width], y[rows, :width]


def train(ctx, model, data: dict):
    """Adam and sparse cross-entropy over the real steps (padding ignored), early stopping on the last tunes.

    The training tunes go in batches of similar length (``length_batches``),
    reshuffled every epoch: most tunes are far shorter than the longest, so
    padding every batch to the longest would triple the work.
    """
    from rnnsuite.kerasutil import keras, progress_callback

    k = keras()
    import tensorflow as tf  # after keras(): quiet and seeded

    x, y = data["inputs"], data["targets"]
    n_val = max(1, int(round(VALIDATION_SHARE * len(x))))
    fit_x, fit_y, val = x[:-n_val], y[:-n_val], trimmed(x, y, np.arange(len(x) - n_val, len(x)))
    lengths = (fit_y != PAD_ID).sum(axis=1)
    rng = ctx.rng(21)

    def batches():  # called anew every epoch: a new order
        for rows in length_batches(lengths, rng):
            yield trimmed(fit_x, fit_y, rows)

    steps = -(-len(fit_x) // BATCH)
    ids = tf.TensorSpec((None, None), tf.int32)
    epochs = tf.data.Dataset.from_generator(batches, output_signature=(ids, ids)).apply(
        tf.data.experimental.assert_cardinality(steps))
    model.compile(optimizer=k.optimizers.Adam(LEARNING_RATE, clipnorm=CLIPNORM),
                  loss=k.losses.SparseCategoricalCrossentropy(ignore_class=PAD_ID))
    stop = k.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
    slow = k.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2)
    history = model.fit(epochs, validation_data=val, epochs=ctx.epochs, verbose=0, shuffle=False,  # batches() does
                        callbacks=[slow, stop, progress_callback(ctx)])
    ctx.record_history(history.history)
    ctx.info["epochs_run"] = len(history.history["loss"])
    ctx.info["best_val_loss"] = float(min(history.history["val_loss"]))
    return model


def next_token_probabilities(model, inputs: np.ndarray, batch: int = 64) -> np.ndarray:
    """The model's (N, L, V) next-token distributions, float32; anything else is refused in one line."""
    probs = np.asarray(model.predict(inputs, batch_size=batch, verbose=0), dtype=np.float32)
    if probs.ndim != 3 or probs.shape[:2] != inputs.shape:
        raise ValueError(f"the model must map token ids {inputs.shape} to next-token probabilities "
                         f"{(*inputs.shape, 'V')}, got shape {probs.shape}")
    sums = probs.sum(axis=-1)
    if not np.all(np.isfinite(probs)) or probs.min() < 0 or np.abs(sums - 1).max() > 1e-3:
        raise ValueError("the model's outputs are not probabilities (end it with a softmax over the vocabulary)")
    return probs


def predict(ctx, model, inputs: np.ndarray) -> np.ndarray:
    return next_token_probabilities(model, inputs)


# -- evaluate ----------------------------------------------------------------------------

def pitch_of(tokens: Sequence[str]) -> np.ndarray:
    """The pitch part of each token ('G4' of 'G4_2', 'rest' of 'rest_1'); specials keep their name."""
    return np.array([t.rsplit("_", 1)[0] for t in tokens])


def token_scores(predicted: np.ndarray, targets: np.ndarray, tokens: Sequence[str]) -> tuple[float, float]:
    """(accuracy, pitch-only accuracy) of predicted ids over the real steps; <unk> is never right."""
    real = targets != PAD_ID
    known = real & (targets != OOV_ID) & (predicted != OOV_ID)
    pitches = pitch_of(tokens)
    steps = max(int(real.sum()), 1)
    exact = int((known & (predicted == targets)).sum())
    same_pitch = int((known & (pitches[predicted] == pitches[targets])).sum())
    return exact / steps, same_pitch / steps


def bits(p_true: np.ndarray) -> float:
    """Mean -log2 of the probabilities given to the true tokens."""
    return float(-np.mean(np.log2(np.maximum(p_true, 1e-12))))


def ngram_baseline(order: int, train_targets: np.ndarray, x: np.ndarray, y: np.ndarray,
                   vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(predicted ids, p(true id)) of an order-n Kneser-Ney model at every real step of (x, y).

    Trained on the training tunes as one stream, each tune after <s>; the
    context of step t is the order-1 inputs up to x_t, left-padded with <s>
    (a context never seen backs off to a shorter one).
    """
    from rnnsuite.ngrams import NGramLM, top_k

    stream = np.concatenate([[START_ID, *tune] for tune in tune_ids(train_targets)])
    lm = NGramLM(order, vocab_size).fit(stream)
    real = y != PAD_ID
    width = order - 1
    padded = np.concatenate([np.full((len(x), width), START_ID, dtype=x.dtype), x], axis=1)
    rows, cols = np.nonzero(real)
    contexts = np.stack([padded[rows, cols + 1 + j] for j in range(width)], axis=1) if width else \
        np.zeros((len(rows), 0), dtype=np.int64)
    probs = lm.probs(contexts)
    predicted = np.zeros_like(y)
    predicted[rows, cols] = top_k(probs, 1, exclude=SPECIAL)[:, 0]
    return predicted, probs[np.arange(len(rows)), y[rows, cols]]


def baselines(split: Split, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Accuracy of the counting baselines on the test tunes, and the trigram's bits per note."""
    tokens = split.spec["tokens"]
    train_y = split.train["targets"]
    scores = {}
    for name, order in (("most_frequent", 1), ("bigram", 2), ("trigram", 3)):
        predicted, p_true = ngram_baseline(order, train_y, x, y, len(tokens))
        scores[f"{name}_accuracy"] = token_scores(predicted, y, tokens)[0]
        if name == "trigram":
            scores["trigram_bits_per_note"] = bits(p_true)
    scores["repeat_accuracy"] = token_scores(np.where(y != PAD_ID, x, PAD_ID), y, tokens)[0]
    return scores


def evaluate(ctx, split: Split, probs: np.ndarray) -> dict[str, float]:
    answers: NextTokens = split.test_targets
    check_causal(probs, answers)
    tunes = probs[answers.rows]
    x, y = split.test_inputs[answers.rows], answers.targets
    real = y != PAD_ID
    accuracy, pitch_accuracy = token_scores(tunes.argmax(axis=-1), y, split.spec["tokens"])
    p_true = np.take_along_axis(tunes, y[..., None], axis=-1)[..., 0][real]
    return {"accuracy": accuracy, "pitch_accuracy": pitch_accuracy, "bits_per_note": bits(p_true),
            **baselines(split, x, y)}


# -- generated tunes --------------------------------------------------------------------

TUNES = 5
SEED_TOKENS = 8  # the first notes of a test tune start each generated tune
BARS = 16
BEATS_PER_BAR = 4  # 4/4: the tokens carry no metre
TEMPERATURE = 0.8
WINDOW = 128  # the model reads at most this many tokens back
MAX_STEPS = 1024


def token_length(token: str) -> float:
    """A token's length in quarter notes (0 for the special tokens)."""
    from .music_score import quarter_length

    return float(quarter_length(token)) if "_" in token else 0.0


def generate(model, tokens: Sequence[str], seeds: Sequence[Sequence[int]], rng: np.random.Generator,
             quarters: float = BARS * BEATS_PER_BAR, temperature: float = TEMPERATURE,
             notes: int | None = None) -> list[list[int]]:
    """Continue each seed (token ids, without <s>) by sampling the model until it lasts ``quarters``
    (or, given ``notes``, until that many tokens follow the seed).

    Every step reads the last WINDOW tokens (after <s> while the tune is
    shorter), right-padded to one fixed shape, and samples from the model's
    distribution at the last real step, sharpened by ``temperature``
    (rnnsuite.sampling); special tokens are never drawn.
    """
    from rnnsuite.sampling import draw

    lengths = np.array([token_length(t) for t in tokens])
    tunes = [list(seed) for seed in seeds]

    def finished(i: int) -> bool:
        if notes is not None:
            return len(tunes[i]) >= len(seeds[i]) + notes
        return sum(lengths[t] for t in tunes[i]) >= quarters

    done = [finished(i) for i in range(len(tunes))]
    for _ in range(MAX_STEPS):
        if all(done):
            break
        windows = [[START_ID, *tune][-WINDOW:] for tune in tunes]
        probs = np.asarray(model.predict_on_batch(pad(windows, WINDOW)))
        last = probs[np.arange(len(windows)), [len(w) - 1 for w in windows]]
        for i, token in enumerate(draw(last, rng, temperature, exclude=SPECIAL)):
            if not done[i]:
                tunes[i].append(int(token))
                done[i] = finished(i)
    return tunes


def seeds_of(split: Split, count: int = TUNES) -> list[list[int]]:
    """The first SEED_TOKENS known tokens of the first ``count`` test tunes (cycled when there are fewer)."""
    test = [t[t != OOV_ID][:SEED_TOKENS] for t in tune_ids(split.test_targets.targets)]
    test = [t.tolist() for t in test if len(t)] or [[START_ID + 1]]
    return [test[i % len(test)] for i in range(count)]


def artifacts(ctx, split: Split, probs: np.ndarray, model, network: str, stem: str) -> dict[str, Any]:
    """Generated tunes (MIDI, MusicXML, a piano roll each, their notes as JSON), the model and its vocabulary."""
    from rnnsuite.plots import piano_roll

    from .music_score import notes_of, write_tune

    tokens = split.spec["tokens"]
    seeds = seeds_of(split)
    generated = generate(model, tokens, seeds, ctx.rng(23))
    folder = ctx.path("tunes")
    folder.mkdir(exist_ok=True)
    described, rolls, seed_ends = [], [], []
    for i, (seed, ids) in enumerate(zip(seeds, generated), 1):
        names = [tokens[t] for t in ids]
        notes = notes_of(names)
        title = f"{network} tune {i}"
        rolls.append((f"tune {i}", [(n.offset, n.quarter_length, n.midi) for n in notes if n.midi is not None]))
        seed_ends.append(sum(token_length(t) for t in names[:len(seed)]))
        files = write_tune(notes, folder / f"tune_{i}", title)
        files["piano_roll"] = piano_roll(folder / f"tune_{i}.png", rolls[-1:], title=title, seed_ends=seed_ends[-1:])
        described.append({"title": title, "seed_tokens": names[:len(seed)], "tokens": names,
                          "bars": files.pop("bars"), "meter": f"{BEATS_PER_BAR}/4", "temperature": TEMPERATURE,
                          "notes": [n.as_dict() for n in notes],
                          "files": {kind: path.name for kind, path in files.items()}})
    notes_json = ctx.path("tunes.json")
    notes_json.write_text(json.dumps(described, indent=1))
    overview = piano_roll(ctx.path("piano_roll.png"), rolls, seed_ends=seed_ends,
                          title=f"{network}: generated tunes (the seed notes from a test tune darker)")
    model_path = ctx.path(f"{stem}.keras")
    model.save(model_path)
    vocab_path = ctx.path("vocabulary.json")
    vocab_path.write_text(json.dumps({"tokens": list(tokens), "start": START, "pad": PAD, "unknown": OOV,
                                      "max_tokens": MAX_TOKENS}, ensure_ascii=False))
    return {"tunes": folder, "tune_notes": notes_json, "piano_roll": overview, "model": model_path,
            "vocabulary": vocab_path}


# -- rnnsuite try ------------------------------------------------------------------------

def _note_key(token: str) -> tuple[int | None, Any]:
    """What a note token means, whatever its spelling: (MIDI number or None for a rest, quarter length).

    "G4_1", "G4_1.0" and "F##4_1" are the same note; a bare pitch "G4" is a quarter note; a flat may be
    written "Bb4" as well as music21's "B-4".
    """
    from .music_score import midi_number, quarter_length

    name, _, length = token.partition("_")
    length = quarter_length(f"_{length or 1}")
    if length <= 0:
        raise ValueError(token)
    if name.lower() == "rest":
        return None, length
    if len(name) > 1 and name[1] == "b":
        name = name[0] + "-" + name[2:]
    return midi_number(name[:1].upper() + name[1:]), length


def seed_ids(tokens: Sequence[str], given: Sequence[str]) -> list[int]:
    """The vocabulary ids of the seed notes a person gave (one-line DataError for a note it does not know)."""
    known = {}
    for i, token in enumerate(tokens):
        try:
            known.setdefault(_note_key(token), i) if i not in SPECIAL else None
        except (ValueError, ZeroDivisionError):
            continue  # a token no person could type (a quarter tone): never a seed
    ids = []
    for token in given:
        try:
            key = _note_key(token.strip())
        except (ValueError, ZeroDivisionError):
            raise DataError(f"{token!r} is not a note: give notes such as G4_1 (G above middle C, a quarter), "
                            "B-4_0.5 (B flat, an eighth), rest_2 (a half rest), or G4 for a quarter") from None
        if key not in known:
            examples = " ".join(tokens[i] for i in sorted(known.values())[:12])
            raise DataError(f"{token!r} never occurs in the training tunes often enough to be learned; the model "
                            f"knows {len(known)} notes, e.g. {examples}")
        ids.append(known[key])
    return ids


def use(folder, inputs: Sequence[str], options, load, stem: str, network: str, name: str) -> str:
    """``Assignment.use`` of v2.2 and v2.3: a tune generated from the seed notes given (or from nothing).

    Without ``length``, the tune lasts BARS bars of 4/4; with it, that many
    notes follow the seed.  The MIDI file goes to ``out`` or to ``name`` in
    the current folder; the line returned says where.
    """
    from rnnsuite.tryfiles import output_path, saved

    from .music_score import notes_of, write_midi

    tokens = json.loads(saved(folder, "vocabulary.json").read_text())["tokens"]
    seed = seed_ids(tokens, inputs)
    length = options.get("length")
    if length is not None and length > MAX_STEPS:
        raise DataError(f"--length {length}: a tune of at most {MAX_STEPS} generated notes")
    temperature = float(options.get("temperature", TEMPERATURE))
    model = load(saved(folder, f"{stem}.keras"))  # as artifacts saved it
    ids = generate(model, tokens, [seed], np.random.default_rng(), temperature=temperature, notes=length)[0]
    names = [tokens[t] for t in ids]
    path = output_path(options, name)
    bars = write_midi(notes_of(names), path, f"{network} tune")
    shown = " ".join(names[:24]) + (" ..." if len(names) > 24 else "")
    return (f"{path}: {len(names)} notes, {bars} bars of 4/4, by the {network} ({len(seed)} seed notes, "
            f"temperature {temperature:g}): {shown}")
