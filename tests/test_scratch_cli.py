"""``rnnsuite gradcheck`` through click's CliRunner."""
import json

import pytest
from click.testing import CliRunner

from rnnsuite.cli import cli


def run(*args):
    return CliRunner().invoke(cli, ["gradcheck", *args])


def test_default_check_passes_with_a_table():
    result = run()
    assert result.exit_code == 0, result.output
    for name in ("W", "U", "V", "b_h", "b_y", "max rel error", "pass"):
        assert name in result.output
    assert "FAIL" not in result.output


@pytest.mark.parametrize("args", [
    ["--loss", "bce", "--output", "all", "--truncate", "2"],
    ["--loss", "ce", "--output", "all", "--truncate", "1", "--tokens", "--mask", "--steps", "6"],
    ["--loss", "mse", "--tokens", "--mask", "--steps", "7", "--hidden", "4", "--inputs", "5", "--outputs", "2"],
])
def test_json_result(args):
    result = run(*args, "--json", "--seed", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["passed"] is True
    assert [p["name"] for p in data["params"]] == ["W", "U", "V", "b_h", "b_y"]
    assert max(p["max_error"] for p in data["params"]) <= 1e-8


def test_truncation_to_one_step_with_outputs_at_every_step_passes():
    """Was full BPTT under the name truncate=1 (the check failed on the engine's own model)."""
    result = run("--output", "all", "--loss", "mse", "--truncate", "1")
    assert result.exit_code == 0, result.output
    assert "truncated BPTT, 1 steps" in result.output and "FAIL" not in result.output


def test_failing_check_exits_1(monkeypatch):
    from rnnsuite.scratch import frnn

    class NoTanhDerivative(frnn.FRNN):  # the model the CLI builds; the diagnosis keeps the true reference
        def _dtanh(self, h):
            return 1.0 + 0.0 * h

    monkeypatch.setattr(frnn, "FRNN", NoTanhDerivative)
    result = run()
    assert result.exit_code == 1
    assert "FAIL" in result.output and "tanh derivative missing" in " ".join(result.output.split())


@pytest.mark.parametrize("args", [["--hidden", "0"], ["--loss", "hinge"], ["--loss", "bce", "--outputs", "2"],
                                  ["--truncate", "0"], ["--output", "first"]])
def test_bad_arguments_are_usage_errors(args):
    result = run(*args)
    assert result.exit_code == 2
    assert "Error" in result.output


def test_cross_entropy_with_one_class_is_refused():
    result = CliRunner().invoke(cli, ["gradcheck", "--loss", "ce", "--outputs", "1"])
    assert result.exit_code == 2 and "at least two classes" in result.output
