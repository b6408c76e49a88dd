"""The diagnosis names each common BPTT bug, written the way students write it, and nothing for a right one.

``Student`` is a from-scratch FRNN as a student writes it (loops over time, a
list of states, its own losses), independent of the engine; every broken
class below rewrites one small method of it with one classic mistake.
"""
import itertools

import numpy as np
import pytest

from rnnsuite.scratch import FRNN
from rnnsuite.scratch.diagnose import (
    BIAS,
    BIAS_WAYS,
    LOSS_DIFFERS,
    MISTAKES,
    NOT_FINITE,
    NOT_TRUNCATED,
    OUTPUT_WRONG,
    RECURRENT,
    SIGN,
    STATE_BETWEEN_CALLS,
    SWEEP_CUT,
    TRUNCATED_TO,
    WRONG_SHAPE,
    diagnose,
    name_mistake,
)
from rnnsuite.scratch.gradcheck import check_gradients, random_problem

N, K, B, T = 3, 4, 4, 5  # 4 sequences over a vocabulary of 3: some id repeats at every step


class Student:
    """A from-scratch FRNN, as a student writes one."""

    def __init__(self, params, output="last", loss="ce"):
        self.params = {name: np.array(p, dtype=np.float64) for name, p in params.items()}
        self.output, self.loss_name = output, loss

    # -- forward: hs[0] = h_0, hs[t] = h_t; X[:, t - 1] is x_t ----------------
    def initial_state(self, batch):
        return np.zeros((batch, len(self.params["b_h"])))

    def states(self, X, mask):
        p, hs = self.params, [self.initial_state(len(X))]
        for t in range(1, X.shape[1] + 1):
            h = np.tanh(self.input_term(X[:, t - 1]) + hs[-1] @ p["U"].T + p["b_h"])
            if mask is not None:  # padding keeps the state
                h = np.where(mask[:, t - 1, None], h, hs[-1])
            hs.append(h)
        return hs

    def input_term(self, x_t):
        W = self.params["W"]
        return W[:, x_t].T if x_t.ndim == 1 else x_t @ W.T  # token ids pick columns of W

    def outputs(self, hs):
        p, T = self.params, len(hs) - 1
        return {t: hs[t] @ p["V"].T + p["b_y"] for t in (range(1, T + 1) if self.output == "all" else [T])}

    # -- loss: the mean over the scored outputs --------------------------------
    def row_loss(self, y, d):
        """Loss of each row and its dL/dy (not yet averaged)."""
        if self.loss_name == "ce":
            p = np.exp(y - y.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            rows, d = np.arange(len(y)), np.asarray(d).astype(int)
            loss = -np.log(p[rows, d])
            p[rows, d] -= 1
            return loss, p
        if self.loss_name == "bce":
            d, s = np.asarray(d, float).reshape(-1, 1), 1 / (1 + np.exp(-y))
            return -(d * np.log(s) + (1 - d) * np.log(1 - s))[:, 0], s - d
        e = np.asarray(d, float).reshape(y.shape) - y
        return 0.5 * (e ** 2).sum(axis=1), -e

    def average(self, dy, count):
        return dy / count

    def errors(self, ys, targets, mask):
        total, count, dys = 0.0, 0, {}
        for t, y in ys.items():
            d = targets if self.output == "last" else targets[:, t - 1]
            real = np.ones(len(y), bool) if mask is None or self.output == "last" else mask[:, t - 1]
            loss, dy = self.row_loss(y, d)
            total, count, dys[t] = total + loss[real].sum(), count + real.sum(), dy * real[:, None]
        count = max(count, 1)
        return total / count, {t: self.average(dy, count) for t, dy in dys.items()}

    def loss(self, X, targets, mask=None):
        return self.errors(self.outputs(self.states(np.asarray(X), mask)), np.asarray(targets), mask)[0]

    # -- backward --------------------------------------------------------------
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        X = np.asarray(X)
        hs = self.states(X, mask)
        value, dys = self.errors(self.outputs(hs), np.asarray(targets), mask)
        grads = {name: np.zeros_like(p) for name, p in self.params.items()}
        for t, dy in dys.items():
            self.add_output(grads, dy, hs[t])
        self.backward(grads, X, hs, mask, dys, truncate)
        return value, grads

    def backward(self, grads, X, hs, mask, dys, truncate):
        T = len(hs) - 1
        if truncate is None:
            self.sweep(grads, X, hs, mask, dys, range(T, 0, -1))
        else:  # each output on its own
            for t in dys:
                self.sweep(grads, X, hs, mask, {t: dys[t]}, self.truncated_steps(t, truncate))

    def truncated_steps(self, t, k):
        return range(t, max(t - k, 0), -1)  # t, t-1, ..., t-k+1

    def sweep(self, grads, X, hs, mask, dys, steps):
        dh = np.zeros_like(hs[0])
        for t in steps:
            if t in dys:
                dh = dh + dys[t] @ self.params["V"]
            dh = self.step_back(grads, X, hs, mask, t, dh)

    def step_back(self, grads, X, hs, mask, t, dh):
        real = np.ones(len(dh), bool) if mask is None else mask[:, t - 1]
        delta = self.delta(dh, hs, t) * real[:, None]
        self.add_step(grads, X, hs, t, delta)
        return np.where(real[:, None], self.carry(delta), dh)  # padding passes dh on

    def delta(self, dh, hs, t):
        return dh * (1 - hs[t] ** 2)

    def carry(self, delta):
        return delta @ self.params["U"]

    def add_output(self, grads, dy, h_t):
        grads["V"] += dy.T @ h_t
        grads["b_y"] += dy.sum(axis=0)

    def add_step(self, grads, X, hs, t, delta):
        self.add_input(grads["W"], X[:, t - 1], delta)
        grads["U"] += delta.T @ hs[t - 1]
        grads["b_h"] += delta.sum(axis=0)

    def add_input(self, dW, x_t, delta):
        if x_t.ndim == 1:
            np.add.at(dW.T, x_t, delta)
        else:
            dW += delta.T @ x_t


# -- the broken students ---------------------------------------------------------
class MaskIgnoredInBackward(Student):
    def step_back(self, grads, X, hs, mask, t, dh):
        delta = self.delta(dh, hs, t)
        self.add_step(grads, X, hs, t, delta)
        return self.carry(delta)


class MaskIgnored(Student):
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        return super().loss_and_grads(X, targets, None, truncate)


class KeepsState(Student):
    h_last = None

    def initial_state(self, batch):
        return super().initial_state(batch) if self.h_last is None else self.h_last

    def states(self, X, mask):
        hs = super().states(X, mask)
        self.h_last = hs[-1]
        return hs


class SumsOverBatch(Student):
    def average(self, dy, count):
        return dy  # the loss is a mean, its gradient a sum


class AveragesOverBatchOnly(Student):
    def average(self, dy, count):
        return dy / len(dy)  # B, where the loss divides by B * T


class HiddenBiasNotSummed(Student):
    def add_step(self, grads, X, hs, t, delta):
        self.add_input(grads["W"], X[:, t - 1], delta)
        grads["U"] += delta.T @ hs[t - 1]
        grads["b_h"] = delta.sum(axis=0)


class OutputBiasNotSummed(Student):
    def add_output(self, grads, dy, h_t):
        grads["V"] += dy.T @ h_t
        grads["b_y"] = dy.sum(axis=0)


class HiddenBiasAveragedOverTime(Student):
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        value, grads = super().loss_and_grads(X, targets, mask, truncate)
        grads["b_h"] /= np.shape(X)[1]
        return value, grads


class StateAfterTheStepInDU(Student):
    def add_step(self, grads, X, hs, t, delta):
        self.add_input(grads["W"], X[:, t - 1], delta)
        grads["U"] += delta.T @ hs[t]
        grads["b_h"] += delta.sum(axis=0)


class NextInputInDW(Student):
    def add_step(self, grads, X, hs, t, delta):
        if t < X.shape[1]:
            self.add_input(grads["W"], X[:, t], delta)
        grads["U"] += delta.T @ hs[t - 1]
        grads["b_h"] += delta.sum(axis=0)


class PreviousInputInDW(Student):  # Haykin's x(n-1) read literally
    def add_step(self, grads, X, hs, t, delta):
        if t > 1:
            self.add_input(grads["W"], X[:, t - 2], delta)
        grads["U"] += delta.T @ hs[t - 1]
        grads["b_h"] += delta.sum(axis=0)


class OverwritesRepeatedTokens(Student):
    def add_input(self, dW, x_t, delta):
        if x_t.ndim == 1:
            dW[:, x_t] += delta.T
        else:
            dW += delta.T @ x_t


class TanhPrimeOfPreviousState(Student):
    def delta(self, dh, hs, t):
        return dh * (1 - hs[t - 1] ** 2)


class TanhPrimeOfNextState(Student):
    def delta(self, dh, hs, t):
        h_next = hs[t + 1] if t + 1 < len(hs) else 0 * hs[t]
        return dh * (1 - h_next ** 2)


class TruncatesOneStepTooFar(Student):
    def truncated_steps(self, t, k):
        return range(t, max(t - k - 1, 0), -1)


class TruncatesOneStepShort(Student):
    def truncated_steps(self, t, k):
        return range(t, max(t - k + 1, 0), -1)


class IgnoresTruncation(Student):
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        return super().loss_and_grads(X, targets, mask)


class CutsTheWholeSweep(Student):
    def backward(self, grads, X, hs, mask, dys, truncate):
        T = len(hs) - 1
        self.sweep(grads, X, hs, mask, dys, range(T, 0 if truncate is None else max(T - truncate, 0), -1))


class NotThroughTime(Student):
    def carry(self, delta):
        return 0 * delta


class NoTanhDerivative(Student):
    def delta(self, dh, hs, t):
        return dh


class UntransposedU(Student):
    def carry(self, delta):
        return delta @ self.params["U"].T


class ErrorAsGradient(Student):
    def row_loss(self, y, d):
        loss, dy = super().row_loss(y, d)
        return loss, (-dy if self.loss_name == "mse" else dy)  # e = d - y taken for dL/dy


# -- helpers -------------------------------------------------------------------------
def random_params(m, seed):
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(size=(K, N)), "U": rng.normal(size=(K, K)) / np.sqrt(K),
            "V": rng.normal(size=(m, K)), "b_h": 0.3 * rng.normal(size=K), "b_y": 0.3 * rng.normal(size=m)}


def case(cls, *, output="last", loss="ce", tokens=False, masked=False, seed=0):
    m = 1 if loss == "bce" else 3
    params = random_params(m, seed)
    X, y, mask = random_problem(N, m, batch=B, steps=T, loss=loss, output=output, tokens=tokens, masked=masked,
                                rng=seed + 50)
    return cls(params, output=output, loss=loss), params, (X, y, mask)


def named(cls, truncate=None, **config):
    student, params, (X, y, mask) = case(cls, **config)
    _, grads = student.loss_and_grads(X, y, mask, truncate=truncate)
    return name_mistake(params, grads, X, y, mask, output=student.output, loss=student.loss_name,
                        truncate=truncate)


CONFIGS = list(itertools.product(("last", "all"), ("ce", "bce", "mse"), (False, True), (False, True)))


@pytest.mark.parametrize("output, loss, tokens, masked", CONFIGS)
@pytest.mark.parametrize("truncate", [None, 2])
def test_a_correct_student_is_named_nothing(output, loss, tokens, masked, truncate):
    student, params, (X, y, mask) = case(Student, output=output, loss=loss, tokens=tokens, masked=masked, seed=3)
    reference = FRNN.from_params(params, output=output, loss=loss)
    assert student.loss(X, y, mask) == pytest.approx(reference.loss(X, y, mask), rel=1e-12)
    assert named(Student, truncate, output=output, loss=loss, tokens=tokens, masked=masked, seed=3) is None


BOTH = [{"output": "last"}, {"output": "all", "loss": "mse"}]
TOKENS = [{"output": "last", "tokens": True}, {"output": "all", "loss": "bce", "tokens": True}]
MASKED = [{**c, "masked": True} for c in BOTH + TOKENS]
ALL = [{"output": "all"}, {"output": "all", "loss": "mse", "tokens": True, "masked": True}]


def bias(names, way):
    formulas = {"b_h": "db_h = sum_t delta_t", "b_y": "db_y = sum_t dL/dy_t"}
    return BIAS.format(names=" and ".join(f"d{n}" for n in names), formulas=" and ".join(formulas[n] for n in names),
                       how=BIAS_WAYS[way])


NAMED = [
    (MaskIgnoredInBackward, MASKED, MISTAKES["mask_ignored_backward"]),
    (MaskIgnored, MASKED, MISTAKES["mask_ignored"]),
    (HiddenBiasNotSummed, BOTH + MASKED, bias(["b_h"], "first")),
    (OutputBiasNotSummed, ALL, bias(["b_y"], "last")),
    (HiddenBiasAveragedOverTime, BOTH + TOKENS, bias(["b_h"], "mean")),
    (StateAfterTheStepInDU, BOTH + MASKED, MISTAKES["dU_h_t"]),
    (NextInputInDW, BOTH + TOKENS, MISTAKES["dW_x_next"]),
    (PreviousInputInDW, BOTH + TOKENS, MISTAKES["dW_x_previous"]),
    (OverwritesRepeatedTokens, TOKENS + MASKED[2:], MISTAKES["tokens_overwritten"]),
    (TanhPrimeOfPreviousState, BOTH + MASKED, MISTAKES["tanh_prime_previous"]),
    (TanhPrimeOfNextState, BOTH + TOKENS, MISTAKES["tanh_prime_next"]),
    (NotThroughTime, BOTH + TOKENS, MISTAKES["no_carry"]),
    (NoTanhDerivative, BOTH + MASKED, MISTAKES["no_tanh_prime"]),
    (UntransposedU, BOTH + TOKENS, MISTAKES["untransposed"]),
]


@pytest.mark.parametrize("cls, config, line", [(cls, c, line) for cls, configs, line in NAMED for c in configs],
                         ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_each_broken_student_is_named(cls, config, line):
    assert named(cls, **config) == line


TRUNCATION = [
    (TruncatesOneStepTooFar, 2, TRUNCATED_TO.format(found=3, asked=2)),
    (TruncatesOneStepShort, 3, TRUNCATED_TO.format(found=2, asked=3)),
    (IgnoresTruncation, 2, NOT_TRUNCATED.format(asked=2)),
    (CutsTheWholeSweep, 2, SWEEP_CUT.format(asked=2)),
]


@pytest.mark.parametrize("cls, truncate, line", TRUNCATION, ids=lambda v: v.__name__ if isinstance(v, type) else None)
@pytest.mark.parametrize("config", ALL + [{"output": "all", "loss": "bce", "tokens": True}])
def test_each_truncation_bug_is_named_with_its_length(cls, truncate, line, config):
    assert named(cls, truncate, **config) == line


def test_truncation_length_with_one_output():
    assert named(TruncatesOneStepTooFar, 2) == TRUNCATED_TO.format(found=3, asked=2)
    assert named(TruncatesOneStepTooFar, T - 1) == NOT_TRUNCATED.format(asked=T - 1)  # T steps back: all of them
    assert named(IgnoresTruncation, 3, output="last", masked=True) == NOT_TRUNCATED.format(asked=3)


@pytest.mark.parametrize("tokens", [False, True])
def test_scaling_by_the_batch_size_is_named_b_for_dense_and_token_inputs(tokens):
    line = named(SumsOverBatch, tokens=tokens)
    assert line.startswith("loss scaling") and f"{B} times" in line and "= B:" in line
    line = named(AveragesOverBatchOnly, output="all", loss="mse", tokens=tokens)
    assert line.startswith("loss scaling") and f"{T} times" in line and "= T:" in line
    assert "= B·T" in named(SumsOverBatch, output="all", tokens=tokens)
    assert "= N:" in named(SumsOverBatch, output="all", tokens=tokens, masked=True)


def test_sign_flip_is_named():
    assert named(ErrorAsGradient, loss="mse", output="all") == SIGN


def test_stale_state_across_calls_is_named_from_the_previous_call():
    student, params, (X, y, mask) = case(KeepsState, output="all", loss="ce", masked=True, seed=5)
    X_prev, y_prev, mask_prev = random_problem(N, 3, batch=B, steps=T + 2, loss="ce", output="all", masked=True,
                                               rng=99)
    student.loss(X_prev, y_prev, mask_prev)  # the call before leaves its h_T behind
    _, grads = student.loss_and_grads(X, y, mask)
    kwargs = {"output": "all", "loss": "ce"}
    assert name_mistake(params, grads, X, y, mask, previous=(X_prev, mask_prev), **kwargs) == MISTAKES["stale_state"]
    assert name_mistake(params, grads, X, y, mask, **kwargs) != MISTAKES["stale_state"]  # nothing to replay
    # a previous call of another batch size cannot have left this student's state
    other = X_prev[:2]
    assert name_mistake(params, grads, X, y, mask, previous=(other, None), **kwargs) != MISTAKES["stale_state"]
    with pytest.raises(ValueError, match="previous"):
        name_mistake(params, grads, X, y, mask, previous=X_prev, **kwargs)


def test_unusable_gradients_are_named():
    student, params, (X, y, mask) = case(Student)
    _, grads = student.loss_and_grads(X, y)
    kwargs = {"output": "last", "loss": "ce"}
    per_sequence = {**grads, "b_h": np.ones((B, K))}  # summed over time, not over the batch
    assert name_mistake(params, per_sequence, X, y, **kwargs) == WRONG_SHAPE.format(name="b_h", got=(B, K),
                                                                                    expected=(K,))
    assert name_mistake(params, {**grads, "U": np.full((K, K), np.nan)}, X, y, **kwargs) == NOT_FINITE.format(
        names="U")
    assert name_mistake(params, None, X, y, **kwargs) == NOT_FINITE.format(names="W, U, V, b_h, b_y")
    with pytest.raises(ValueError, match="output"):
        name_mistake(params, grads, X, y, output="first", loss="ce")


def test_unknown_mistakes_fall_back_on_which_gradients_are_wrong():
    student, params, (X, y, _) = case(Student, output="all", loss="mse")
    _, grads = student.loss_and_grads(X, y)
    kwargs = {"output": "all", "loss": "mse"}
    doubled = name_mistake(params, {**grads, "V": 2 * grads["V"]}, X, y, **kwargs)
    assert doubled.startswith("dV is 2 times the true gradient") and "other gradients are right" in doubled
    noisy = {**grads, "U": grads["U"] + 0.01 * np.random.default_rng(0).normal(size=(K, K))}
    assert name_mistake(params, noisy, X, y, **kwargs) == RECURRENT.format(names="U")
    assert name_mistake(params, {**grads, "b_y": grads["b_y"] + 0.1}, X, y, **kwargs) == OUTPUT_WRONG


# -- the gradient check's diagnosis rests on the same fingerprints ---------------------
@pytest.mark.parametrize("cls, config, line", [
    (MaskIgnoredInBackward, {"output": "all", "loss": "mse", "masked": True}, MISTAKES["mask_ignored_backward"]),
    (OverwritesRepeatedTokens, {"tokens": True}, MISTAKES["tokens_overwritten"]),
    (HiddenBiasNotSummed, {"output": "all", "loss": "bce"}, bias(["b_h"], "first")),
    (NextInputInDW, {"tokens": True}, MISTAKES["dW_x_next"]),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_a_failed_gradient_check_names_the_same_mistake(cls, config, line):
    student, _, (X, y, mask) = case(cls, **config)
    result = check_gradients(student, X, y, mask)
    assert not result.passed and result.diagnosis == line


class OutputLayerSumsOverBatch(Student):
    def add_output(self, grads, dy, h_t):
        super().add_output(grads, dy * len(dy), h_t)  # dV and db_y from p - onehot before the division by B


@pytest.mark.parametrize("tokens", [False, True])
def test_scaling_by_b_on_token_inputs_is_named_scaling_not_an_output_layer_mistake(tokens):
    """The issue: x B on token inputs was called 'output layer wrong'."""
    student, _, (X, y, _) = case(SumsOverBatch, tokens=tokens)
    X = np.where(X == 2, 1, X) if tokens else X  # token 2 never occurs: its column of dW is exactly 0
    result = check_gradients(student, X, y)
    assert result.diagnosis.startswith("loss scaling") and "= B:" in result.diagnosis
    assert diagnose(student, result).startswith("loss scaling")  # the pattern alone, without the data
    partly = check_gradients(case(OutputLayerSumsOverBatch, tokens=tokens)[0], X, y).diagnosis
    assert partly.startswith(f"dV is {B} times the true gradient (= B:") and f"db_y is {B} times" in partly
    assert "the other gradients are right" in partly


def test_a_loss_that_changes_between_calls_is_named_in_the_check():
    student, _, (X, y, mask) = case(KeepsState, output="all", loss="mse")
    result = check_gradients(student, X, y, mask)
    assert not result.passed and result.diagnosis == STATE_BETWEEN_CALLS


def test_right_gradients_of_a_wrong_loss_blame_the_loss():
    class LossIgnoresMask(Student):
        def loss(self, X, targets, mask=None):
            return super().loss(X, targets, None)

    student, _, (X, y, mask) = case(LossIgnoresMask, output="all", loss="ce", masked=True)
    result = check_gradients(student, X, y, mask)
    assert not result.passed and result.diagnosis == LOSS_DIFFERS


def test_non_finite_parameters_or_inputs_are_refused_in_one_line():
    student, params, (X, y, _) = case(Student)
    _, grads = student.loss_and_grads(X, y)
    with pytest.raises(ValueError, match="finite"):
        name_mistake({**params, "U": np.full((K, K), np.inf)}, grads, X, y, output="last", loss="ce")
    with pytest.raises(ValueError, match="finite"):
        name_mistake(params, grads, np.full((B, T, N), np.nan), y, output="last", loss="ce")
