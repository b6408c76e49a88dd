"""Preparation shared by every variant: tokens, vocabularies, padding, windows, splits.

Two split policies, as the course asks:

* ``chronological_split`` for sequences and anything ordered in time: the
  first 70% train, the last 30% test, never shuffled across the boundary; a
  validation block comes from the *end* of train.
* ``stratified_split`` for sets without an order (reviews, images): seeded,
  keeping each class's share in every part.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

import numpy as np

PAD = "<pad>"
OOV = "<unk>"

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*|[^\w\s]", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lowercase words, numbers and single punctuation marks."""
    return _TOKEN.findall(text.lower())


@dataclass
class Vocabulary:
    """Token <-> id with PAD = 0 and OOV = 1; ``level`` is "word" or "char"."""

    tokens: list[str] = field(default_factory=lambda: [PAD, OOV])
    level: Literal["word", "char"] = "word"

    def __post_init__(self) -> None:
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def build(cls, texts: Iterable[str], max_size: int | None = None,
              level: Literal["word", "char"] = "word", min_count: int = 1) -> "Vocabulary":
        """The ``max_size`` most frequent tokens (PAD and OOV included); ties by first seen."""
        if level not in ("word", "char"):
            raise ValueError(f"level must be 'word' or 'char', not {level!r}")
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(cls._split(text, level))
        ranked = [t for t, c in counts.most_common() if c >= min_count and t not in (PAD, OOV)]
        if max_size is not None:
            ranked = ranked[: max(0, max_size - 2)]
        return cls([PAD, OOV, *ranked], level)

    @staticmethod
    def _split(text: str, level: str) -> list[str]:
        return list(text) if level == "char" else tokenize(text)

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def pad_id(self) -> int:
        return 0

    @property
    def oov_id(self) -> int:
        return 1

    def encode(self, text: str | Sequence[str]) -> list[int]:
        """Ids of a text (tokenized by level) or of an already split token list."""
        parts = self._split(text, self.level) if isinstance(text, str) else text
        return [self.index.get(t, 1) for t in parts]

    def decode(self, ids: Iterable[int], skip_pad: bool = True) -> str:
        words = [self.tokens[i] if 0 <= i < len(self.tokens) else OOV
                 for i in (int(i) for i in ids) if not (skip_pad and i == 0)]
        return "".join(words) if self.level == "char" else " ".join(words)


def pad(sequences: Sequence[Sequence[int]], length: int, side: Literal["left", "right"] = "right",
        truncate: Literal["left", "right"] = "right", value: int = 0) -> np.ndarray:
    """An int32 (N, length) array: sequences cut at ``truncate`` end, padded at ``side``."""
    out = np.full((len(sequences), length), value, dtype=np.int32)
    for i, seq in enumerate(sequences):
        seq = list(seq)
        seq = seq[:length] if truncate == "right" else seq[max(0, len(seq) - length):]
        if not seq:
            continue
        if side == "right":
            out[i, : len(seq)] = seq
        else:
            out[i, length - len(seq):] = seq
    return out


def windows(values: Sequence, size: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows: ``size`` consecutive values -> the next one (3 -> 4th)."""
    arr = np.asarray(values)
    n = len(arr) - size
    if n <= 0:
        return arr[:0].reshape((0, size) + arr.shape[1:]), arr[:0]
    idx = np.arange(size)[None, :] + np.arange(n)[:, None]
    return arr[idx], arr[size:]


def chronological_split(n: int, test: float = 0.3, val: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, val, test) index arrays in order: test is the last ``test`` share,
    validation the last ``val`` share (of all n) before it."""
    _check_shares(test, val)
    n_test = int(round(n * test))
    n_val = int(round(n * val))
    cut = n - n_test
    idx = np.arange(n)
    return _nonempty((idx[: cut - n_val], idx[cut - n_val: cut], idx[cut:]), test, val)


def stratified_split(labels: Sequence[int], test: float = 0.3, val: float = 0.0,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded (train, val, test) index arrays keeping each class's share; sorted."""
    _check_shares(test, val)
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    parts: tuple[list, list, list] = ([], [], [])
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        n_test = int(round(len(members) * test))
        n_val = int(round(len(members) * val))
        parts[2].extend(members[:n_test])
        parts[1].extend(members[n_test: n_test + n_val])
        parts[0].extend(members[n_test + n_val:])
    return _nonempty(tuple(np.sort(np.asarray(p, dtype=np.int64)) for p in parts), test, val)


def _nonempty(blocks: tuple[np.ndarray, np.ndarray, np.ndarray], test: float, val: float):
    """The blocks, unless one that was asked for came out empty (too few records to learn or test)."""
    train, valid, tst = blocks
    if not len(train) or (test and not len(tst)) or (val and not len(valid)):
        from rnnsuite.errors import DataError

        n = len(train) + len(valid) + len(tst)
        raise DataError(f"{n} records are too few to split into train ({len(train)}), validation "
                        f"({len(valid)}) and test ({len(tst)}); give a larger data set")
    return train, valid, tst


def _check_shares(test: float, val: float) -> None:
    if not (0 <= test < 1 and 0 <= val < 1 and test + val < 1):
        raise ValueError(f"test ({test}) and val ({val}) must be shares in [0, 1) summing below 1")
