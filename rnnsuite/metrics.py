"""Metrics and baselines every variant reports (plain numpy; sacrebleu for text)."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def accuracy(predicted: Sequence[int], true: Sequence[int]) -> float:
    predicted, true = np.asarray(predicted), np.asarray(true)
    if predicted.shape != true.shape:
        raise ValueError(f"predictions have shape {predicted.shape}, expected {true.shape}")
    return float((predicted == true).mean())


def binary_labels(probabilities) -> np.ndarray:
    """0/1 labels from a binary classifier's outputs: one sigmoid column, or two softmax columns.

    :raises ValueError: any other shape (a model with m outputs for m > 2, or
        none), with the shape it got, instead of silently reading column 0.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim == 1 or (p.ndim == 2 and p.shape[1] == 1):
        return (p.reshape(-1) > 0.5).astype(np.int64)  # P(positive)
    if p.ndim == 2 and p.shape[1] == 2:
        return p.argmax(axis=1).astype(np.int64)  # [P(negative), P(positive)]
    raise ValueError(f"a binary classifier must output (N, 1) sigmoid or (N, 2) softmax probabilities, got shape "
                     f"{p.shape}")


def majority_accuracy(train_labels: Sequence[int], test_labels: Sequence[int]) -> float:
    """Accuracy of always answering the training set's most common class."""
    values, counts = np.unique(np.asarray(train_labels), return_counts=True)
    return float((np.asarray(test_labels) == values[counts.argmax()]).mean())


def mae(predicted, true) -> float:
    return float(np.mean(np.abs(np.asarray(predicted, float) - np.asarray(true, float))))


def rmse(predicted, true) -> float:
    return float(np.sqrt(np.mean((np.asarray(predicted, float) - np.asarray(true, float)) ** 2)))


def bleu_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Corpus BLEU and chrF (sacrebleu's defaults), one reference per sentence."""
    import sacrebleu

    hyps, refs = list(hypotheses), [list(references)]
    return {
        "bleu": float(sacrebleu.corpus_bleu(hyps, refs).score),
        "chrf": float(sacrebleu.corpus_chrf(hyps, refs).score),
    }


def bits_per_token(probabilities) -> float:
    """Mean -log2 p over the probabilities a language model gave each true next token.

    For a character model this is bits per character (bpc): 8 would be raw
    bytes, log2 V a uniform guess over V characters, 0 a certain prediction.
    """
    p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if p.size == 0:
        raise ValueError("no probabilities to score")
    if not np.all((p > 0) & (p <= 1)):
        raise ValueError("probabilities must lie in (0, 1]")
    return float(-np.log2(p).mean())


def top_k_accuracy(ranked, true, k: int) -> float:
    """The share of rows whose true id is among the first k ids of ``ranked`` (N, >= k), best first."""
    ranked, true = np.asarray(ranked), np.asarray(true)
    if ranked.ndim != 2 or ranked.shape[0] != true.shape[0] or ranked.shape[1] < k or k < 1:
        raise ValueError(f"ranked ids have shape {ranked.shape}; expected ({true.shape[0]}, >= {k})")
    return float((ranked[:, :k] == true[:, None]).any(axis=1).mean())
