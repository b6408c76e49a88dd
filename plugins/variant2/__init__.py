"""Variant 2: music (Keras LSTM, a Jordan network) and next-word prediction (scratch FRNN).

| # | kind | network | task |
|---|---|---|---|
| 2.1 | scratch | FRNN | predict the 4th word from the 3 before (the course's task) |
| 2.2 | keras | LSTM | generate similar music (the course's task) |
| 2.3 | custom | Jordan network | the 2.2 task (the course leaves this cell empty) |

One module per assignment defines its ``ASSIGNMENT`` and ``FACTORY``; this
package only collects them (add a module to ``MODULES``).  Importing it is
cheap: Keras and music21 are imported by the routines when they run.
"""
from __future__ import annotations

from rnnsuite import hookimpl
from rnnsuite.types import Variant

from . import frnn_words, jordan_music, music_lstm

MODULES = (frnn_words, music_lstm, jordan_music)


@hookimpl
def rnnsuite_add_variants():
    return [Variant(2, "Next-word prediction and music generation", tuple(m.ASSIGNMENT for m in MODULES),
                    description="The course's variant 2: an LSTM that generates folk tunes like the ones it "
                                "learned, a Jordan network on the same task; the scratch FRNN predicts the 4th "
                                "word from the 3 before.")]


@hookimpl
def rnnsuite_add_models():
    return [m.FACTORY for m in MODULES]
