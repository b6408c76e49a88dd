"""The built-in graders: metric bars, BPTT gradients, forward pass and loss, on typed outcomes.

The scratch graders are tried with an honest student's FRNN (full marks) and
with submissions that exploit each way the old checks could be fooled.
"""
import subprocess
import sys

import numpy as np
import pytest
from rnnsuite.graders import forward, gradients, metrics, rnnsuite_add_graders

from rnnsuite.grading import probe
from rnnsuite.grading.student_frnn import StudentFRNN
from rnnsuite.manager import Manager
from rnnsuite.scratch import FRNN
from rnnsuite.types import Assignment, Bar, Grader, Outcome, ScratchSpec

TOKENS = ScratchSpec(inputs="tokens", output="last", loss="ce", masked=True)
SERIES = ScratchSpec(inputs="vectors", output="last", loss="mse")
EVERY_STEP = ScratchSpec(inputs="vectors", output="all", loss="ce", truncate=2)


def assignment(kind="scratch", bars=(), scratch=None):
    def unused(*args):
        raise AssertionError("not called by graders")

    return Assignment(id="v9.1", kind=kind, network="FRNN", task_en="t", task_ru="t", datasets=(), model="frnn",
                      prepare=unused, train=unused, predict=unused, evaluate=unused, bars=bars, metrics=("acc",),
                      scratch=scratch if kind == "scratch" else None)


def sizes(scratch):
    return (40, 2) if scratch.inputs == "tokens" else (3, 1 if scratch.loss == "mse" else 3)


def outcome_of(model, scratch=TOKENS, seed=0, agree=1.0):
    """What the grading parent would build for this model, asked in-process."""
    n, m = sizes(scratch)
    evidence = probe.question(model, scratch, seed, n, m)
    evidence.trained = {k: np.asarray(v, dtype=np.float64) for k, v in model.params.items()}
    evidence.predictions_agree = agree
    return Outcome(assignment=assignment(scratch=scratch), scratch=evidence)


def student(scratch=TOKENS, cls=StudentFRNN, k=6):
    n, m = sizes(scratch)
    seed = {"rng": 1} if issubclass(cls, FRNN) else {"seed": 1}
    return cls(n, k, m, output=scratch.output, loss=scratch.loss, **seed)


def grade_all(outcome):
    items = gradients.grade_gradients(outcome) + forward.grade(outcome)
    return {i.name: i for i in items}


def test_hook_returns_the_graders_and_the_plugin_loads():
    graders = rnnsuite_add_graders()
    assert all(isinstance(g, Grader) for g in graders)
    assert [g.name for g in graders] == ["metric-bars", "bptt-gradients", "forward-pass", "structure"]
    registry = Manager().load().registry
    scratch = {g.name for g in registry.graders_for(assignment("scratch", (Bar("acc", 0.5),), TOKENS))}
    keras = {g.name for g in registry.graders_for(assignment("keras", bars=(Bar("acc", 0.5),)))}
    assert {"bptt-gradients", "forward-pass", "metric-bars"} <= scratch
    assert "metric-bars" in keras and not keras & {"bptt-gradients", "forward-pass"}


def test_graders_import_without_tensorflow():
    code = "import sys, rnnsuite.graders, rnnsuite.scratch; assert 'tensorflow' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_metric_bars_with_partial_credit():
    bars = (Bar("accuracy", 0.9, floor=0.5, why="course bar"), Bar("mae", "persistence_mae", higher_is_better=False),
            Bar("bleu", 20.0))
    items = metrics.grade_bars(Outcome(assignment("keras", bars),
                                       metrics={"accuracy": 0.7, "mae": 1.0, "persistence_mae": 1.5}))
    assert [i.name for i in items] == ["accuracy >= 0.9", "mae < persistence_mae", "bleu >= 20"]
    assert items[0].score == pytest.approx(0.5) and not items[0].passed and "course bar" in items[0].message
    assert items[1].score == 1.0 and items[1].passed and "persistence_mae = 1.5" in items[1].message
    assert items[2].score == 0.0 and "missing" in items[2].message


@pytest.mark.parametrize("scratch", [TOKENS, SERIES, EVERY_STEP], ids=["tokens", "series", "every-step"])
@pytest.mark.parametrize("cls", [StudentFRNN, FRNN], ids=["student", "reference"])
def test_a_correct_frnn_gets_every_item(scratch, cls):
    items = grade_all(outcome_of(student(scratch, cls), scratch))
    assert list(items) == ["gradient W", "gradient U", "gradient V", "gradient b_h", "gradient b_y", "forward pass",
                           "loss"]
    assert all(i.passed and i.score == 1.0 and i.max_score == 1.0 for i in items.values()), items
    n, _ = sizes(scratch)
    assert f"over all {6 * n} coordinates" in items["gradient W"].message  # every coordinate of W (k = 6), no sample


def test_the_checks_use_every_path_the_assignment_trains_with():
    cases = probe.plan(5, {"W": (6, 40), "U": (6, 6), "V": (2, 6), "b_h": (6,), "b_y": (2,)}, TOKENS, 40, 2)
    first = cases[0]
    assert first.mask is not None and not first.mask.all() and (first.X[~first.mask] == 0).all()
    assert any(len(np.unique(row[row > 0])) < (row > 0).sum() for row in first.X), "repeated token ids"
    assert not np.array_equal(cases[0].X[:, :5], cases[1].X) and cases[1].params is first.params
    truncated = probe.plan(5, {"W": (6, 3), "U": (6, 6), "V": (3, 6), "b_h": (6,), "b_y": (3,)}, EVERY_STEP, 3, 3)
    assert [c.truncate for c in truncated] == [None, None, 2] and truncated[0].targets.shape == (4, 6)
    again = probe.plan(5, {"W": (6, 40), "U": (6, 6), "V": (2, 6), "b_h": (6,), "b_y": (2,)}, TOKENS, 40, 2)
    other = probe.plan(6, {"W": (6, 40), "U": (6, 6), "V": (2, 6), "b_h": (6,), "b_y": (2,)}, TOKENS, 40, 2)
    assert np.array_equal(again[0].X, first.X) and not np.array_equal(other[0].X, first.X)


# -- submissions that used to pass, each with the item it exploited ----------------------------------------
class ZeroW(StudentFRNN):
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        loss, g = super().loss_and_grads(X, targets, mask, truncate)
        g["W"] = np.zeros_like(g["W"])
        return loss, g


def deltas(model, X, targets, mask):
    """delta_t of every step, for a model answering at the last step (a student's backward loop)."""
    _, dys, hs = model._output_grads(X, targets, mask)
    dh, out = dys[-1] @ model.params["V"], {}
    for t in range(X.shape[1] - 1, -1, -1):
        keep = np.ones((len(X), 1)) if mask is None else mask[:, t:t + 1]
        out[t] = dh * (1 - hs[t + 1] ** 2) * keep
        dh = out[t] @ model.params["U"] + dh * (1 - keep)
    return out


class OverwritesDuplicateIds(StudentFRNN):
    """dW[:, ids] = delta: a token id repeated in the batch keeps only one delta."""

    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        loss, g = super().loss_and_grads(X, targets, mask, truncate)
        g["W"] = np.zeros_like(g["W"])
        for t, delta in deltas(self, X, targets, mask).items():
            g["W"][:, X[:, t]] += delta.T
        return loss, g


class NextInputInW(StudentFRNN):
    """dW = sum_t delta_t x_{t+1}^T: the input of the wrong step."""

    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        loss, g = super().loss_and_grads(X, targets, mask, truncate)
        g["W"] = np.zeros_like(g["W"])
        for t, delta in deltas(self, X, targets, mask).items():
            np.add.at(g["W"].T, X[:, min(t + 1, X.shape[1] - 1)], delta)
        return loss, g


class IgnoresMask(StudentFRNN):
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        loss = self.loss(X, targets, mask)
        return loss, super().loss_and_grads(X, targets, None, truncate)[1]


class KeepsState(StudentFRNN):
    """Carries h across calls, as min-char-rnn does between chunks, but forgets to reset it."""

    def _states(self, X, mask, h0=None):
        hs = super()._states(X, mask, h0) if not hasattr(self, "_h") else self._continue(X, mask)
        self._h = hs[-1]
        return hs

    def _continue(self, X, mask):
        p, h = self.params, self._h[: len(X)]
        hs = [h]
        for t in range(X.shape[1]):
            new = np.tanh(self._Wx(X, t) + h @ p["U"].T + p["b_h"])
            new = new if mask is None else np.where(mask[:, t:t + 1], new, h)
            hs.append(new)
            h = new
        return hs


class ZeroLoss(StudentFRNN):
    def loss(self, X, targets, mask=None):
        return 0.0

    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        return 0.0, {name: np.zeros_like(p) for name, p in self.params.items()}


class NoHalf(StudentFRNN):
    """1/2 dropped from both the loss and its gradient: consistent, but not the course's loss."""

    def loss(self, X, targets, mask=None):
        return 2 * super().loss(X, targets, mask)

    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        loss, g = super().loss_and_grads(X, targets, mask, truncate)
        return 2 * loss, {name: 2 * v for name, v in g.items()}


class FiniteDifferences(StudentFRNN):
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        grads = {}
        for name, p in self.params.items():
            grads[name] = np.zeros_like(p)
            flat = p.reshape(-1)
            for i in range(flat.size):
                w = flat[i]
                flat[i] = w + 1e-5
                up = self.loss(X, targets, mask)
                flat[i] = w - 1e-5
                down = self.loss(X, targets, mask)
                flat[i] = w
                grads[name].reshape(-1)[i] = (up - down) / 2e-5
        return self.loss(X, targets, mask), grads


@pytest.mark.parametrize("cls, lost", [
    (ZeroW, {"gradient W"}),
    (OverwritesDuplicateIds, {"gradient W"}),
    (NextInputInW, {"gradient W"}),
    (IgnoresMask, {"gradient W", "gradient U", "gradient b_h"}),
    (KeepsState, {"gradient W", "gradient U", "gradient V", "gradient b_h", "gradient b_y", "forward pass", "loss"}),
    (ZeroLoss, {"gradient W", "gradient U", "gradient V", "gradient b_h", "gradient b_y", "loss"}),
])
def test_exploits_of_the_old_checks_now_lose_the_items_they_used(cls, lost):
    items = grade_all(outcome_of(student(TOKENS, cls)))
    failed = {name for name, item in items.items() if not item.passed}
    assert lost <= failed, {name: items[name].message for name in lost - failed}
    honest = grade_all(outcome_of(student(TOKENS)))
    assert all(i.passed for i in honest.values())


def test_a_loss_without_the_half_is_not_the_courses():
    items = grade_all(outcome_of(student(SERIES, NoHalf), SERIES))
    assert not items["loss"].passed and "course's loss" in items["loss"].message
    assert not any(items[f"gradient {p}"].passed for p in ("W", "U", "V", "b_h", "b_y"))
    assert "2 times" in items["gradient V"].message  # the diagnosis names the scaling


def test_finite_differences_instead_of_bptt_are_reported():
    items = grade_all(outcome_of(student(SERIES, FiniteDifferences, k=8), SERIES))
    assert all(items[f"gradient {p}"].passed for p in ("W", "U", "V"))  # the numbers are right ...
    assert "finite differences instead of backpropagation" in items["gradient W"].message  # ... the method is not
    honest = grade_all(outcome_of(student(SERIES, k=8), SERIES))
    assert "finite differences instead" not in honest["gradient W"].message


def test_predictions_the_trained_parameters_do_not_give_lose_the_forward_item():
    items = grade_all(outcome_of(student(SERIES), SERIES, agree=0.4))
    assert not items["forward pass"].passed and items["forward pass"].score == 0.5
    assert "reproduces 40.0%" in items["forward pass"].message


def test_parameter_shapes_must_be_the_assignments():
    with pytest.raises(probe.ProbeError, match="n = 40"):
        probe.check_shapes({"W": (1, 3), "U": (1, 1), "V": (1, 1), "b_h": (1,), "b_y": (1,)}, 40, 2)
    evidence = probe.question(StudentFRNN(3, 1, 1, loss="mse"), TOKENS, 0, 40, 2)
    items = grade_all(Outcome(assignment(scratch=TOKENS), scratch=evidence))
    assert all(i.score == 0 for i in items.values()) and "n = 40" in items["gradient W"].message


def test_the_suites_own_engine_earns_nothing():
    evidence = probe.question(FRNN(40, 6, 2), TOKENS, 0, 40, 2)
    evidence.borrowed = "rnnsuite.scratch.frnn (alice.py, line 3)"
    items = grade_all(Outcome(assignment(scratch=TOKENS), scratch=evidence))
    assert all(i.score == 0 for i in items.values()) and "suite's own scratch engine" in items["loss"].message


def test_gradient_credit_is_linear_in_log_error():
    assert gradients.credit(1e-9) == 1.0
    assert gradients.credit(1e-5) == pytest.approx(0.5)
    assert gradients.credit(1e-4) == pytest.approx(0.0) and gradients.credit(0.3) == 0.0
    assert gradients.credit(float("nan")) == 0.0


def test_the_graders_say_what_they_could_not_check():
    items = gradients.grade_gradients(Outcome(assignment(scratch=TOKENS), reason="timed out after 5 s"))
    # one zero item per parameter: the maximum score is the same for every student
    assert [i.name for i in items] == [f"gradient {p}" for p in ("W", "U", "V", "b_h", "b_y")]
    assert all(i.score == 0 and "timed out" in i.message for i in items)
    broken = probe.question(object(), TOKENS, 0, 40, 2)
    items = grade_all(Outcome(assignment(scratch=TOKENS), scratch=broken))
    assert all(i.score == 0 and "no params dict" in i.message for i in items.values())


# -- assignments that carry the state between chunks (ScratchSpec.carry_state) -----------------------------
CARRIED = ScratchSpec(inputs="tokens", output="all", loss="ce", carry_state=True)


class IgnoresH0(StudentFRNN):
    """Starts every pass from zero, whatever h0 it is given."""

    def _states(self, X, mask, h0=None):
        return super()._states(X, mask)


def test_a_carry_state_assignment_is_probed_from_a_random_h0():
    shapes = {"W": (6, 40), "U": (6, 6), "V": (40, 6), "b_h": (6,), "b_y": (40,)}
    cases = probe.plan(3, shapes, CARRIED, 40, 40)
    assert [c.h0 is None for c in cases] == [True, True, False]
    assert cases[-1].h0.shape == (4, 6) and np.abs(cases[-1].h0).max() > 0
    assert all(c.h0 is None for c in probe.plan(3, {**shapes, "V": (2, 6), "b_y": (2,)}, TOKENS, 40, 2))


@pytest.mark.parametrize("cls", [StudentFRNN, FRNN], ids=["student", "reference"])
def test_a_model_that_starts_from_h0_gets_every_item(cls):
    items = grade_all(outcome_of(student(CARRIED, cls), CARRIED))
    assert all(i.passed and i.score == 1.0 for i in items.values()), items


def test_a_model_that_ignores_h0_fails_and_is_told_why():
    items = grade_all(outcome_of(student(CARRIED, IgnoresH0), CARRIED))
    assert not items["gradient U"].passed and items["gradient U"].score == 0.0
    assert "h0 was ignored" in items["gradient U"].message
    assert not items["forward pass"].passed and not items["loss"].passed

