"""Built-in graders (a plugin, loaded through the entry-point group ``rnnsuite``).

* ``metric-bars``: every bar of an assignment, with partial credit;
* ``bptt-gradients`` (scratch): BPTT gradients against finite differences;
* ``forward-pass`` (scratch): outputs against the reference FRNN;
* ``structure`` (custom cell networks): the network is built from its own cell.

None of them imports TensorFlow.
"""
from rnnsuite.graders import forward, gradients, metrics, structure

from rnnsuite import hookimpl


@hookimpl
def rnnsuite_add_graders():
    return [metrics.GRADER, gradients.GRADER, forward.GRADER, structure.GRADER]
