"""The gradient check: the reference BPTT passes, each classic mistake fails and is named."""
import itertools

import numpy as np
import pytest

from rnnsuite.scratch import FRNN
from rnnsuite.scratch.diagnose import AGREE, MISTAKES, SIGN, diagnose
from rnnsuite.scratch.gradcheck import check_gradients, random_problem, relative_error

N, K = 3, 5


def problem(loss="ce", output="last", tokens=False, masked=False, seed=0, steps=6):
    m = 1 if loss == "bce" else 3
    model = FRNN(N, K, m, output=output, loss=loss, rng=seed)
    data = random_problem(N, m, batch=4, steps=steps, loss=loss, output=output, tokens=tokens, masked=masked,
                          rng=seed + 100)
    return model, data


CASES = list(itertools.product(("ce", "bce", "mse"), ("last", "all"), (None, 1, 2)))


@pytest.mark.parametrize("loss, output, truncate", CASES)
@pytest.mark.parametrize("tokens, masked", list(itertools.product((False, True), repeat=2)))
def test_reference_bptt_matches_finite_differences(loss, output, truncate, tokens, masked):
    model, (X, y, mask) = problem(loss, output, tokens, masked)
    result = check_gradients(model, X, y, mask, truncate=truncate)
    assert [p.name for p in result.params] == ["W", "U", "V", "b_h", "b_y"]
    for p in result.params:
        assert p.max_error <= 1e-8, (p.name, p.max_error)
        assert p.checked == model.params[p.name].size
    assert result.passed and result.diagnosis == AGREE


@pytest.mark.parametrize("truncate", [1, 2])
def test_truncated_gradient_differs_from_full_and_matches_only_its_own_reference(truncate):
    model, (X, y, mask) = problem("mse", "all", steps=7)
    _, full = model.loss_and_grads(X, y)
    _, cut = model.loss_and_grads(X, y, truncate=truncate)
    assert np.allclose(full["V"], cut["V"])  # the output layer is not recurrent
    assert not np.allclose(full["U"], cut["U"])
    # the full gradient does not pass against the truncated reference
    class Untruncated(FRNN):
        def loss_and_grads(self, X, targets, mask=None, truncate=None):
            return super().loss_and_grads(X, targets, mask)

    wrong = Untruncated.from_params(model.params, output="all", loss="mse")
    assert not check_gradients(wrong, X, y, truncate=truncate, diagnose=False).passed


def test_truncation_longer_than_the_sequence_is_full_bptt():
    model, (X, y, _) = problem("ce", "all", steps=4)
    _, full = model.loss_and_grads(X, y)
    _, long = model.loss_and_grads(X, y, truncate=10)
    for name in full:
        np.testing.assert_allclose(long[name], full[name], rtol=1e-12, atol=1e-15)
    assert model.loss(X, y, truncate=2) == pytest.approx(model.loss(X, y), rel=1e-12)


def test_large_parameters_are_sampled_with_a_seed():
    model = FRNN(40, 30, 2, rng=0)
    X, y, _ = random_problem(40, 2, batch=2, steps=3, loss="ce", output="last", rng=1)
    a = check_gradients(model, X, y, max_coords=50, seed=3)
    b = check_gradients(model, X, y, max_coords=50, seed=3)
    assert a.param("U").checked == 50 and a.param("b_h").checked == 30
    assert np.array_equal(a.numeric["U"][0], b.numeric["U"][0])
    assert a.passed


def test_relative_error_formula():
    a, n = np.array([1.0, 0.0, 1e-12, -2.0]), np.array([1.0, 1e-9, 0.0, 2.0])
    assert relative_error(a, n).tolist() == pytest.approx([0.0, 0.1, 1e-4, 1.0])
    assert relative_error(a, n, noise=1e-11)[2] == 0.0  # both below the rounding noise


def test_float32_models_are_refused():
    model = FRNN(2, 3, 2, dtype=np.float32)
    X, y, _ = random_problem(2, 2, batch=2, steps=3, loss="ce", output="last", rng=0)
    with pytest.raises(ValueError, match="float64"):
        check_gradients(model, X, y)


# -- deliberately broken implementations, as students write them ---------------
class NotThroughTime(FRNN):
    def _carry(self, delta):
        return np.zeros_like(delta)  # forgets U^T delta_{t+1}


class NoTanhDerivative(FRNN):
    def _dtanh(self, h):
        return np.ones_like(h)


class UntransposedU(FRNN):
    def _carry(self, delta):
        return delta @ self.params["U"].T  # U instead of U^T


class SignFlipped(FRNN):
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        loss, grads = super().loss_and_grads(X, targets, mask, truncate)
        return loss, {name: -g for name, g in grads.items()}


class SummedOverBatch(FRNN):
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        loss, grads = super().loss_and_grads(X, targets, mask, truncate)
        return loss, {name: g * len(X) for name, g in grads.items()}  # sum where the loss is a mean


class WrongOutputGradient(FRNN):
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        loss, grads = super().loss_and_grads(X, targets, mask, truncate)
        grads["b_y"] = grads["b_y"] + 0.1
        return loss, grads


class MissingGradient(FRNN):
    def loss_and_grads(self, X, targets, mask=None, truncate=None):
        loss, grads = super().loss_and_grads(X, targets, mask, truncate)
        del grads["U"]
        return loss, grads


def broken(cls, loss="ce", output="last", masked=False):
    model, (X, y, mask) = problem(loss, output, masked=masked, seed=4)
    model = cls.from_params(model.params, output=output, loss=loss)
    return check_gradients(model, X, y, mask)


@pytest.mark.parametrize("cls, mistake", [(NotThroughTime, "no_carry"), (NoTanhDerivative, "no_tanh_prime"),
                                          (UntransposedU, "untransposed")])
@pytest.mark.parametrize("loss, output", [("ce", "last"), ("mse", "all")])
def test_recurrent_mistakes_fail_and_are_named(cls, mistake, loss, output):
    result = broken(cls, loss, output)
    assert not result.passed
    assert result.param("V").passed and result.param("b_y").passed
    assert not result.param("U").passed
    assert result.diagnosis == MISTAKES[mistake]


def test_sign_flip_is_named():
    result = broken(SignFlipped, "bce", "all")
    assert not result.passed
    assert all(p.ratio == pytest.approx(-1) for p in result.params)
    assert result.diagnosis == SIGN


def test_loss_scaling_is_named_with_its_factor():
    result = broken(SummedOverBatch, "mse")
    assert not any(p.passed for p in result.params)
    assert result.diagnosis.startswith("loss scaling")
    assert "4 times" in result.diagnosis and "= B" in result.diagnosis


def test_output_layer_and_missing_gradients_are_reported():
    assert "output layer" in broken(WrongOutputGradient).diagnosis
    result = broken(MissingGradient)
    assert not result.param("U").passed and "missing or not finite for: U" in result.diagnosis


def test_diagnosis_without_frnn_attributes_finds_the_configuration():
    """A submission that is not an FRNN subclass: the configuration is recovered from its loss."""
    inner = NotThroughTime(N, K, 3, output="all", loss="mse", rng=2)

    class Submission:
        params = inner.params

        def loss(self, X, targets, mask=None):
            return inner.loss(X, targets, mask)

        def loss_and_grads(self, X, targets, mask=None):
            return inner.loss_and_grads(X, targets, mask)

    X, y, _ = random_problem(N, 3, batch=4, steps=5, loss="mse", output="all", rng=9)
    result = check_gradients(Submission(), X, y)
    assert not result.passed
    assert result.diagnosis == MISTAKES["no_carry"]
    assert diagnose(Submission(), result) != MISTAKES["no_carry"]  # without data: the pattern only
    assert "recurrence" in diagnose(Submission(), result)
