"""Variant 1: text reviews (GRU) and article titles from abstracts (seq2seq).

| # | kind | network | task |
|---|---|---|---|
| 1.1 | scratch | FRNN | a character-level language model of reviews (the course leaves this cell empty) |
| 1.2 | keras | GRU | generate text reviews (the course's task) |
| 1.3 | custom | seq2seq | an article's title from its abstract (the course's task) |

One module per assignment defines its ``ASSIGNMENT`` and ``FACTORY``; this
package only collects them (add a module to ``MODULES``).  Importing it is
cheap: Keras, rouge-score and scikit-learn are imported by the routines when
they run.
"""
from __future__ import annotations

from rnnsuite import hookimpl
from rnnsuite.types import Variant

from . import frnn_reviews, gru_reviews, titles

MODULES = (frnn_reviews, gru_reviews, titles)


@hookimpl
def rnnsuite_add_variants():
    return [Variant(1, "Review generation and article titles", tuple(m.ASSIGNMENT for m in MODULES),
                    description="The course's variant 1: a GRU generates text reviews; a seq2seq network with "
                                "attention writes an article's title from its abstract (PubMed).")]


@hookimpl
def rnnsuite_add_models():
    return [m.FACTORY for m in MODULES]
