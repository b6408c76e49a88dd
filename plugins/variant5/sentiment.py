"""Movie reviews as token ids: the text preparation shared by v5.1 (FRNN) and v5.2 (GRU).

Reviews have no order in time (Rotten Tomatoes snippets of many critics and
films), so the course's "first 70% / last 30%" rule for sequences does not
apply across records: the split is stratified and seeded (70/30, each
class's share kept), and the words inside every review keep their order.

A review becomes a row of word ids, left-padded with PAD = 0 so that the
last step of every row is the review's last word: a network that answers
from its final state h_T reads the review right up to that state.  The
vocabulary is built from the training block only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnsuite import metrics
from rnnsuite.types import Split

TEST_SHARE = 0.3
QUICK_RECORDS = 600


@dataclass
class ReviewSplit(Split):
    """A Split that also keeps the test texts and the vocabulary, for the samples artifact."""

    test_texts: list[str] = field(default_factory=list)
    vocab: Any = None


def _stratified_subset(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` indices (sorted) keeping the class shares: the quick slice."""
    from rnnsuite.prep import stratified_split

    if size >= len(labels):
        return np.arange(len(labels))
    _, _, keep = stratified_split(labels, test=size / len(labels), seed=int(rng.integers(2**31)))
    return keep


def sequence_length(lengths: np.ndarray, cap: int) -> int:
    """The 95th percentile of the training lengths, rounded up to 8, at most ``cap``."""
    p95 = int(np.percentile(lengths, 95)) if len(lengths) else 8
    return int(min(cap, max(8, -(-p95 // 8) * 8)))


def prepare_reviews(ctx, *, max_vocab: int, max_length: int, unlabelled: str | None = None) -> ReviewSplit:
    """Load ``movie_reviews``, split 70/30 stratified, encode as left-padded word ids.

    ``unlabelled`` names a data set of further review texts (labels unused)
    whose words join the vocabulary and whose ids go to ``train["unlabelled"]``
    -- material for word vectors, never the test split.
    """
    from rnnsuite.prep import Vocabulary, pad, stratified_split, tokenize

    reviews = ctx.load("movie_reviews")
    labels = np.asarray(reviews.labels, dtype=np.int64)
    rng = ctx.rng(5)
    keep = _stratified_subset(labels, QUICK_RECORDS, rng) if ctx.quick else np.arange(len(labels))
    texts, labels = [reviews.texts[i] for i in keep], labels[keep]
    train_idx, _, test_idx = stratified_split(labels, test=TEST_SHARE, seed=int(rng.integers(2**31)))

    tokens = [tokenize(t) for t in texts]
    extra = [] if unlabelled is None or ctx.quick else [tokenize(t) for t in ctx.load(unlabelled).texts]
    vocab = Vocabulary.build((" ".join(t) for t in [*(tokens[i] for i in train_idx), *extra]),
                             max_size=max_vocab, min_count=2)
    T = sequence_length(np.array([len(tokens[i]) for i in train_idx]), max_length)
    ids = pad([vocab.encode(t) for t in tokens], T, side="left", truncate="left")

    train = {"ids": ids[train_idx], "labels": labels[train_idx]}
    if unlabelled is not None:
        train["unlabelled"] = _rows([vocab.encode(t) for t in extra], 256)
    majority = metrics.majority_accuracy(labels[train_idx], labels[test_idx])
    info = {
        "records": len(labels), "train_records": len(train_idx), "test_records": len(test_idx),
        "split": "stratified 70/30, seeded (reviews have no time order); validation carved from train",
        "vocab_size": len(vocab), "sequence_length": T,
        "oov_share_test": float((ids[test_idx] == 1).sum() / max(1, (ids[test_idx] > 0).sum())),
        "positive_share_train": float(labels[train_idx].mean()),
        "majority_accuracy": majority,
    }
    if unlabelled is not None:
        info["unlabelled_words"] = int(sum(len(t) for t in extra))
    spec = {"vocab_size": len(vocab), "length": T, "classes": 2, "seed": ctx.seed}
    return ReviewSplit(train=train, test_inputs=ids[test_idx], test_targets=labels[test_idx], spec=spec,
                       info=info, test_texts=[texts[i] for i in test_idx], vocab=vocab)


def _rows(sequences: list[list[int]], width: int) -> np.ndarray:
    """Concatenated id sequences cut into rows of ``width`` (for co-occurrence counts)."""
    flat = np.concatenate([np.asarray(s, dtype=np.int32) for s in sequences]) if sequences else np.zeros(0, np.int32)
    n = len(flat) // width
    return flat[: n * width].reshape(n, width)


def validation_block(labels: np.ndarray, share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(fit, validation) indices of the training block, stratified."""
    from rnnsuite.prep import stratified_split

    fit, _, val = stratified_split(labels, test=share, seed=int(rng.integers(2**31)))
    return fit, val


def evaluate_binary(split: Split, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy against the test labels, with the majority-class baseline next to it."""
    true = np.asarray(split.test_targets)
    predicted = np.asarray(predicted).astype(np.int64).reshape(true.shape)
    tp = float(((predicted == 1) & (true == 1)).sum())
    precision = tp / max(1.0, float((predicted == 1).sum()))
    recall = tp / max(1.0, float((true == 1).sum()))
    return {
        "accuracy": metrics.accuracy(predicted, true),
        "majority_accuracy": metrics.majority_accuracy(split.train["labels"], true),
        "f1": 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall),
    }


def write_samples(path, split: ReviewSplit, predicted: np.ndarray, count: int = 20) -> Any:
    """A markdown table of test reviews with the true and the predicted label (right and wrong ones)."""
    true = np.asarray(split.test_targets)
    predicted = np.asarray(predicted).reshape(true.shape)
    names = ("negative", "positive")
    right, wrong = np.flatnonzero(predicted == true), np.flatnonzero(predicted != true)
    chosen = list(right[: count // 2]) + list(wrong[: count - min(count // 2, len(right))])
    lines = ["| true | predicted | review |", "|---|---|---|"]
    for i in chosen[:count]:
        text = split.test_texts[i].replace("|", "\\|") if split.test_texts else ""
        lines.append(f"| {names[true[i]]} | {names[int(predicted[i])]} | {text} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


