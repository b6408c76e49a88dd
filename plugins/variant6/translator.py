"""v6.2: Russian -> English translation with a bidirectional-GRU encoder (Keras).

Character level: interface strings are short, their words are rare (most
appear once in ~3,000 pairs), and many characters (placeholders, digits,
punctuation, names) pass through unchanged.

    encoder:   e_1..e_S, h_fwd, h_bwd = Bidirectional(GRU)(embed(ru))
    decoder:   s_0 = [h_fwd; h_bwd]
               s_t = GRU(embed(y_{t-1}), s_{t-1})            (teacher forcing in training)
               c_t = sum_i softmax_i(s_t . e_i) e_i           (dot-product attention)
               p(y_t) = softmax(V tanh(A [s_t; c_t]))

Prediction is greedy: each step feeds back the most likely character until
the end mark.  Keras is imported only inside the routines.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from rnnsuite.kerasutil import keras, progress_callback
from rnnsuite.prep import OOV, PAD, Vocabulary, pad
from rnnsuite.types import Split

START, END = "\t", "\n"  # never inside a (whitespace-normalised) sentence
MAX_CHARS = 60
BATCH = 64
PATIENCE = 3
DROPOUT = 0.25


# -- text <-> ids ----------------------------------------------------------------

def char_vocabulary(texts: Sequence[str], marks: bool = False) -> Vocabulary:
    """Characters of the training texts; the target side also gets start/end marks."""
    chars = Vocabulary.build(texts, level="char").tokens[2:]
    return Vocabulary([PAD, OOV, *((START, END) if marks else ()), *chars], level="char")


def encode_source(vocab: Vocabulary, texts: Sequence[str], length: int) -> np.ndarray:
    return pad([vocab.encode(t) for t in texts], length)


def encode_target(vocab: Vocabulary, texts: Sequence[str], length: int) -> np.ndarray:
    """START + text + END, padded to ``length`` (= MAX_CHARS + 2)."""
    return pad([vocab.encode([START, *t, END]) for t in texts], length)


def decode_target(vocab: Vocabulary, ids: Sequence[int]) -> str:
    """The text up to the first END (START and padding dropped)."""
    out = []
    for i in ids:
        token = vocab.tokens[int(i)]
        if token == END:
            break
        if token not in (START, PAD):
            out.append(token)
    return "".join(out)


# -- data ------------------------------------------------------------------------

@dataclass(frozen=True)
class Sentences:
    source: list[str]  # Russian
    target: list[str] | None = None  # English (None for test inputs)


def prepare(ctx) -> Split:
    """ru -> en pairs up to MAX_CHARS characters, seeded random 70/30 split."""
    pairs = ctx.load("en_ru_pairs").reversed()
    keep = [i for i in range(len(pairs))
            if len(pairs.source[i]) <= MAX_CHARS and len(pairs.target[i]) <= MAX_CHARS]
    order = ctx.rng(62).permutation(keep)
    if ctx.quick:
        order = order[:300]
    n_test = int(round(0.3 * len(order)))
    train_idx, test_idx = order[n_test:], order[:n_test]
    src = [pairs.source[i] for i in train_idx]
    tgt = [pairs.target[i] for i in train_idx]
    source_vocab, target_vocab = char_vocabulary(src), char_vocabulary(tgt, marks=True)
    spec = {"source_chars": source_vocab.tokens, "target_chars": target_vocab.tokens,
            "source_length": MAX_CHARS, "target_length": MAX_CHARS + 2,
            "units": 32 if ctx.quick else 128, "embedding": 32 if ctx.quick else 64}
    info = {"pairs": len(pairs), "pairs_kept": len(keep),
            "dropped": f"{len(pairs) - len(keep)} pairs with a side longer than {MAX_CHARS} characters",
            "split": "seeded random 70/30 (the pairs are catalogue entries, not a sequence in time)",
            "train": len(train_idx), "test": len(test_idx),
            "validation": "the last 10% of the (shuffled) train pairs, for early stopping",
            "source_chars": len(source_vocab), "target_chars": len(target_vocab), "level": "character"}
    return Split(train=Sentences(src, tgt), test_inputs=Sentences([pairs.source[i] for i in test_idx]),
                 test_targets=[pairs.target[i] for i in test_idx], spec=spec, info=info)


# -- the model ---------------------------------------------------------------------

class Translator:
    """The Keras seq2seq (``model``, trained with teacher forcing) plus the two
    pieces greedy decoding runs step by step (``encoder``, ``step``)."""

    def __init__(self, spec):
        k = keras()
        self.source = Vocabulary(list(spec["source_chars"]), level="char")
        self.target = Vocabulary(list(spec["target_chars"]), level="char")
        self.source_length, self.target_length = int(spec["source_length"]), int(spec["target_length"])
        units, dim = int(spec.get("units", 128)), int(spec.get("embedding", 64))
        L = k.layers

        src = L.Input((None,), dtype="int32", name="russian")
        src_mask = k.ops.not_equal(src, 0)
        drop = L.Dropout(DROPOUT)  # regularises: ~2,000 pairs are learned by heart otherwise
        e = drop(L.Embedding(len(self.source), dim, name="source_embedding")(src))
        enc, h_fwd, h_bwd = L.Bidirectional(L.GRU(units, return_sequences=True, return_state=True),
                                            name="bidirectional_encoder")(e, mask=src_mask)
        s0 = L.Concatenate(name="encoder_state")([h_fwd, h_bwd])

        embed_y = L.Embedding(len(self.target), dim, name="target_embedding")
        gru = L.GRU(2 * units, return_sequences=True, return_state=True, name="decoder")
        attend = L.Attention(name="attention")
        mix = L.Dense(2 * units, activation="tanh", name="mix")
        logits = L.Dense(len(self.target), name="logits")

        def decode(y_prev, state, enc, enc_mask):
            s, state = gru(drop(embed_y(y_prev)), initial_state=state)
            c = attend([s, enc], mask=[None, enc_mask])
            return logits(drop(mix(L.Concatenate()([s, c])))), state

        y_prev = L.Input((None,), dtype="int32", name="english_so_far")
        out, _ = decode(y_prev, s0, enc, src_mask)
        self.model = k.Model([src, y_prev], out, name="birnn_translator")
        self.model.compile(optimizer=k.optimizers.Adam(3e-3),
                           loss=k.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))

        self.encoder = k.Model(src, [enc, s0])
        token = L.Input((1,), dtype="int32")
        state = L.Input((2 * units,))
        enc_in = L.Input((None, 2 * units))
        mask_in = L.Input((None,), dtype="bool")
        step_out, step_state = decode(token, state, enc_in, mask_in)
        self.step = k.Model([token, state, enc_in, mask_in], [step_out, step_state])

    def teacher_forcing(self, sentences: Sentences):
        """((source ids, target ids shifted right), next target ids)."""
        y = encode_target(self.target, sentences.target, self.target_length)
        x = encode_source(self.source, sentences.source, self.source_length)
        return (x, y[:, :-1]), y[:, 1:]

    def translate(self, texts: Sequence[str], batch: int = 256) -> list[str]:
        ops = keras().ops
        out: list[str] = []
        for i in range(0, len(texts), batch):
            x = encode_source(self.source, texts[i:i + batch], self.source_length)
            enc, state = self.encoder(x, training=False)
            enc = ops.convert_to_tensor(np.asarray(enc))  # plain values: the step model takes the mask as an input
            mask = ops.convert_to_tensor(x != 0)
            token = np.full((len(x), 1), self.target.index[START], dtype=np.int32)
            steps = []
            for _ in range(self.target_length - 1):
                step_logits, state = self.step([ops.convert_to_tensor(token), state, enc, mask], training=False)
                token = np.asarray(step_logits).argmax(axis=-1).astype(np.int32)
                steps.append(token[:, 0])
                if (np.stack(steps, 1) == self.target.index[END]).any(axis=1).all():
                    break
            out.extend(decode_target(self.target, row) for row in np.stack(steps, 1))
        return out


def build(spec) -> Translator:
    return Translator(spec)


# -- routines --------------------------------------------------------------------

def train(ctx, model: Translator, data: Sentences) -> Translator:
    inputs, targets = model.teacher_forcing(data)
    k = keras()
    # The pairs are in random order already: the last 10% are a fair validation block.
    stop = k.callbacks.EarlyStopping(patience=PATIENCE, restore_best_weights=True)
    history = model.model.fit(inputs, targets, batch_size=BATCH, epochs=ctx.epochs, shuffle=True,
                              validation_split=0.1, verbose=0, callbacks=[progress_callback(ctx), stop])
    ctx.record_history(history.history)
    return model


def predict(ctx, model: Translator, inputs: Sentences) -> list[str]:
    return model.translate(inputs.source)


def evaluate(ctx, split: Split, hypotheses: list[str]) -> dict[str, float]:
    from rnnsuite.metrics import bleu_chrf

    scores = bleu_chrf(hypotheses, split.test_targets)
    copied = bleu_chrf(split.test_inputs.source, split.test_targets)  # the Russian left as it is
    return {**scores, "copy_bleu": copied["bleu"], "copy_chrf": copied["chrf"],
            "chrf_gain": scores["chrf"] - copied["chrf"]}


def artifacts(ctx, split: Split, hypotheses: list[str], model: Translator) -> dict[str, Any]:
    table = ctx.path("translations.tsv")
    rows = ["source\treference\thypothesis"]
    rows += [f"{s}\t{r}\t{h}" for s, r, h in zip(split.test_inputs.source, split.test_targets, hypotheses)]
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    model.model.save(ctx.path("translator.keras"))
    return {"translations": table, "model": ctx.path("translator.keras")}
