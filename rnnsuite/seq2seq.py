"""Sequence to sequence with attention: one encoder-decoder for v1.3 (titles), v3.2 (EN->RU) and v6.2 (RU->EN).

The model, in the course's notation (e_i: encoder outputs, s_t: decoder state)::

    encoder:   e_1..e_S, s_0 = RNN(embed(x_1..x_S))          (optionally Bidirectional: s_0 = [h_fwd; h_bwd])
    decoder:   s_t = GRU(embed(y_{t-1}), s_{t-1})             (teacher forcing in training: y_{t-1} is the truth)
               a_t = softmax_i(s_t . e_i),  c_t = sum_i a_ti e_i    (dot-product attention over the source)
               p(y_t) = softmax(V tanh(A [s_t; c_t]))

The factory returns the Keras *training* model, ``[source ids, target ids
shifted right] -> next-token logits``, composed of two named sub-models that
decoding reuses one step at a time (``decoder`` on a single token):

    encoder: source ids (B, S) -> [memory (B, S, d), *states]
    decoder: [target ids (B, T), memory, source ids (B, S), *states]
             -> [logits (B, T, V), attention (B, T, S), *states]

With ``copy`` in the spec (source and target share one vocabulary), the
decoder also copies (a pointer-generator, See et al. 2017): with
g_t = sigmoid(w . [s_t; c_t; embed(y_{t-1})]),
p(y_t = w) = g_t softmax(...)_w + (1 - g_t) sum_{i: x_i = w} a_ti,
and its "logits" are log p (the softmax of log p is p again).

``Seq2Seq`` (what ``Assignment.adapt`` returns) wraps a trained model with
its ``Codec``s (text <-> ids: words or sentencepiece subwords) and decodes
greedily or by beam search.  ``save``/``load`` keep the model with its
codecs so that it translates or titles new text later.

Keras, TensorFlow, sentencepiece and scikit-learn are imported inside the
routines only.
"""
from __future__ import annotations

import base64
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from rnnsuite.prep import OOV, PAD, pad, tokenize

START, END = "<s>", "</s>"
MARKS = (PAD, OOV, START, END)  # ids 0..3 in every codec
PAD_ID, OOV_ID, START_ID, END_ID = range(4)


# -- text <-> ids -------------------------------------------------------------------

@dataclass
class Codec:
    """Text <-> token ids with PAD, OOV, START, END as ids 0-3.

    ``unit`` is ``"word"`` (the project's lowercase tokenizer, the ``tokens``
    vocabulary) or ``"subword"`` (a sentencepiece model, kept as base64 in
    ``model`` so that the whole codec is a JSON value: ``to_json``).
    """

    unit: str
    tokens: list[str]
    model: str = ""  # base64 of the sentencepiece model proto (subwords)

    def __post_init__(self) -> None:
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self._sp = None

    # building
    @classmethod
    def words(cls, texts: Sequence[str], size: int, min_count: int = 1) -> "Codec":
        """The ``size`` most frequent words of ``texts`` (marks included); ties by first seen."""
        from collections import Counter

        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(tokenize(text))
        ranked = [w for w, c in counts.most_common() if c >= min_count and w not in MARKS]
        return cls("word", [*MARKS, *ranked[: max(0, size - len(MARKS))]])

    @classmethod
    def subwords(cls, texts: Sequence[str], size: int, symbols: Sequence[str] = ()) -> "Codec":
        """A sentencepiece unigram model of about ``size`` pieces learned from ``texts`` (deterministic).

        ``symbols`` are kept whole (e.g. placeholder masks)."""
        import sentencepiece as spm

        proto = io.BytesIO()
        with open(os.devnull, "w") as quiet:
            spm.SentencePieceTrainer.train(
                sentence_iterator=iter(list(texts)), model_writer=proto, vocab_size=size, model_type="unigram",
                pad_id=PAD_ID, unk_id=OOV_ID, bos_id=START_ID, eos_id=END_ID,
                pad_piece=PAD, unk_piece=OOV, bos_piece=START, eos_piece=END,
                character_coverage=1.0, hard_vocab_limit=False, num_threads=1,
                user_defined_symbols=list(symbols), logstream=quiet)
        model = base64.b64encode(proto.getvalue()).decode("ascii")
        sp = _processor(model)
        return cls("subword", [sp.id_to_piece(i) for i in range(sp.get_piece_size())], model)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "Codec":
        return cls(str(value["unit"]), list(value["tokens"]), str(value.get("model", "")))

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "tokens": list(self.tokens), "model": self.model}

    def __len__(self) -> int:
        return len(self.tokens)

    # using
    def pieces(self, text: str) -> list[str]:
        if self.unit == "word":
            return tokenize(text)
        return self._processor().encode(text, out_type=str)

    def encode(self, text: str) -> list[int]:
        if self.unit == "word":
            return [self.index.get(t, OOV_ID) for t in tokenize(text)]
        return list(self._processor().encode(text))

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids`` up to the first END; marks and unknowns dropped."""
        kept = []
        for i in (int(i) for i in ids):
            if i == END_ID:
                break
            if i > END_ID and i < len(self.tokens):
                kept.append(i)
        if self.unit == "subword":
            return self._processor().decode(kept)
        return detokenize([self.tokens[i] for i in kept])

    def _processor(self):
        if self._sp is None:
            self._sp = _processor(self.model)
        return self._sp


def _processor(model: str):
    import sentencepiece as spm

    return spm.SentencePieceProcessor(model_proto=base64.b64decode(model))


def detokenize(words: Sequence[str]) -> str:
    """Words joined by spaces, without the space before closing punctuation or after opening."""
    text = " ".join(words)
    for mark in (",", ".", ":", ";", ")", "]", "?", "!", "%"):
        text = text.replace(f" {mark}", mark)
    for mark in ("(", "["):
        text = text.replace(f"{mark} ", mark)
    return text.replace(" - ", "-")


def encode_sources(codec: Codec, texts: Sequence[str], length: int) -> np.ndarray:
    """(N, length) ids, cut at the end, padded with 0."""
    return pad([codec.encode(t) for t in texts], length)


def encode_targets(codec: Codec, texts: Sequence[str], length: int) -> np.ndarray:
    """(N, length + 1): START, the text's ids cut to ``length - 1``, END, padding."""
    return pad([[START_ID, *codec.encode(t)[: length - 1], END_ID] for t in texts], length + 1)


def teacher_forcing(source: Codec, target: Codec, sources: Sequence[str], targets: Sequence[str],
                    source_length: int, target_length: int) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """((source ids, target ids shifted right), the next target ids): what the training model learns."""
    y = encode_targets(target, targets, target_length)
    return (encode_sources(source, sources, source_length), y[:, :-1]), y[:, 1:]


# -- the reference model --------------------------------------------------------------

def build_model(spec: Mapping[str, Any]) -> Any:
    """The reference encoder-decoder of the module doc, uncompiled.

    Reads from ``spec``: ``source_codec`` and ``target_codec`` (their token
    lists give the vocabulary sizes), ``units``, ``embedding``,
    ``bidirectional``, ``dropout`` and ``copy``.
    """
    from rnnsuite.kerasutil import keras

    k = keras()
    L = k.layers
    n_source, n_target = len(spec["source_codec"]["tokens"]), len(spec["target_codec"]["tokens"])
    units, dim = int(spec.get("units", 128)), int(spec.get("embedding", 64))
    bidirectional, rate = bool(spec.get("bidirectional", True)), float(spec.get("dropout", 0.2))
    copy = bool(spec.get("copy", False))
    if copy and spec["source_codec"]["tokens"] != spec["target_codec"]["tokens"]:
        raise ValueError("copying needs one vocabulary for source and target")
    size = 2 * units if bidirectional else units  # memory and decoder state width

    src = L.Input((None,), dtype="int32", name="source_ids")
    e = L.Dropout(rate)(L.Embedding(n_source, dim, name="source_embedding")(src))
    mask = k.ops.not_equal(src, PAD_ID)
    rnn = L.GRU(units, return_sequences=True, return_state=True, name="encoder_gru")
    if bidirectional:
        memory, h_fwd, h_bwd = L.Bidirectional(rnn, name="bidirectional")(e, mask=mask)
        state = L.Concatenate(name="encoder_state")([h_fwd, h_bwd])
    else:
        memory, state = rnn(e, mask=mask)
    encoder = k.Model(src, [memory, state], name="encoder")

    y_in = L.Input((None,), dtype="int32", name="target_ids")
    memory_in = L.Input((None, size), name="memory")
    src_in = L.Input((None,), dtype="int32", name="source_ids")
    state_in = L.Input((size,), name="state")
    embedded = L.Embedding(n_target, dim, name="target_embedding")(y_in)
    s, state_out = L.GRU(size, return_sequences=True, return_state=True, name="decoder_gru")(
        L.Dropout(rate)(embedded), initial_state=state_in)
    context, attention = L.Attention(name="attention")([s, memory_in], mask=[None, k.ops.not_equal(src_in, PAD_ID)],
                                                       return_attention_scores=True)
    mixed = L.Dropout(rate)(L.Dense(size, activation="tanh", name="mix")(L.Concatenate()([s, context])))
    logits = L.Dense(n_target, name="logits")(mixed)
    if copy:
        generate = L.Dense(1, activation="sigmoid", name="generate")(L.Concatenate()([s, context, embedded]))
        copied = copy_distribution_layer()(n_target, name="copy")(attention, src_in)  # (B, T, V)
        p = generate * k.ops.softmax(logits, axis=-1) + (1.0 - generate) * copied
        logits = k.ops.log(p + 1e-9)
    decoder = k.Model([y_in, memory_in, src_in, state_in], [logits, attention, state_out], name="decoder")

    source_ids = L.Input((None,), dtype="int32", name="source")
    shifted = L.Input((None,), dtype="int32", name="target_shifted_right")
    memory, state = encoder(source_ids)
    out, _, _ = decoder([shifted, memory, source_ids, state])
    return k.Model([source_ids, shifted], out, name="seq2seq")


_LAYERS: dict[str, Any] = {}


def copy_distribution_layer() -> Any:
    """The ``CopyDistribution`` layer class (defined on first use, so that importing this module needs no Keras).

    ``CopyDistribution(V)(attention (B, T, S), source ids (B, S))`` is the copy
    distribution over the vocabulary, p_copy(w)_t = sum over positions i with x_i = w of a_ti, as (B, T, V):
    a scatter-add of the attention weights, never a (B, S, V) one-hot tensor."""
    if "copy" not in _LAYERS:
        from rnnsuite.kerasutil import keras

        k = keras()

        @k.saving.register_keras_serializable(package="rnnsuite")
        class CopyDistribution(k.layers.Layer):
            def __init__(self, vocabulary: int, **kwargs):
                super().__init__(**kwargs)
                self.vocabulary = int(vocabulary)

            def call(self, attention, source_ids):
                ops = k.ops
                B, T, S = ops.shape(attention)
                shape = (B, T, S)
                rows = ops.broadcast_to(ops.reshape(ops.arange(B, dtype="int32"), (-1, 1, 1)), shape)
                steps = ops.broadcast_to(ops.reshape(ops.arange(T, dtype="int32"), (1, -1, 1)), shape)
                words = ops.broadcast_to(ops.expand_dims(ops.cast(source_ids, "int32"), 1), shape)
                where = ops.reshape(ops.stack([rows, steps, words], axis=-1), (-1, 3))
                return ops.scatter(where, ops.reshape(attention, (-1,)), (B, T, self.vocabulary))

            def compute_output_shape(self, attention_shape, source_ids_shape):
                return (*attention_shape[:2], self.vocabulary)

            def get_config(self):
                return {**super().get_config(), "vocabulary": self.vocabulary}

        _LAYERS["copy"] = CopyDistribution
    return _LAYERS["copy"]


# -- the model with its codecs: decoding, saving ------------------------------------

class Seq2Seq:
    """A training model of the module doc's form, with its codecs and lengths; greedy and beam decoding."""

    def __init__(self, model: Any, source: Codec, target: Codec, source_length: int, target_length: int):
        self.model, self.source, self.target = model, source, target
        self.source_length, self.target_length = int(source_length), int(target_length)
        self.encoder, self.decoder = _part(model, "encoder"), _part(model, "decoder")

    @classmethod
    def adapt(cls, spec: Mapping[str, Any], model: Any) -> "Seq2Seq":
        """``Assignment.adapt``: the factory's model with the spec's codecs."""
        return cls(model, Codec.from_json(spec["source_codec"]), Codec.from_json(spec["target_codec"]),
                   spec["source_length"], spec["target_length"])

    def teacher_forcing(self, sources: Sequence[str], targets: Sequence[str]):
        return teacher_forcing(self.source, self.target, sources, targets, self.source_length, self.target_length)

    # decoding
    def _encode(self, ids: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        memory, *states = self.encoder.predict_on_batch(ids)
        return np.asarray(memory), [np.asarray(s) for s in states]

    def _step(self, tokens: np.ndarray, memory, source, states) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """One decoder step: (log-probabilities (B, V), attention (B, S), states); no output is empty."""
        logits, attention, *states = self.decoder.predict_on_batch([tokens[:, None], memory, source, *states])
        logits = np.asarray(logits, dtype=np.float64)[:, 0]
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        logp[:, [PAD_ID, OOV_ID, START_ID]] = -np.inf  # never generated
        logp[tokens == START_ID, END_ID] = -np.inf  # at least one token
        return logp, np.asarray(attention)[:, 0], [np.asarray(s) for s in states]

    def greedy_ids(self, texts: Sequence[str], batch: int = 256) -> tuple[list[list[int]], list[np.ndarray]]:
        """Token ids (END excluded) and attention (steps x source length) of the likeliest token at each step."""
        ids_out, attention_out = [], []
        for i in range(0, len(texts), batch):
            x = encode_sources(self.source, texts[i:i + batch], self.source_length)
            memory, states = self._encode(x)
            token = np.full(len(x), START_ID, dtype=np.int32)
            steps, weights = [], []
            done = np.zeros(len(x), dtype=bool)
            for _ in range(self.target_length):
                logp, att, states = self._step(token, memory, x, states)
                token = logp.argmax(axis=1).astype(np.int32)
                steps.append(token)
                weights.append(att)
                done |= token == END_ID
                if done.all():
                    break
            steps_, weights_ = np.stack(steps, 1), np.stack(weights, 1)
            for row, att in zip(steps_, weights_):
                n = int(np.argmax(row == END_ID)) if (row == END_ID).any() else len(row)
                ids_out.append([int(t) for t in row[:n]])
                attention_out.append(att[:n])
        return ids_out, attention_out

    def greedy(self, texts: Sequence[str]) -> list[str]:
        return [self.target.decode(ids) for ids in self.greedy_ids(texts)[0]]

    def beam(self, texts: Sequence[str], width: int = 4, alpha: float = 0.6, batch: int = 128) -> list[str]:
        """Beam search: keep the ``width`` best prefixes; rank finished ones by log p / length^alpha."""
        out: list[str] = []
        for i in range(0, len(texts), batch):
            x = encode_sources(self.source, texts[i:i + batch], self.source_length)
            out.extend(self.target.decode(ids) for ids in self._beam_batch(x, width, alpha))
        return out

    def _beam_batch(self, x: np.ndarray, width: int, alpha: float) -> list[list[int]]:
        n, L = len(x), self.target_length
        memory, states = self._encode(x)
        memory, source = np.repeat(memory, width, 0), np.repeat(x, width, 0)
        states = [np.repeat(s, width, 0) for s in states]
        tokens = np.full(n * width, START_ID, dtype=np.int32)
        scores = np.tile([0.0] + [-np.inf] * (width - 1), n)  # one live prefix per sentence at first
        prefixes = np.zeros((n * width, L), dtype=np.int32)
        best_score, best_ids, best_len = np.full(n, -np.inf), np.zeros((n, L), dtype=np.int32), np.zeros(n, int)
        rows = np.arange(n)[:, None]
        for t in range(1, L + 1):
            logp, _, states = self._step(tokens, memory, source, states)
            V = logp.shape[1]
            total = (scores[:, None] + logp).reshape(n, width * V)
            top = np.argsort(-total, axis=1, kind="stable")[:, : 2 * width]  # (n, 2w) candidates, best first
            cand, parent, token = total[rows, top], rows * width + top // V, (top % V).astype(np.int32)
            # a candidate ending here is a finished title, ranked by log p / length^alpha
            normed = np.where(token == END_ID, cand / max(1, t - 1) ** alpha, -np.inf)
            j = normed.argmax(axis=1)
            better = normed[np.arange(n), j] > best_score
            best_score[better] = normed[better, j[better]]
            best_ids[better] = prefixes[parent[better, j[better]]]
            best_len[better] = t - 1
            # the best `width` candidates that go on are the new beams
            cand = np.where(token == END_ID, -np.inf, cand)
            keep = np.argsort(-cand, axis=1, kind="stable")[:, :width]
            scores = cand[rows, keep].reshape(-1)
            parents, tokens = parent[rows, keep].reshape(-1), token[rows, keep].reshape(-1)
            prefixes = prefixes[parents]
            prefixes[:, t - 1] = tokens
            states = [s[parents] for s in states]
            # a sentence is done once no live prefix can beat its best finished title: log p only falls
            # as a prefix grows, so its normalised score is at most score / L^alpha
            live = scores.reshape(n, width).max(axis=1)
            done = np.isfinite(best_score) & (live / L ** alpha <= best_score)
            scores.reshape(n, width)[done] = -np.inf
            if not np.isfinite(scores).any():
                break
        out = []
        for b in range(n):  # nothing finished within the length: the best live prefix, whole
            if np.isfinite(best_score[b]):
                out.append(best_ids[b, : best_len[b]].tolist())
            else:
                out.append(prefixes[b * width + int(np.argmax(scores[b * width:(b + 1) * width]))].tolist())
        return out

    # saving
    def save(self, folder: Path) -> Path:
        """``folder``/model.keras and codecs.json: everything ``load`` needs."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(folder / "model.keras")
        (folder / "codecs.json").write_text(json.dumps({
            "source_codec": self.source.to_json(), "target_codec": self.target.to_json(),
            "source_length": self.source_length, "target_length": self.target_length}), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path) -> "Seq2Seq":
        """A saved model, ready to decode new text: ``Seq2Seq.load(path).beam(["..."])``; a missing file is a
        one-line ``DataError``."""
        from rnnsuite.kerasutil import keras
        from rnnsuite.tryfiles import saved

        spec = json.loads(saved(folder, "codecs.json").read_text(encoding="utf-8"))
        model = saved(folder, "model.keras")
        copy_distribution_layer()  # registered before loading a model that copies
        return cls.adapt(spec, keras().models.load_model(model, compile=False))


def _part(model: Any, name: str) -> Any:
    try:
        return model.get_layer(name)
    except ValueError:
        from rnnsuite.errors import UserError

        raise UserError(f"the seq2seq model has no sub-model named {name!r}: the factory must compose an "
                        "'encoder' and a 'decoder' model (see the factory's docstring)") from None


# -- training -----------------------------------------------------------------------

def smoothed_cross_entropy(smoothing: float):
    """Cross-entropy of next-token logits against ids, padding (id 0) ignored, with label smoothing:
    the target distribution puts ``1 - smoothing`` on the true token and spreads ``smoothing`` evenly."""
    from rnnsuite.kerasutil import keras

    ops = keras().ops

    def loss(ids, logits):
        ids = ops.cast(ids, "int32")
        logp = ops.log_softmax(logits, axis=-1)
        nll = -ops.take_along_axis(logp, ops.expand_dims(ids, -1), axis=-1)[..., 0]
        spread = -ops.mean(logp, axis=-1)
        mask = ops.cast(ops.not_equal(ids, PAD_ID), logp.dtype)
        per_token = (1.0 - smoothing) * nll + smoothing * spread
        return ops.sum(per_token * mask) / ops.maximum(ops.sum(mask), 1.0)

    return loss


def train(ctx, s2s: Seq2Seq, sources: Sequence[str], targets: Sequence[str], *, learning_rate: float = 3e-3,
          batch_size: int = 64, patience: int = 2, validation: float = 0.1, smoothing: float = 0.0) -> Seq2Seq:
    """Teacher forcing with Adam and masked cross-entropy, label-smoothed by ``smoothing`` (the same for every
    student); early stopping on the last ``validation`` share of the (already shuffled) training pairs, best
    weights restored."""
    from rnnsuite.kerasutil import keras, progress_callback

    k = keras()
    s2s.model.compile(optimizer=k.optimizers.Adam(learning_rate, clipnorm=1.0), loss=smoothed_cross_entropy(smoothing),
                      steps_per_execution=8)  # fewer trips between Python and the graph: ~10% faster on CPU
    inputs, next_ids = s2s.teacher_forcing(sources, targets)
    n_val = max(1, int(round(validation * len(next_ids)))) if len(next_ids) > 1 else 0
    cut = len(next_ids) - n_val
    stop = k.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)
    history = s2s.model.fit((inputs[0][:cut], inputs[1][:cut]), next_ids[:cut],
                            validation_data=((inputs[0][cut:], inputs[1][cut:]), next_ids[cut:]) if n_val else None,
                            batch_size=batch_size, epochs=ctx.epochs, shuffle=True, verbose=0,
                            callbacks=[progress_callback(ctx), stop] if n_val else [progress_callback(ctx)])
    ctx.record_history(history.history)
    ctx.info["epochs_trained"] = len(history.history.get("loss", []))
    return s2s


# -- the nearest-neighbour baseline -----------------------------------------------------

def nearest_targets(train_sources: Sequence[str], train_targets: Sequence[str], queries: Sequence[str],
                    analyzer: str = "word", chunk: int = 2048) -> list[str]:
    """The target of the most similar training source (TF-IDF cosine) for each query.

    ``analyzer="word"`` compares words (titles of the nearest abstract);
    ``"char_wb"`` compares character 2-4-grams within words (a translation
    memory: inflected and compound forms still match)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    ngrams = (2, 4) if analyzer == "char_wb" else (1, 1)
    vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, min_df=1, dtype=np.float32)
    D = vectorizer.fit_transform(list(train_sources))
    out: list[str] = []
    for i in range(0, len(queries), chunk):
        Q = vectorizer.transform(list(queries[i:i + chunk]))
        best = np.asarray((Q @ D.T).argmax(axis=1)).ravel()
        out.extend(train_targets[j] for j in best)
    return out



# -- pictures -------------------------------------------------------------------------------

def attention_plot(path: Path, examples: Sequence[tuple[Sequence[str], Sequence[str], np.ndarray]], *,
                   title: str, max_source: int = 40) -> Path:
    """Heat maps of attention weights: one panel per (source tokens, output tokens, weights (out x source))."""
    from rnnsuite.plots import _pyplot

    plt = _pyplot()
    fig, axes = plt.subplots(len(examples), 1, figsize=(12, 2.2 + 0.28 * sum(len(o) for _, o, _ in examples)),
                             dpi=100, squeeze=False)
    for ax, (source, output, weights) in zip(axes[:, 0], examples):
        n = min(max_source, len(source), np.shape(weights)[1] if np.ndim(weights) == 2 else 0)
        shown = np.asarray(weights)[: len(output), :n]
        ax.imshow(shown if shown.size else np.zeros((1, 1)), aspect="auto", cmap="viridis", vmin=0)
        ax.set_xticks(range(n), list(source[:n]), rotation=90, fontsize=7)
        ax.set_yticks(range(len(output)), list(output), fontsize=7)
    axes[0, 0].set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
