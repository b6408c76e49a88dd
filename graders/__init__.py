"""Built-in graders (a plugin, loaded through the entry-point group ``rnnsuite``).

* ``metric-bars``: every bar of an assignment, with partial credit;
* ``bptt-gradients`` (scratch): BPTT gradients against finite differences;
* ``forward-pass`` (scratch): outputs against the reference FRNN.

None of them imports TensorFlow.
"""
from rnnsuite import hookimpl
from rnnsuite.graders import forward, gradients, metrics


@hookimpl
def rnnsuite_add_graders():
    return [metrics.GRADER, gradients.GRADER, forward.GRADER]
