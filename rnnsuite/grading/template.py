"""Writing submissions: a template a student completes, or the suite's own solutions as one.

Both follow the submission protocol of docs/grading.md: a module whose
``rnnsuite_add_models()`` returns one ``ModelFactory`` per assignment, named
as the assignment's ``model``.  The template says, per assignment, what the
factory gets (the ``spec``, with the keys and example values of a quick
preparation) and what it must return (the reference factory's docstring);
a scratch assignment gets an FRNN class whose parameters, configuration and
``predict`` are written, leaving ``forward``, ``loss`` and
``loss_and_grads`` to the student.  ``--reference`` writes the same file
completed: the honest student FRNN of ``student_frnn.py`` for scratch
assignments (the suite's own engine would earn nothing: it is not the
student's work) and the suite's factories for the others.
"""
from __future__ import annotations

import inspect
import re
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnsuite.types import Assignment, ModelFactory, ScratchSpec, Variant

WIDTH = 100

HEADER = '''Submission for variant {number}: {title}.

Fill in every TODO and keep the factory names: the suite finds your models by them.

    rnnsuite check {filename} --variant {number}          # train it here and see every graded item (quick)
    rnnsuite check {filename} --variant {number} --full   # the real verdict on the bars
    rnnsuite grade {filename} --variant {number}          # what your instructor runs, in a sandbox

Each factory gets the assignment's ``spec`` (a dict of sizes: its keys are shown above each factory)
and returns an untrained model.  The suite's own routines train it exactly as they train the
reference, predict the test inputs and score them: only the model is yours.  A Keras model is
returned uncompiled: the suite compiles it with the assignment's optimizer and loss.
``rnnsuite info v{number}.K`` shows each task, its data and its bars.
'''

SECTION = '''{id} ({kind}, {network}){origin}
{task}
{task_ru}
spec: {spec}'''

SCRATCH_CLASS = '''
class {cls}:
    """{id}: the course's fully recurrent network (FRNN), numpy only, no autodiff.

        h_t = tanh(W x_t + U h_{{t-1}} + b_h),   h_0 = 0
        y_t = V h_t + b_y
    W: k x n,  U: k x k,  V: m x k,  b_h: k,  b_y: m   (float64 arrays in self.params)

    The graders write their own parameter values into self.params before each call and use
    their own data, so read the parameters from self.params on every call and keep no state
    between calls.  This assignment trains the network on:
{config}
    Write (the graders check each against the course's own FRNN):
      forward(X, mask=None) -> y: {y_shape}
      loss(X, targets, mask=None) -> float: the mean loss, {loss_text}
      loss_and_grads(X, targets, mask=None, truncate=None) -> (loss, {{"W": dW, "U": dU, "V": dV,
          "b_h": db_h, "b_y": db_y}}), by backpropagation through time, from the last step back:
            dL/dh_t = V^T dL/dy_t + U^T delta_{{t+1}},   delta_t = (1 - h_t^2) * dL/dh_t
            dW = sum_t delta_t x_t^T,  dU = sum_t delta_t h_{{t-1}}^T,  db_h = sum_t delta_t,
            dV = sum_t dL/dy_t h_t^T,  db_y = sum_t dL/dy_t
          With truncate=k the error of an output y_t flows back at most k steps.
    Graded: every gradient against the course's BPTT (relative error below 1e-6 for full
    credit) and against finite differences of your own loss; the outputs and the loss values;
    then the bars, scored by the course's FRNN holding your trained parameters (so predict
    must be what forward says).
    """

    def __init__(self, n, k, m):
        rng = np.random.default_rng(0)
        self.output, self.loss_name = {output!r}, {loss!r}
        self.params = {{
            "W": rng.standard_normal((k, n)) / np.sqrt(n),
            "U": np.linalg.qr(rng.standard_normal((k, k)))[0],
            "V": rng.standard_normal((m, k)) / np.sqrt(k),
            "b_h": np.zeros(k),
            "b_y": np.zeros(m),
        }}

    def forward(self, X, mask=None):
        raise NotImplementedError("TODO: h_t = tanh(W x_t + U h_(t-1) + b_h), y_t = V h_t + b_y")

    def loss(self, X, targets, mask=None):
        raise NotImplementedError("TODO: the mean loss of forward's outputs")

    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        raise NotImplementedError("TODO: the loss and its gradients by BPTT")

    def predict(self, X, mask=None):
        return {predict}
'''

FACTORY = '''def {fn}(spec):
    """{doc}"""
{body}
'''

FOOTER = '''def rnnsuite_add_models():
    return [
{entries}
    ]
'''

INPUTS = {"tokens": "X (B, T) integer token ids (x_t is the one-hot vector of id X[b, t]: W x_t is column "
                    "X[b, t] of W)",
          "vectors": "X (B, T, n) real vectors x_t"}
OUTPUTS = {"last": ("a target at the last step only: y_T", "(B, m), the outputs at the last step"),
           "all": ("a target at every step", "(B, T, m), the outputs at every step")}
LOSSES = {"ce": ("softmax cross-entropy -ln p_c with class ids c",
                 "self.forward(X, mask).argmax(axis=-1)  # class ids"),
          "bce": ("sigmoid cross-entropy -[d ln p + (1 - d) ln(1 - p)] with 0/1 targets d",
                  "(self.forward(X, mask)[..., 0] > 0).astype(int)  # 0/1 labels"),
          "mse": ("Haykin's E = 1/2 sum_j e_j^2, e = d - y", "self.forward(X, mask)  # the outputs y")}


def _slug(a: Assignment) -> str:
    return re.sub(r"\W", "_", a.model)


def _wrap(text: str, prefix: str) -> str:
    return "\n".join(textwrap.wrap(" ".join(text.split()), WIDTH - 2, initial_indent=prefix, subsequent_indent="  "))


def _config(s: ScratchSpec) -> str:
    lines = [INPUTS[s.inputs], f"{OUTPUTS[s.output][0]}, loss: {LOSSES[s.loss][0]}"]
    if s.masked:
        lines.append("left-padded sequences with mask (B, T) bool: where mask[b, t] is False the step is "
                     "padding, h_t = h_(t-1), and it carries no loss and no delta")
    if s.truncate is not None:
        lines.append(f"truncated BPTT over {s.truncate} steps (loss_and_grads gets truncate={s.truncate})")
    if s.carry_state:
        lines.append("a long text in chunks, the state carried over: forward, loss and loss_and_grads also take "
                     "h0=None ((B, k), the state before the first step instead of 0; no gradient flows into it) "
                     "and leave the final state h_T in self.last_state")
    return "\n".join(textwrap.fill(line, WIDTH - 8, initial_indent="      - ", subsequent_indent="        ")
                     for line in lines)


def example_spec(registry: Any, a: Assignment) -> dict[str, Any] | None:
    """The spec of a quick preparation (None if the data cannot be prepared here)."""
    from rnnsuite import pipeline
    from rnnsuite.context import RunContext

    try:
        with tempfile.TemporaryDirectory() as out:
            split = pipeline.prepare(RunContext(assignment=a, out_dir=Path(out), quick=True, registry=registry))
        return split.spec
    except Exception:  # noqa: BLE001 - the template still says what to do
        return None


def _brief(value: Any, depth: int = 0) -> str:
    """A value of the spec, short: long lists and strings and deep dicts are summarised."""
    if isinstance(value, dict):
        if depth >= 1 or len(value) > 8:
            return f"{{...{len(value)} keys: {', '.join(map(str, list(value)[:4]))}}}"
        return "{" + ", ".join(f"{k!r}: {_brief(v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return f"[...{len(value)} items]" if len(value) > 6 else "[" + ", ".join(_brief(v, depth + 1) for v in value) + "]"
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:37] + "...")
    if isinstance(value, float):
        return repr(round(value, 4))
    return repr(value)


def _show(spec: dict[str, Any] | None) -> str:
    if spec is None:
        return "(print(spec) to see its keys: the data could not be prepared here)"
    text = _brief(spec) + "  (a quick preparation: sizes differ in a full run)"
    return "\n  ".join(textwrap.wrap(text, WIDTH - 4))


def _hidden(factory: ModelFactory, spec: dict[str, Any] | None, default: int = 32) -> int:
    """The reference model's hidden size k, as a sensible default for the student's."""
    if spec is None:
        return default
    try:
        return int(factory.build(spec).params["U"].shape[0])
    except Exception:  # noqa: BLE001
        return default


def _doc(factory: ModelFactory) -> str:
    doc = inspect.getdoc(factory.build) or factory.description or "Build the model."
    return textwrap.indent(doc, "    ").strip()


@dataclass
class Part:
    """One piece of a submission: prose (comments in a .py, a markdown cell in a notebook) and code."""

    text: str
    code: str


def parts(variant: Variant, filename: str, registry: Any, reference: bool = False) -> list[Part]:
    """The submission, piece by piece: a header, the helpers, one part per assignment, the hook."""
    scratch = [a for a in variant.assignments if a.kind == "scratch"]
    imports = ["import numpy as np", "", "from rnnsuite.types import ModelFactory"] if scratch \
        else ["from rnnsuite.types import ModelFactory"]
    out = [Part(HEADER.format(number=variant.number, title=variant.title, filename=filename), "\n".join(imports))]
    if reference and scratch:
        source = Path(__file__).with_name("student_frnn.py").read_text()
        out.append(Part("An honest student's FRNN (rnnsuite/grading/student_frnn.py).",
                        source.split('"""', 2)[2].replace("import numpy as np\n", "", 1).strip()))
    entries = []
    for a in variant.assignments:
        factory = registry.model(a.model)
        spec = example_spec(registry, a)
        origin = "" if a.from_course else " - the course leaves this cell empty; rnnsuite sets the task below"
        text = SECTION.format(id=a.id, kind=a.kind, network=a.network, origin=origin, task=_wrap(a.task_en, "Task: "),
                              task_ru=_wrap(a.task_ru, "Задание: "), spec=_show(spec))
        code = []
        fn = f"build_{_slug(a)}"
        if a.kind == "scratch":
            s = a.scratch
            k = _hidden(factory, spec)
            if reference:
                body = (f"    return StudentFRNN(spec[\"n\"], {k}, spec[\"m\"], output={s.output!r}, loss={s.loss!r}, "
                        "seed=spec.get(\"seed\", 0))")
            else:
                cls = f"FRNN_{a.id.replace('.', '_')}"
                code.append(SCRATCH_CLASS.format(
                    cls=cls, id=a.id, config=_config(s), y_shape=OUTPUTS[s.output][1], loss_text=LOSSES[s.loss][0],
                    output=s.output, loss=s.loss, predict=LOSSES[s.loss][1]).strip())
                body = f"    return {cls}(spec[\"n\"], {k}, spec[\"m\"])  # k = {k} hidden units: your choice"
        elif reference:
            module, name = factory.build.__module__, factory.build.__name__
            if not name.isidentifier() or module.startswith("rnnsuite_local_"):
                raise ValueError(f"the factory {a.model!r} is not importable by name ({module}.{name})")
            body = f"    from {module} import {name} as reference\n\n    return reference(spec)"
        else:
            body = f'    raise NotImplementedError("TODO: build and return the {a.kind} model described above")'
        code.append(FACTORY.format(fn=fn, doc=f"{a.id} ({a.network}): what to return.\n\n    " + _doc(factory),
                                   body=body).strip())
        out.append(Part(text, "\n\n\n".join(code)))
        entries.append(f"        ModelFactory({a.model!r}, {a.kind!r}, {fn}, {a.id!r}),")
    out.append(Part("The suite finds your factories here: keep this as it is.",
                    FOOTER.format(entries="\n".join(entries)).strip()))
    return out


def write(variant: Variant, filename: str, registry: Any, reference: bool = False) -> str:
    """The template (or, with ``reference``, the completed submission) as a .py file."""
    pieces = parts(variant, filename, registry, reference)
    header, rest = pieces[0], pieces[1:]
    text = f'"""{header.text}"""\n{header.code}\n'
    for part in rest:
        comment = "\n".join(f"# {line}".rstrip() for line in part.text.splitlines())
        text += f"\n\n# {'-' * (WIDTH - 2)}\n{comment}\n\n{part.code}\n"
    return text


def write_notebook(variant: Variant, filename: str, registry: Any, reference: bool = False) -> str:
    """The same as a Jupyter notebook: a markdown cell and a code cell per part."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    for part in parts(variant, filename, registry, reference):
        nb.cells.append(nbformat.v4.new_markdown_cell(part.text))
        nb.cells.append(nbformat.v4.new_code_cell(part.code))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(nb)
