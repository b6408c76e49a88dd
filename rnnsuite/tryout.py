"""What the text assignments' ``use`` routines (``rnnsuite try``) share: a person's texts and the sampling options.

``use(folder, inputs, options)`` gets the assignment's folder of a finished
run, the person's arguments as strings and the options they gave
(``temperature``, ``length``, ``out``, ``seed``).  Everything here checks the
input before any model is loaded, and says what is wrong in one line
(``DataError``: exit status 2).  Files (the run's saved ones, images, what
``try`` writes) are ``rnnsuite.tryfiles``' business.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from rnnsuite.errors import DataError


def texts(inputs: Sequence[str], what: str, example: str) -> list[str]:
    """Each argument is one text (``what``: "a review"); none at all, or a blank one, is refused."""
    if not inputs:
        raise DataError(f"give {what} to try, in quotes: e.g. \"{example}\"")
    for i, text in enumerate(inputs, 1):
        if not text.strip():
            raise DataError(f"text {i} of {len(inputs)} is empty: give {what}, e.g. \"{example}\"")
    return [" ".join(text.split()) for text in inputs]


def prompt(inputs: Sequence[str], example: str) -> str:
    """The arguments joined by spaces: a prompt to continue ('' when none was given; a blank one is refused)."""
    text = " ".join(inputs)
    if inputs and not text.strip():
        raise DataError(f"the prompt is empty: give the text to continue, e.g. \"{example}\", "
                        f"or nothing to start from scratch")
    return text


def temperature(options: Mapping[str, Any], default: float) -> float:
    return float(options.get("temperature", default))


def length(options: Mapping[str, Any], default: int) -> int:
    return int(options.get("length", default))


def generator(options: Mapping[str, Any]) -> np.random.Generator:
    """The random numbers of a sampling routine: ``--seed`` repeats a draw, without it every try differs."""
    return np.random.default_rng(options.get("seed"))


def unknown(tokens: Sequence[str], known: Mapping[str, int], shown: int = 5) -> str:
    """``"unknown to the model: 'a', 'b'"`` for the tokens the model never learned, '' when it knows them all."""
    missing = list(dict.fromkeys(t for t in tokens if t not in known))
    if not missing:
        return ""
    more = f" and {len(missing) - shown} more" if len(missing) > shown else ""
    return f"unknown to the model: {', '.join(repr(t) for t in missing[:shown])}{more}"
