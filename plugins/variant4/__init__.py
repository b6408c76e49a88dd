"""Variant 4: animation frames and restaurant-review sentiment.

| # | kind | network | task | module |
|---|---|---|---|---|
| 4.1 | scratch | FRNN | the 4th frame of an animation from the 3 before it (the course's task) | ``frnn_frames`` |
| 4.2 | keras | LSTM | binary classification of restaurant reviews (the course's task) | ``lstm_reviews`` |
| 4.3 | custom | ConvGRU | the 4.1 task (the course leaves this cell empty) | ``convgru_frames`` |

One module per assignment defines its ``ASSIGNMENT`` and ``FACTORY``; this
package only collects them in ``MODULES`` (add yours with a one-line edit).
Importing it is cheap (numpy only): Keras is imported by the routines when
they run.
"""
from __future__ import annotations

from rnnsuite import hookimpl
from rnnsuite.types import Variant

from . import convgru_frames, frnn_frames, lstm_reviews

MODULES = (frnn_frames, lstm_reviews, convgru_frames)


@hookimpl
def rnnsuite_add_variants():
    return [Variant(4, "Animation frames and restaurant-review sentiment",
                    tuple(sorted((m.ASSIGNMENT for m in MODULES), key=lambda a: a.number)),
                    description="The course's variant 4: the 4th frame of an animation from the 3 before "
                                "(scratch FRNN), restaurant reviews classified by a Keras LSTM.")]


@hookimpl
def rnnsuite_add_models():
    return [m.FACTORY for m in MODULES]
