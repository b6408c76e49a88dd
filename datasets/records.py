"""The record types the loaders return: small frozen dataclasses of lists and arrays."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TextLabels:
    """Texts with binary labels (1 = positive)."""

    texts: list[str]
    labels: np.ndarray
    label_names: tuple[str, str] = ("negative", "positive")

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Pairs:
    """Aligned source/target sentences (``source[i]`` translates to ``target[i]``)."""

    source: list[str]
    target: list[str]
    source_lang: str
    target_lang: str

    def __len__(self) -> int:
        return len(self.source)

    def reversed(self) -> "Pairs":
        """The same pairs the other way round (e.g. ru -> en)."""
        return Pairs(list(self.target), list(self.source), self.target_lang, self.source_lang)


@dataclass(frozen=True)
class Series:
    """A time series in time order: ``times`` (datetime64) and float64 ``values``."""

    times: np.ndarray
    values: np.ndarray
    name: str
    unit: str

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Images:
    """Grayscale images, float32 (N, H, W) in [0, 1], with integer labels."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


@dataclass(frozen=True)
class Frames:
    """Short grayscale clips, float32 (N, T, H, W) in [0, 1], one name per clip."""

    clips: np.ndarray
    names: list[str]

    def __len__(self) -> int:
        return len(self.clips)


@dataclass(frozen=True)
class Tokens:
    """Token sequences (e.g. music as ``"C4_1.0"``, ``"rest_0.5"``), one list per piece."""

    sequences: list[list[str]]
    description: str = ""

    def __len__(self) -> int:
        return len(self.sequences)
