"""A character-level language model with the course's FRNN, trained as in min-char-rnn.

The model reads a text one character at a time and, at every step, gives the
distribution of the next one::

    h_t = tanh(W x_t + U h_{t-1} + b_h),   y_t = V h_t + b_y,   p_t = softmax(y_t)
    L   = -(1/T) sum_t ln p_t(c_{t+1})                  (x_t: the id of character c_t)

Training (:func:`fit_lm`): the training text is cut into ``lanes`` parallel
streams, each a contiguous stretch of it, and read in chunks of ``steps``
characters -- one mini-batch is the next chunk of every lane.  The state is
carried from chunk to chunk (``h0`` = the previous chunk's last state), and
the gradient stops at the chunk boundary: truncated BPTT over a long text.

Scoring (:func:`score`): every character of a :class:`Stream` gets the
probability the model gave it, reading the text before it (lanes again, each
started ``warmup`` characters early).  Its mean -log2 is the bits per
character.  :func:`generate` writes new text with a temperature;
:func:`save` and :func:`load` keep the model with its vocabulary.

Any model following the scratch protocol with the state extension
(``forward``/``loss_and_grads`` taking ``h0``, ``last_state`` after them)
works here: the reference FRNN and a student's alike.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rnnsuite.ngrams import NGramLM
from rnnsuite.prep import Vocabulary, chronological_split
from rnnsuite.sampling import draw, softmax
from rnnsuite.scratch.optim import clip_global_norm

#: characters read before a scored lane starts, so that no character is scored from a blank state
WARMUP = 100
#: the share of the text that is the test block (the last 30%, as the course splits sequences)
TEST_SHARE = 0.3
#: the validation block: this share of the training block's end, at most MAX_VALIDATION characters
VALIDATION_SHARE = 0.05
MAX_VALIDATION = 100_000
#: characters of the training block's end given before a scored block (as context, never scored)
CONTEXT = 256
NGRAM_NAMES = {1: "unigram", 2: "bigram", 3: "trigram", 4: "fourgram", 5: "fivegram"}


@dataclass(frozen=True)
class Stream:
    """Characters to score (``ids``), read after ``context`` (the text just before them, not scored)."""

    ids: np.ndarray
    context: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class CharTraining:
    """The training block: ``ids`` to learn from and the ``validation`` block after them."""

    ids: np.ndarray
    validation: Stream

    def all_ids(self) -> np.ndarray:
        """The whole training block, validation included (what the n-gram baselines count)."""
        return np.concatenate([self.ids, self.validation.ids])


def split_text(text: str, test: float = TEST_SHARE) -> tuple[str, str]:
    """(train, test): the first 70% of the characters and the last 30%, in order."""
    train, _, _ = chronological_split(len(text), test=test)
    return text[:len(train)], text[len(train):]


def char_blocks(vocab: Vocabulary, train_text: str, test_text: str) -> tuple[CharTraining, Stream]:
    """The training block (its end as validation) and the test block, as ids of ``vocab``."""
    ids = np.asarray(vocab.encode(train_text), dtype=np.int64)
    n_val = min(MAX_VALIDATION, int(round(len(ids) * VALIDATION_SHARE)))
    fit = ids[:len(ids) - n_val]
    training = CharTraining(fit, Stream(ids[len(fit):], fit[-CONTEXT:]))
    return training, Stream(np.asarray(vocab.encode(test_text), dtype=np.int64), ids[-CONTEXT:])


def ngram_bits(train_ids: np.ndarray, stream: Stream, vocab_size: int, orders=(1, 2, 3)) -> dict[str, float]:
    """Bits per character of n-gram models fit on ``train_ids``, on the characters of ``stream``.

    Keys are ``unigram_bpc``, ``bigram_bpc``, ... (see :data:`NGRAM_NAMES`).
    """
    out = {}
    for order in orders:
        model = NGramLM(order, vocab_size).fit(train_ids)
        before = np.asarray(stream.context, dtype=np.int64)[-(order - 1):] if order > 1 else np.zeros(0, np.int64)
        p = model.probabilities(np.concatenate([before, stream.ids]), start=len(before))
        out[f"{NGRAM_NAMES[order]}_bpc"] = float(-np.log2(p).mean())
    return out


def lanes(ids: np.ndarray, count: int, offset: int = 0) -> np.ndarray:
    """``count`` contiguous stretches of ``ids[offset:]`` as rows of equal length (the remainder is dropped)."""
    ids = np.asarray(ids)[offset:]
    length = len(ids) // count
    return ids[:count * length].reshape(count, length)


def _state(model: Any, B: int) -> np.ndarray:
    k = np.shape(model.params["U"])[0]
    return np.zeros((B, k), dtype=np.asarray(model.params["U"]).dtype)


def fit_lm(model: Any, ids: np.ndarray, *, epochs: int, lanes_count: int, steps: int, optimizer,
           clip: float | None = None, validation: Stream | None = None, rng: Any = None,
           on_epoch: Callable[[int, int, dict], None] | None = None,
           on_batch: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Train ``model`` (output at every step, cross-entropy) on the stream ``ids`` in place.

    Each epoch starts at a random offset below ``steps`` (so chunk boundaries
    move), from a zero state; a short text gets fewer lanes.  ``validation``
    is scored after every epoch (mean -ln p, comparable with the training
    loss) and the parameters of the best epoch are kept.  Returns
    ``{"loss", "val_loss", "val_bpc", "best_epoch", "epochs"}``.
    """
    rng = np.random.default_rng(rng)
    ids = np.asarray(ids, dtype=np.int64)
    usable = (len(ids) - steps) // (steps + 1)  # lanes that still hold a whole chunk after any offset
    if usable < 1:
        raise ValueError(f"{len(ids)} characters are too few for one chunk of {steps} steps")
    lanes_count = min(lanes_count, usable)
    history: dict[str, Any] = {"loss": [], "val_loss": [], "val_bpc": [], "best_epoch": None, "epochs": 0}
    best, best_params = np.inf, None
    for epoch in range(1, epochs + 1):
        rows = lanes(ids, lanes_count, offset=int(rng.integers(0, steps)))
        chunks = (rows.shape[1] - 1) // steps
        h = _state(model, lanes_count)
        total = 0.0
        for c in range(chunks):
            X = rows[:, c * steps:(c + 1) * steps]
            targets = rows[:, c * steps + 1:(c + 1) * steps + 1]
            loss, grads = model.loss_and_grads(X, targets, h0=h)
            h = model.last_state  # carried to the next chunk; its gradient stops here
            if clip is not None:
                clip_global_norm(grads, clip)
            optimizer.step(model.params, grads)
            total += float(loss)
            if on_batch is not None:
                on_batch(c + 1, chunks)
        logs = {"loss": total / chunks}
        history["loss"].append(logs["loss"])
        history["epochs"] = epoch
        if validation is not None:
            bits = -np.log2(score(model, validation)).mean()
            logs["val_loss"], logs["val_bpc"] = float(bits * np.log(2)), float(bits)
            history["val_loss"].append(logs["val_loss"])
            history["val_bpc"].append(logs["val_bpc"])
            if logs["val_loss"] < best:
                best, history["best_epoch"] = logs["val_loss"], epoch
                best_params = {name: np.array(p, copy=True) for name, p in model.params.items()}
        if on_epoch is not None:
            on_epoch(epoch, epochs, logs)
    if best_params is not None:
        for name, p in best_params.items():
            model.params[name][...] = p
    return history


@dataclass(frozen=True)
class Recipe:
    """How an assignment trains its character FRNN: lanes side by side, chunk length, Adam's rate, clipping."""

    lanes: int = 32
    steps: int = 50
    learning_rate: float = 2e-3
    clip: float = 5.0


def train(ctx: Any, model: Any, training: CharTraining, recipe: Recipe, salt: int) -> Any:
    """:func:`fit_lm` inside an assignment's run: its epochs, progress events and seed (``ctx.rng(salt)``);
    the loss curves and the training settings go into the run's history and info."""
    from rnnsuite.scratch.optim import Adam

    history = fit_lm(model, training.ids, epochs=ctx.epochs, lanes_count=recipe.lanes, steps=recipe.steps,
                     optimizer=Adam(recipe.learning_rate), clip=recipe.clip, validation=training.validation,
                     rng=ctx.rng(salt), on_epoch=ctx.epoch_ended, on_batch=ctx.batch_ended)
    ctx.record_history({"loss": history["loss"], "val_loss": history["val_loss"]})
    ctx.info["frnn"] = {"hidden": int(np.shape(model.params["U"])[0]), "lanes": recipe.lanes, "steps": recipe.steps,
                        "optimizer": f"Adam(lr={recipe.learning_rate})", "clip": recipe.clip,
                        "training": f"truncated BPTT over {recipe.steps}-character chunks, the state carried "
                                    f"between chunks"}
    ctx.info["best_epoch"] = history["best_epoch"]
    ctx.info["val_bpc"] = history["val_bpc"]
    return model


def score(model: Any, stream: Stream, lanes_count: int = 64, steps: int = 256, warmup: int = WARMUP) -> np.ndarray:
    """The probability the model gives each character of ``stream.ids``, reading the text before it.

    The scored characters are cut into ``lanes_count`` stretches read side by
    side; each starts from a zero state ``warmup`` characters early (fewer if
    the context is shorter), so every character is scored after at least that
    much text.  Deterministic: the same model gives the same numbers.
    """
    context = np.asarray(stream.context, dtype=np.int64)
    ids = np.asarray(stream.ids, dtype=np.int64)
    if len(context) < 1:
        raise ValueError("a stream needs at least one character of context before the first scored one")
    N = len(ids)
    if N == 0:
        return np.zeros(0)
    warm = min(warmup, len(context) - 1)
    B = max(1, min(lanes_count, N))
    L = -(-N // B)  # scored characters per lane (the last lane is padded)
    text = np.concatenate([context, ids, np.zeros(B * L - N, dtype=np.int64)])
    first = len(context) + np.arange(B) * L  # where each lane's scored stretch starts in ``text``
    span = np.arange(-(warm + 1), L)[None, :] + first[:, None]  # inputs, then the last one is a target only
    inputs, targets = text[span[:, :-1]], text[span[:, 1:]]
    probs = np.empty((B, inputs.shape[1]))
    h = _state(model, B)
    for start in range(0, inputs.shape[1], steps):
        X = inputs[:, start:start + steps]
        p = softmax(model.forward(X, h0=h))
        h = model.last_state
        probs[:, start:start + steps] = np.take_along_axis(p, targets[:, start:start + steps, None], axis=2)[..., 0]
    return probs[:, warm:].reshape(-1)[:N]


def score_windows(probs: Callable[[np.ndarray], np.ndarray], stream: Stream, warmup: int = WARMUP,
                  length: int = 200, batch: int = 256) -> np.ndarray:
    """:func:`score` for a model without a carried state: ``probs(X)`` (B, T) -> (B, T, V).

    The scored characters are cut into windows of ``length``; each is read
    after the ``warmup`` characters before it (fewer if the context is
    shorter), from the model's own initial state; ``batch`` windows at a time.
    """
    context = np.asarray(stream.context, dtype=np.int64)
    ids = np.asarray(stream.ids, dtype=np.int64)
    if len(context) < 1:
        raise ValueError("a stream needs at least one character of context before the first scored one")
    N = len(ids)
    warm = min(warmup, len(context) - 1)
    windows = -(-N // length)
    text = np.concatenate([context, ids, np.zeros(windows * length - N, dtype=np.int64)])
    first = len(context) + np.arange(windows) * length
    span = np.arange(-(warm + 1), length)[None, :] + first[:, None]
    inputs, targets = text[span[:, :-1]], text[span[:, 1:]]
    out = np.empty((windows, length))
    for i in range(0, windows, batch):
        p = np.asarray(probs(inputs[i:i + batch]), dtype=np.float64)
        out[i:i + batch] = np.take_along_axis(p, targets[i:i + batch, :, None], axis=2)[:, warm:, 0]
    return out.reshape(-1)[:N]


Step = Callable[[np.ndarray], np.ndarray]  # the ids just drawn (B,) -> the next distributions (B, V)


def frnn_step(model: Any, count: int) -> Step:
    """A stepper over an FRNN: feeds each drawn id with the state carried (one step per call)."""
    h = _state(model, count)

    def step(ids: np.ndarray) -> np.ndarray:
        nonlocal h
        p = softmax(model.forward(np.asarray(ids, dtype=np.int64)[:, None], h0=h)[:, -1])
        h = model.last_state
        return p

    return step


def window_step(probs: Callable[[np.ndarray], np.ndarray], count: int, context: int = CONTEXT) -> Step:
    """A stepper over a model without a carried state: ``probs(X)`` (B, T) -> (B, T, V) is re-run on the
    last ``context`` ids read so far."""
    read = np.zeros((count, 0), dtype=np.int64)

    def step(ids: np.ndarray) -> np.ndarray:
        nonlocal read
        read = np.concatenate([read, np.asarray(ids, dtype=np.int64)[:, None]], axis=1)[:, -context:]
        return np.asarray(probs(read), dtype=np.float64)[:, -1]

    return step


def sample(step: Step, start: int, count: int, length: int, temperature: float, rng: np.random.Generator,
           stop: int | None = None, exclude: tuple[int, ...] = (), top_k: int | None = None) -> list[list[int]]:
    """``count`` new texts (token ids), each begun by the id ``start`` and ended at ``stop`` or ``length`` ids.

    ``exclude`` ids (padding, unknown) are never drawn; ``top_k`` keeps the k most probable.
    """
    x = np.full(count, start, dtype=np.int64)
    out: list[list[int]] = [[] for _ in range(count)]
    done = np.zeros(count, dtype=bool)
    for _ in range(length):
        x = draw(step(x), rng, temperature, top_k=top_k, exclude=exclude)
        for i in np.flatnonzero(~done):
            if stop is not None and x[i] == stop:
                done[i] = True
            else:
                out[i].append(int(x[i]))
        if done.all():
            break
    return out


def generate(model: Any, vocab: Vocabulary, count: int, length: int, temperature: float,
             rng: np.random.Generator, separator: str = "\n", top_k: int | None = None,
             step: Step | None = None) -> list[str]:
    """``count`` texts written by the model, each begun after ``separator`` and ended at the next one.

    The model is an FRNN with the state extension, or give ``step`` (e.g. a :func:`window_step`).
    """
    start = vocab.index.get(separator, vocab.oov_id)
    stop = vocab.index.get(separator)
    step = step or frnn_step(model, count)
    ids = sample(step, start, count, length, temperature, rng, stop=stop, exclude=(vocab.pad_id, vocab.oov_id),
                 top_k=top_k)
    return [vocab.decode(row) for row in ids]


def vocabulary_path(model_path: Path) -> Path:
    """Where a saved model's vocabulary lies: beside it, ``<stem>.vocab.json``."""
    return Path(model_path).with_suffix(".vocab.json")


def save_vocabulary(vocab: Vocabulary, path: Path) -> Path:
    path.write_text(json.dumps({"level": vocab.level, "tokens": vocab.tokens}, ensure_ascii=False), encoding="utf-8")
    return path


def load_vocabulary(path: Path) -> Vocabulary:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Vocabulary(list(data["tokens"]), level=data["level"])


def save(model: Any, vocab: Vocabulary, path: Path) -> tuple[Path, Path]:
    """The FRNN's parameters (``path``, an .npz) and, beside it, its vocabulary (``<stem>.vocab.json``)."""
    path = Path(path)
    model.save(path)
    return path, save_vocabulary(vocab, vocabulary_path(path))


def load(path: Path) -> tuple[Any, Vocabulary]:
    """A saved character model and its vocabulary, ready for :func:`generate` and :func:`score`."""
    from rnnsuite.scratch.frnn import FRNN

    return FRNN.load(path), load_vocabulary(vocabulary_path(path))


# -- rnnsuite try: writing after a person's prompt ----------------------------------------------
TRY_TEMPERATURE = 0.7  # between the samples' safe 0.5 and the model's own 1.0


def continue_text(step: Step, vocab: Vocabulary, prompt: str, length: int, temperature: float,
                  rng: np.random.Generator, separator: str = "\n", top_k: int | None = None) -> str:
    """``length`` characters the model writes after ``prompt``.

    The model reads ``separator`` (a new text starts) and the prompt first, its state carried through
    them, then draws one character at a time; a separator it writes starts the next text and goes on.
    """
    ids = [vocab.index.get(separator, vocab.oov_id), *vocab.encode(prompt)]
    for i in ids[:-1]:
        step(np.array([i], dtype=np.int64))
    written = sample(step, ids[-1], 1, length, temperature, rng, exclude=(vocab.pad_id, vocab.oov_id), top_k=top_k)
    return vocab.decode(written[0])


def try_writing(inputs, options, vocabulary: Path, load_step: Callable[[], Step], *, example: str, length: int,
                top_k: int | None = None) -> str:
    """``Assignment.use`` of a character model: the person's prompt (the arguments, or nothing) and what the
    model writes after it: ``options["length"]`` characters (default ``length``) at ``options["temperature"]``
    (default :data:`TRY_TEMPERATURE`).  ``load_step()`` loads the model as a one-text stepper; characters the
    model never saw are named on a line before the text."""
    from rnnsuite import tryout

    prompt = tryout.prompt(inputs, example)
    vocab = load_vocabulary(vocabulary)
    written = continue_text(load_step(), vocab, prompt, tryout.length(options, length),
                            tryout.temperature(options, TRY_TEMPERATURE), tryout.generator(options), top_k=top_k)
    note = tryout.unknown(list(prompt), vocab.index)
    return f"({note})\n{prompt}{written}" if note else prompt + written


def try_frnn(folder: Path, name: str, inputs, options, *, example: str, length: int) -> str:
    """:func:`try_writing` with the FRNN character model saved as ``folder/name`` (:func:`save`)."""
    from rnnsuite.tryfiles import saved

    path = saved(folder, name)
    vocabulary = saved(folder, vocabulary_path(path).name)
    return try_writing(inputs, options, vocabulary, lambda: frnn_step(load(path)[0], 1), example=example,
                       length=length)


def write_samples(path: Path, title: str, samples: dict[float, list[str]], note: str) -> Path:
    """A Markdown page of generated texts, one numbered list per temperature."""
    lines = [f"# {title}", "", note, ""]
    for temperature, texts in samples.items():
        lines += [f"## temperature {temperature:g}", ""]
        lines += [f"{i}. {text.strip() or '(empty)'}" for i, text in enumerate(texts, 1)]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
