"""Writing submissions: a ready-to-fill template, or one that re-exports the suite's own solutions.

Both follow the submission protocol of docs/grading.md: a plugin module whose
``rnnsuite_add_models()`` returns one ``ModelFactory`` per assignment, named
as the assignment's ``model``.
"""
from __future__ import annotations

import re

from rnnsuite.types import Assignment, Variant

HEADER = '''"""Submission for variant {number} ({title}).

Fill in one factory per assignment; keep the factory names.  Grade it with
    rnnsuite grade {filename} --variant {number}
Each factory gets the assignment's ``spec`` (sizes such as the input size,
classes, vocabulary: print it to see) and returns an untrained model; the
suite's own routines train it, predict the test inputs and score them.  See
``rnnsuite info v{number}.K`` for each task, its data and the bars to reach.
"""
from rnnsuite import hookimpl
from rnnsuite.types import ModelFactory
'''

SCRATCH = '''

class {cls}:
    """{id}: the course's fully recurrent network (FRNN), numpy only, no autodiff.

        h_t = tanh(W x_t + U h_{{t-1}} + b_h),   h_0 = 0
        y_t = V h_t + b_y
    W: k x n,  U: k x k,  V: m x k,  b_h: k,  b_y: m   (float64 numpy arrays)

    The scratch model protocol (what the grader checks, with parameters and
    inputs of its own choosing, written into ``params`` before each call):
      params                  dict with exactly W, U, V, b_h, b_y
      forward(X, mask=None)   y at the last step (B, m), or at every step (B, T, m);
                              X is (B, T, n) floats or (B, T) token ids
      loss(X, targets, mask=None)            the mean loss (cross-entropy -ln p_c
                                             for classes, 1/2 e^2 for regression)
      loss_and_grads(X, targets, mask=None, truncate=None) -> (loss, {{name: dL/dparam}})
                              by BPTT, going backwards from the last step:
                              delta_t = (1 - h_t^2) * (V^T dL/dy_t + U^T delta_{{t+1}})
                              dW = sum_t delta_t x_t^T, dU = sum_t delta_t h_{{t-1}}^T,
                              db_h = sum_t delta_t, dV = sum_t dL/dy_t h_t^T, db_y = sum_t dL/dy_t
    The gradients must agree with finite differences of ``loss`` (relative
    error below 1e-6 for full credit) and ``forward`` with the reference FRNN.
    The assignment's training routine also calls ``predict(X, mask=None)``
    (class ids, or the outputs for regression).  The reference solution:
    {reference}
    """

    def __init__(self, n, k, m):
        rng = np.random.default_rng(0)
        self.params = {{
            "W": rng.standard_normal((k, n)) / np.sqrt(n),
            "U": np.linalg.qr(rng.standard_normal((k, k)))[0],
            "V": rng.standard_normal((m, k)) / np.sqrt(k),
            "b_h": np.zeros(k),
            "b_y": np.zeros(m),
        }}

    def forward(self, X, mask=None):
        raise NotImplementedError("h_t = tanh(W x_t + U h_(t-1) + b_h); y = V h_T + b_y")

    def loss(self, X, targets, mask=None):
        raise NotImplementedError

    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        raise NotImplementedError("BPTT: see the docstring")

    def predict(self, X, mask=None):
        return self.forward(X, mask).argmax(axis=-1)


def {fn}(spec):
    """{id} ({network}): {task}"""
    raise NotImplementedError("return {cls}(n, k, m) with n, m from spec (see the reference: {factory})")
'''

OTHER = '''

def {fn}(spec):
    """{id} ({kind}, {network}): {task}

    Return an untrained {what}.  The reference solution: {reference}
    """
    raise NotImplementedError("build the model for {id}")
'''

FOOTER = '''

@hookimpl
def rnnsuite_add_models():
    return [
{entries}
    ]
'''


def _slug(a: Assignment) -> str:
    return re.sub(r"\W", "_", a.model)


def template(variant: Variant, filename: str, descriptions: dict[str, str]) -> str:
    """A ready-to-fill submission for every assignment of ``variant``."""
    needs_numpy = any(a.kind == "scratch" for a in variant.assignments)
    parts = [HEADER.format(number=variant.number, title=variant.title, filename=filename)]
    if needs_numpy:
        parts[0] = parts[0].replace("from rnnsuite import hookimpl", "import numpy as np\n\nfrom rnnsuite import hookimpl")
    entries = []
    for a in variant.assignments:
        fields = dict(id=a.id, network=a.network, kind=a.kind, task=" ".join(a.task_en.split()),
                      fn=f"build_{_slug(a)}", cls=f"FRNN_{a.id.replace('.', '_')}", factory=a.model,
                      reference=descriptions.get(a.model, "see rnnsuite info"),
                      what="Keras model" if a.kind == "keras" else "model (Keras layers/cells, or numpy)")
        parts.append((SCRATCH if a.kind == "scratch" else OTHER).format(**fields))
        entries.append(f'        ModelFactory("{a.model}", "{a.kind}", build_{_slug(a)}, "{a.id}"),')
    parts.append(FOOTER.format(entries="\n".join(entries)))
    return "".join(parts)


def reference(variant: Variant, factories: dict) -> str:
    """A submission that re-exports the suite's own factories: graded like any submission."""
    lines = [f'"""Variant {variant.number}: the suite\'s reference solutions, as a submission."""',
             "from rnnsuite import hookimpl", "from rnnsuite.types import ModelFactory", ""]
    entries = []
    for i, a in enumerate(variant.assignments, 1):
        f = factories[a.model]
        module, name = f.build.__module__, f.build.__name__
        if not name.isidentifier() or module.startswith("rnnsuite_local_"):
            raise ValueError(f"the factory {a.model!r} is not importable by name ({module}.{name})")
        lines.append(f"from {module} import {name} as build_{i}")
        entries.append(f'        ModelFactory("{a.model}", "{a.kind}", build_{i}, {f.description!r}),')
    lines.append(FOOTER.format(entries="\n".join(entries)))
    return "\n".join(lines)
