"""The built-in graders: metric bars, BPTT gradients, forward pass."""
import subprocess
import sys

import numpy as np
import pytest

from rnnsuite.graders import forward, gradients, metrics, rnnsuite_add_graders
from rnnsuite.manager import Manager
from rnnsuite.scratch import FRNN
from rnnsuite.scratch.gradcheck import random_problem
from rnnsuite.types import Assignment, Bar, GradeItem, Grader


def assignment(kind="scratch", bars=()):
    def unused(*args):
        raise AssertionError("not called by graders")

    return Assignment(id="v9.1", kind=kind, network="FRNN", task_en="t", task_ru="t", datasets=(), model="frnn",
                      prepare=unused, train=unused, predict=unused, evaluate=unused, bars=bars)


def data(loss="ce", output="last", seed=0):
    m = 1 if loss == "bce" else 3
    return random_problem(3, m, batch=4, steps=5, loss=loss, output=output, rng=seed)


def test_hook_returns_the_three_graders_and_the_plugin_loads():
    graders = rnnsuite_add_graders()
    assert all(isinstance(g, Grader) for g in graders)
    assert [g.name for g in graders] == ["metric-bars", "bptt-gradients", "forward-pass"]
    registry = Manager().load().registry
    assert {"metric-bars", "bptt-gradients", "forward-pass"} <= set(registry.graders)
    scratch = {g.name for g in registry.graders_for(assignment("scratch", bars=(Bar("acc", 0.5),)))}
    keras = {g.name for g in registry.graders_for(assignment("keras", bars=(Bar("acc", 0.5),)))}
    assert {"bptt-gradients", "forward-pass", "metric-bars"} <= scratch
    assert "metric-bars" in keras and not keras & {"bptt-gradients", "forward-pass"}


def test_graders_import_without_tensorflow():
    code = "import sys, rnnsuite.graders, rnnsuite.scratch; assert 'tensorflow' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_metric_bars_with_partial_credit():
    bars = (Bar("accuracy", 0.9, floor=0.5, why="course bar"), Bar("mae", "persistence_mae", higher_is_better=False),
            Bar("bleu", 20.0))
    items = metrics.grade_bars({"assignment": assignment("keras", bars),
                                "metrics": {"accuracy": 0.7, "mae": 1.0, "persistence_mae": 1.5}})
    assert [i.name for i in items] == ["accuracy >= 0.9", "mae < persistence_mae", "bleu >= 20"]
    assert items[0].score == pytest.approx(0.5) and not items[0].passed and "course bar" in items[0].message
    assert items[1].score == 1.0 and items[1].passed and "persistence_mae = 1.5" in items[1].message
    assert items[2].score == 0.0 and "missing" in items[2].message


@pytest.mark.parametrize("loss, output", [("ce", "last"), ("bce", "all"), ("mse", "all")])
def test_correct_model_gets_full_gradient_and_forward_credit(loss, output):
    X, y, mask = data(loss, output)
    model = FRNN(3, 5, 1 if loss == "bce" else 3, output=output, loss=loss, rng=1)
    outcome = {"assignment": assignment(), "metrics": {}, "model": model, "gradcheck_data": (X, y, mask)}
    items = gradients.grade_gradients(outcome)
    assert [i.name for i in items] == ["gradient W", "gradient U", "gradient V", "gradient b_h", "gradient b_y"]
    assert all(i.passed and i.score == 1.0 and i.max_score == 1.0 for i in items)
    [item] = forward.grade_forward(outcome)
    assert item.passed and item.score == 1.0


class ForgetsTime(FRNN):
    def _carry(self, delta):
        return np.zeros_like(delta)


def test_broken_bptt_loses_credit_with_its_diagnosis():
    X, y, _ = data()
    model = ForgetsTime(3, 5, 3, rng=1)
    items = {i.name: i for i in gradients.grade_gradients({"model": model, "gradcheck_data": (X, y)})}
    assert items["gradient V"].score == 1.0 and items["gradient b_y"].score == 1.0
    assert items["gradient U"].score < 1.0 and not items["gradient U"].passed
    assert "not carried through time" in items["gradient U"].message
    assert "not carried" not in items["gradient V"].message


def test_gradient_credit_is_linear_in_log_error():
    assert gradients.credit(1e-9) == 1.0
    assert gradients.credit(1e-5) == pytest.approx(0.5)
    assert gradients.credit(1e-4) == pytest.approx(0.0) and gradients.credit(0.3) == 0.0
    assert gradients.credit(float("nan")) == 0.0


def test_gradient_grader_reports_what_it_could_not_check():
    items = gradients.grade_gradients({"model": None, "gradcheck_data": None})
    # one zero item per parameter: the maximum score is the same for every student
    assert [i.name for i in items] == [f"gradient {p}" for p in ("W", "U", "V", "b_h", "b_y")]
    assert all(i.score == 0 and "no model to check" in i.message for i in items)
    X, y, _ = data()
    items = gradients.grade_gradients({"model": FRNN(3, 5, 3, dtype=np.float32), "gradcheck_data": (X, y)})
    assert len(items) == 5 and all(i.score == 0 and "float64" in i.message for i in items)


class Submission:
    """A student's FRNN, not derived from the reference: stores nothing but params."""

    def __init__(self, params, bug=False):
        self.params, self.bug = params, bug

    def forward(self, X, mask=None):
        p, h = self.params, np.zeros((len(X), self.params["U"].shape[0]))
        for t in range(X.shape[1]):
            pre = X[:, t] @ p["W"].T + h @ (p["U"] if self.bug else p["U"].T) + p["b_h"]
            h = np.tanh(pre)
        return h @ p["V"].T + p["b_y"]


def test_forward_grader_compares_with_the_reference():
    X, y, _ = data()
    params = FRNN(3, 5, 3, rng=2).params
    good = forward.grade_forward({"model": Submission(params), "forward_data": (X,)})[0]
    bad = forward.grade_forward({"model": Submission(params, bug=True), "gradcheck_data": (X, y)})[0]
    assert good.passed and good.score == 1.0
    assert not bad.passed and bad.score == 0.0 and "relative difference" in bad.message
    crashed = forward.grade_forward({"model": object(), "forward_data": X})[0]
    assert crashed.score == 0.0 and "could not compare" in crashed.message
    assert isinstance(crashed, GradeItem)
