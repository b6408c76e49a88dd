"""A variant plugin to start from: the next hour's temperature, by each kind of recurrent network.

``rnnsuite new-variant --variant N`` copies this package as ``rnnsuite_variantN``
with ``variant.NUMBER`` set to N, next to a pyproject.toml that registers it
under the entry-point group ``rnnsuite``.  rnnsuite's docs/plugins.md is the
guide to every hook and field used here.

| # | kind | network | module |
|---|---|---|---|
| 1 | scratch | FRNN (numpy, BPTT) | ``frnn_hourly`` |
| 2 | keras | GRU | ``gru_hourly`` |
| 3 | custom | minimal gated unit, a Keras cell of its own (``mgu``) | ``mgu_hourly`` |

The three share one task (``hourly``).  Replace the task, the data and the
networks with your variant's; keep the shape: one module per assignment
defines its ``ASSIGNMENT`` and ``FACTORY``, and this module only collects them
in ``MODULES``.  Importing the package is cheap (numpy only): Keras is
imported by the routines when they run, so ``rnnsuite list`` stays fast.
"""
from __future__ import annotations

from rnnsuite import hookimpl
from rnnsuite.types import Variant

from . import frnn_hourly, gru_hourly, mgu_hourly
from .variant import NUMBER, TITLE

MODULES = (frnn_hourly, gru_hourly, mgu_hourly)


@hookimpl
def rnnsuite_add_variants():
    return [Variant(NUMBER, TITLE, tuple(m.ASSIGNMENT for m in MODULES),
                    description="Seattle's hourly temperature, one hour ahead from the six before: a scratch FRNN, "
                                "a Keras GRU and a minimal gated unit each beat persistence.")]


@hookimpl
def rnnsuite_add_models():
    return [m.FACTORY for m in MODULES]
