"""Shared pieces of the language-model tests: a model seen from a fixed initial state."""
import numpy as np


class FromState:
    """A scratch model whose every pass starts from ``h0``: the plain protocol, so the gradient
    checker (which knows nothing of states) checks the carried-state configuration."""

    def __init__(self, model, h0):
        self.model, self.params, self.h0 = model, model.params, np.asarray(h0, dtype=np.float64)

    def loss(self, X, targets, mask=None, **kw):
        return self.model.loss(X, targets, mask, h0=self.h0, **kw)

    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        return self.model.loss_and_grads(X, targets, mask, truncate=truncate, h0=self.h0)


#: the model checks every scratch assignment is graded on
SCRATCH_ITEMS = ("gradient W", "gradient U", "gradient V", "gradient b_h", "gradient b_y", "forward pass", "loss")


def grade_honest_student(tmp_path, ident: str, model: str, output: str, plugins: tuple[str, ...] = ()):
    """Grade an honest student's FRNN for ``ident`` in quick mode; asserts every model check has full marks.

    Returns the assignment's result (its metrics are the reference FRNN's re-run of the trained parameters).
    """
    from grading_helpers import grade, student_submission

    from rnnsuite.grading import batch, sandbox
    from rnnsuite.manager import Manager

    registry = Manager().load(plugins).registry
    b = batch.Batch(registry, [registry.assignment(ident)],
                    batch.Settings(quick=True, plugins=plugins, limits=sandbox.Limits(timeout=300)))
    r = grade(b, tmp_path / "subs", "honest.py", student_submission(model, hidden=64, output=output, loss="ce"))
    assert r.status == "ok", r.errors
    checks = {i.name.split(" ", 1)[1]: i for i in r.items if i.name.split(" ", 1)[1] in SCRATCH_ITEMS}
    assert sorted(checks) == sorted(SCRATCH_ITEMS)
    assert all(i.passed and i.score == i.max_score for i in checks.values()), checks
    return r.assignments[0]


def quick_results_twice(tmp_path, ident: str) -> list[dict]:
    """``rnnsuite run --quick`` of one assignment twice with the same seed: both result.json documents."""
    import json

    from click.testing import CliRunner

    from rnnsuite.cli import cli

    variant, task = ident[1:].split(".")
    results = []
    for name in ("a", "b"):
        result = CliRunner().invoke(cli, ["run", "--variant", variant, "--task", task, "--quick", "--out",
                                          str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        results.append(json.loads((tmp_path / name / ident / "result.json").read_text()))
    return results


def run_on_file(tmp_path, ident: str, dataset: str, name: str, content: str):
    """``rnnsuite run --quick`` of one assignment with ``--data dataset=<a file holding content>``."""
    from click.testing import CliRunner

    from rnnsuite.cli import cli

    data = tmp_path / name
    data.write_text(content)
    variant, task = ident[1:].split(".")
    return CliRunner().invoke(cli, ["run", "--variant", variant, "--task", task, "--quick", "--out",
                                    str(tmp_path / "out"), "--data", f"{dataset}={data}"])
