"""Variant 3: English -> Russian (biRNN) and a Hopfield network.

| # | kind | network | task |
|---|---|---|---|
| 3.1 | scratch | FRNN | the next character of the English and the Russian text (the course leaves this cell empty) |
| 3.2 | keras | biRNN | translate English to Russian (the course's task) |
| 3.3 | custom | Hopfield network | memorise images and restore their distorted fragments (the course's task) |

One module per assignment defines its ``ASSIGNMENT`` and ``FACTORY``; this
package only collects them (add a module to ``MODULES``).  Importing it is
cheap: Keras and sentencepiece are imported by the routines when they run.
"""
from __future__ import annotations

from rnnsuite import hookimpl
from rnnsuite.types import Variant

from . import frnn_parallel, hopfield, translation

MODULES = (frnn_parallel, translation, hopfield)


@hookimpl
def rnnsuite_add_variants():
    return [Variant(3, "English -> Russian translation and a Hopfield network", tuple(m.ASSIGNMENT for m in MODULES),
                    description="The course's variant 3: a bidirectional RNN translates English to Russian; a "
                                "Hopfield network memorises images and restores distorted fragments.")]


@hookimpl
def rnnsuite_add_models():
    return [m.FACTORY for m in MODULES]
