"""The translation assignments' routines (v3.2 English -> Russian, v6.2 Russian -> English) over ``seq2seq``.

Unit: sentencepiece subwords (a unigram model per language, learned from the
training side only).  The pairs are ~3,000 short interface strings: as
words, most Russian word forms occur once (a word model cannot translate
what it saw once in another case ending), and as characters a 60-character
sentence is a 60-step decoding problem the model spells wrongly
("Terbrarable" for "вчера").  Subwords share stems and endings across
forms and keep sentences short.

Placeholders (``%(name)s``, ``%s``, ``{0}``, ``%1``) are replaced by numbered
marks before the model sees a sentence and put back after decoding: they
must be copied, not translated.  BLEU is computed with them removed from
both sides, since copying them (or the whole English sentence) would
otherwise earn matched n-grams that say nothing about translation.

A run saves the model with its subword models (``translator/``); later::

    from rnnsuite.seq2seq import Seq2Seq
    from rnnsuite.translation import translate
    translate(Seq2Seq.load("runs/<time>-v6/v6.2/translator"), ["Открыть файл"])
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from rnnsuite.errors import DataError
from rnnsuite.seq2seq import Codec, Seq2Seq
from rnnsuite.types import Assignment, ModelFactory, Split

PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[sdifrxXeEgG]|%\d+|\{\w*(?:[:!][^{}]*)?\}")
MARKS = tuple(f"⟦{i}⟧" for i in range(10))  # the model's stand-ins for placeholders, in source order
MARK = re.compile(r"⟦(\d)⟧")

MAX_CHARS = 80  # longer catalogue entries (help texts) are paragraphs, not sentences
TEST_SHARE = 0.3
QUICK_PAIRS = 400
SUBWORDS = 800  # pieces per language (at most: sentencepiece stops earlier on small data)
BEAM = 4
MODEL = "translator"  # the saved model's folder in the run


# -- placeholders -----------------------------------------------------------------------

def mask_placeholders(source: str, target: str | None = None) -> tuple[str, str | None, list[str]]:
    """Source and target with the source's placeholders (up to 10) replaced by ⟦i⟧, and the placeholders."""
    found: list[str] = []
    for ph in PLACEHOLDER.findall(source):
        if ph not in found and len(found) < len(MARKS):
            found.append(ph)

    def masked(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: MARKS[found.index(m.group())] if m.group() in found else m.group(), text)

    return masked(source), None if target is None else masked(target), found


def unmask_placeholders(text: str, placeholders: Sequence[str]) -> str:
    """⟦i⟧ back to the i-th placeholder; a mark with no placeholder is dropped."""
    out = MARK.sub(lambda m: placeholders[int(m.group(1))] if int(m.group(1)) < len(placeholders) else "", text)
    return " ".join(out.split())


def without_placeholders(text: str) -> str:
    return " ".join(PLACEHOLDER.sub(" ", text).split())


# -- scores -----------------------------------------------------------------------------

def scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """chrF, and BLEU with placeholders removed from both sides (sacrebleu's defaults)."""
    import sacrebleu

    refs = list(references)
    return {"chrf": float(sacrebleu.corpus_chrf(list(hypotheses), [refs]).score),
            "bleu": float(sacrebleu.corpus_bleu([without_placeholders(h) for h in hypotheses],
                                                [[without_placeholders(r) for r in refs]]).score)}


def sentence_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> np.ndarray:
    import sacrebleu

    return np.array([sacrebleu.sentence_chrf(h, [r]).score for h, r in zip(hypotheses, references)])


# -- data -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sentences:
    source: list[str]
    target: list[str] | None = None  # None for test inputs


def _usable(pairs) -> list[int]:
    return [i for i in range(len(pairs)) if len(pairs.source[i]) <= MAX_CHARS and len(pairs.target[i]) <= MAX_CHARS]


def prepare(ctx, reverse: bool, salt: int) -> Split:
    """``en_ru_pairs`` (reversed for Russian -> English), pairs up to MAX_CHARS characters, seeded 70/30 split.

    With the instructor's hidden pairs (``ctx.load_hidden``) every pair of the
    data set trains and the hidden ones are the test block."""
    pairs = ctx.load("en_ru_pairs")
    hidden = ctx.load_hidden("en_ru_pairs")
    if reverse:
        pairs, hidden = pairs.reversed(), hidden.reversed() if hidden is not None else None
    keep = _usable(pairs)
    order = ctx.rng(salt).permutation(keep)
    if ctx.quick:
        order = order[:QUICK_PAIRS]
    if hidden is not None:
        train_idx, test_src, test_tgt = order, list(hidden.source), list(hidden.target)
    else:
        n_test = int(round(TEST_SHARE * len(order)))
        train_idx = order[n_test:]
        test_src, test_tgt = [pairs.source[i] for i in order[:n_test]], [pairs.target[i] for i in order[:n_test]]
    if len(train_idx) < 10 or not test_src:
        raise DataError(f"{len(train_idx)} training and {len(test_src)} test pairs of at most {MAX_CHARS} "
                        "characters are too few to train a translator; give a larger file")
    src, tgt = [pairs.source[i] for i in train_idx], [pairs.target[i] for i in train_idx]
    masked = [mask_placeholders(s, t) for s, t in zip(src, tgt)]
    source_codec = Codec.subwords([m[0] for m in masked], SUBWORDS, MARKS)
    target_codec = Codec.subwords([m[1] for m in masked], SUBWORDS, MARKS)
    source_length = int(np.percentile([len(source_codec.encode(m[0])) for m in masked], 99)) + 1
    target_length = int(np.percentile([len(target_codec.encode(m[1])) for m in masked], 99)) + 2
    spec = {"source_codec": source_codec.to_json(), "target_codec": target_codec.to_json(),
            "source_length": source_length, "target_length": target_length,
            "units": 48 if ctx.quick else 128, "embedding": 32 if ctx.quick else 96,
            "bidirectional": True, "dropout": 0.3}
    info = {"direction": f"{pairs.source_lang} -> {pairs.target_lang}", "pairs": len(pairs), "pairs_kept": len(keep),
            "dropped": f"{len(pairs) - len(keep)} pairs with a side longer than {MAX_CHARS} characters",
            "split": "seeded random 70/30 (catalogue entries have no order in time)",
            "train": len(train_idx), "test": len(test_src), "unit": "sentencepiece unigram subwords",
            "source_pieces": len(source_codec), "target_pieces": len(target_codec),
            "source_length": source_length, "target_length": target_length,
            "placeholders_masked": sum(bool(m[2]) for m in masked)}
    return Split(train=Sentences(src, tgt), test_inputs=Sentences(test_src), test_targets=test_tgt,
                 spec=spec, info=info)


# -- routines ---------------------------------------------------------------------------

def train(ctx, s2s: Seq2Seq, data: Sentences) -> Seq2Seq:
    from rnnsuite import seq2seq

    masked = [mask_placeholders(s, t) for s, t in zip(data.source, data.target or [])]
    return seq2seq.train(ctx, s2s, [m[0] for m in masked], [m[1] for m in masked], learning_rate=3e-3,
                         batch_size=64, patience=3, smoothing=0.1)


def translate(s2s: Seq2Seq, texts: Sequence[str], beam: int = BEAM) -> list[str]:
    """Texts translated by beam search (greedy when ``beam`` is 1), placeholders copied through."""
    masked = [mask_placeholders(t) for t in texts]
    sources = [m[0] for m in masked]
    out = s2s.beam(sources, width=beam) if beam > 1 else s2s.greedy(sources)
    return [unmask_placeholders(o, m[2]) for o, m in zip(out, masked)]


def predict(ctx, s2s: Seq2Seq, inputs: Sentences) -> list[str]:
    return translate(s2s, inputs.source)


def evaluate(ctx, split: Split, hypotheses: list[str]) -> dict[str, float]:
    """The model, copying the source, and a translation memory (the target of the nearest training source)."""
    from rnnsuite.seq2seq import nearest_targets

    refs = split.test_targets
    model = scores(hypotheses, refs)
    copied = scores(split.test_inputs.source, refs)
    memory = scores(nearest_targets(split.train.source, split.train.target, split.test_inputs.source,
                                    analyzer="char_wb"), refs)
    return {**model, "copy_chrf": copied["chrf"], "copy_bleu": copied["bleu"],
            "memory_chrf": memory["chrf"], "memory_bleu": memory["bleu"],
            "chrf_pass": copied["chrf"] + 10.0, "chrf_full": 0.75 * memory["chrf"]}


METRICS = ("chrf", "bleu", "copy_chrf", "copy_bleu", "memory_chrf", "memory_bleu", "chrf_pass", "chrf_full")
ARTIFACTS = ("translations", "translations_md", "history", "model")


def bars(source: str, target: str):
    """Pass 10 chrF above copying the source; full credit at 0.75 x the translation memory."""
    from rnnsuite.types import Bar

    return (
        Bar("chrf", "chrf_pass",
            why=f"pass: 10 chrF above leaving the {source} as it is (chrf_pass = copy_chrf + 10; copying "
                "scores chrF ~10-17 on the interface strings)"),
        Bar("chrf", "chrf_full", floor="chrf_pass",
            why="full credit at 0.75 x a translation memory that returns the {t} of the nearest training "
                "{s} sentence (memory_chrf ~40 on the interface strings), partial credit from the pass mark up"
                .format(t=target, s=source)),
    )


def artifacts(ctx, split: Split, hypotheses: list[str], s2s: Seq2Seq) -> dict[str, Any]:
    """Every test sentence as TSV; the best and worst 10 by sentence chrF as Markdown; the model with its codecs."""
    src, refs = split.test_inputs.source, split.test_targets
    per = sentence_chrf(hypotheses, refs)
    tsv = ctx.path("translations.tsv")
    rows = ["source\treference\thypothesis\tchrf"]
    rows += [f"{_cell(s)}\t{_cell(r)}\t{_cell(h)}\t{c:.1f}" for s, r, h, c in zip(src, refs, hypotheses, per)]
    tsv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    order = np.argsort(-per, kind="stable")
    md = ctx.path("translations.md")
    parts = [f"# {ctx.assignment.id}: translations ({len(src)} test sentences)\n"]
    for title, idx in (("Best 10 by sentence chrF", order[:10]), ("Worst 10 by sentence chrF", order[::-1][:10])):
        parts += [f"\n## {title}\n", "| chrF | source | reference | hypothesis |", "|---:|---|---|---|"]
        parts += [f"| {per[i]:.1f} | {_md(src[i])} | {_md(refs[i])} | {_md(hypotheses[i])} |" for i in idx]
    md.write_text("\n".join(parts) + "\n", encoding="utf-8")
    folder = s2s.save(ctx.path(MODEL))
    return {"translations": tsv, "translations_md": md, "model": Path(folder)}


def try_translate(folder: Path, inputs: Sequence[str], options: Any = None, *, what: str, example: str) -> str:
    """``Assignment.use`` of a translator: each sentence (an argument, ``what``) translated by beam search,
    one line each: ``source → translation``."""
    from rnnsuite.tryout import texts

    sentences = texts(inputs, what, example)
    out = translate(Seq2Seq.load(Path(folder) / MODEL), sentences)
    return "\n".join(f"{s} → {t or '(nothing: the model wrote no word)'}" for s, t in zip(sentences, out))


def _cell(text: str) -> str:
    return " ".join(text.split())


def _md(text: str) -> str:
    return _cell(text).replace("|", "\\|") or " "


# -- one declaration for both directions (v3.2 English -> Russian, v6.2 Russian -> English) -------------

BUILD_DOC = """Return an **uncompiled** ``keras.Model`` mapping ``[{source} piece ids (B, S), {target} piece ids shifted
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


@dataclass(frozen=True)
class Direction:
    """Which way a translator assignment reads ``en_ru_pairs``."""

    source: str  # "English"
    target: str  # "Russian"
    reverse: bool  # the data set's pairs are English -> Russian: reversed for Russian -> English
    salt: int  # of the seeded split
    example: str  # a source sentence, for ``rnnsuite try``'s messages


def build_doc(d: Direction) -> str:
    """The factory's docstring (the student's template shows it) for this direction."""
    return BUILD_DOC.format(source=d.source, target=d.target)


def declare(ident: str, model: str, d: Direction, build: Callable[[dict], Any], task_en: str,
            task_ru: str) -> tuple[Any, Any]:
    """The translator assignment of ``d`` and its factory ``build`` (module-level, documented by :func:`build_doc`)."""

    article = "an" if d.source[0] in "AEIOU" else "a"
    assignment = Assignment(
        id=ident, kind="keras", network="biRNN", task_en=task_en, task_ru=task_ru,
        datasets=("en_ru_pairs",), model=model,
        prepare=partial(prepare, reverse=d.reverse, salt=d.salt), train=train, predict=predict,
        evaluate=evaluate, artifacts=artifacts,
        use=partial(try_translate, what=f"{article} {d.source} sentence", example=d.example),
        metrics=METRICS, bars=bars(d.source, d.target), artifact_names=ARTIFACTS, adapt=Seq2Seq.adapt,
        epochs=20, quick_epochs=2)
    factory = ModelFactory(model, "keras", build, "subword seq2seq: Bidirectional(GRU) encoder, GRU decoder with "
                                                  "dot-product attention, beam search")
    return assignment, factory
