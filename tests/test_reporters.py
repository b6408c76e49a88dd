import json

from rich.console import Console

from rnnsuite import reporters
from rnnsuite.reporters import JSON_SCHEMA, JsonWriter, console_on_stderr, results_table
from rnnsuite.types import Bar, RunResult, Variant


def render(table) -> str:
    console = Console(record=True, width=200)
    console.print(table)
    return console.export_text()


def test_every_bar_of_a_metric_is_shown():
    metrics = {"mae": 1.5, "persistence_mae": 2.0, "mean3_mae": 1.4}
    bars = [Bar("mae", "persistence_mae", higher_is_better=False), Bar("mae", "mean3_mae", higher_is_better=False)]
    result = RunResult("v6.1", "failed", metrics=metrics, bars=[b.check(metrics) for b in bars])
    text = render(results_table([result]))
    assert "< persistence_mae (2)" in text and "< mean3_mae (1.4)" in text
    assert "FAIL" in text  # one of the two bars is missed


def test_error_row_carries_the_message():
    text = render(results_table([RunResult("v5.1", "error", error="DataError: file is empty")]))
    assert "file is empty" in text


def test_json_writer_writes_each_result_then_the_summary(tmp_path):
    writer = JsonWriter()
    writer.run_started(out_dir=tmp_path)
    first = RunResult("v5.1", "passed", metrics={"accuracy": 0.7})
    writer.assignment_finished(first)
    assert json.loads((tmp_path / "v5.1" / "result.json").read_text())["metrics"] == {"accuracy": 0.7}
    writer.run_finished([first], tmp_path)
    assert json.loads((tmp_path / "summary.json").read_text())["results"][0]["assignment"] == "v5.1"
    assert not list(tmp_path.rglob("*.tmp"))


def test_result_files_are_strict_json_even_with_nan(tmp_path):
    writer = JsonWriter()
    writer.run_started(out_dir=tmp_path)
    writer.assignment_finished(RunResult("v5.1", "failed", metrics={"accuracy": float("nan"), "f1": 0.5}))
    text = (tmp_path / "v5.1" / "result.json").read_text()
    assert "NaN" not in text
    assert json.loads(text)["metrics"] == {"accuracy": None, "f1": 0.5}


def test_quick_runs_do_not_shout_fail():
    metrics = {"accuracy": 0.55}
    checks = [Bar("accuracy", 0.68).check(metrics)]
    quick = render(results_table([RunResult("v5.1", "failed", metrics=metrics, bars=checks, quick=True)]))
    full = render(results_table([RunResult("v5.1", "failed", metrics=metrics, bars=checks, quick=False)]))
    assert "not met (quick)" in quick and "FAIL" not in quick
    assert "FAIL" in full


def test_summary_is_the_documented_document(tmp_path):
    """summary.json is what `run --json` prints: the run's settings, then the results (docs/cli.md)."""
    writer = JsonWriter()
    writer.run_started(out_dir=tmp_path, variant=Variant(5, "five", ()), seed=3, quick=True)
    writer.run_finished([RunResult("v5.1", "passed")], tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert list(summary) == ["schema", "variant", "title", "seed", "quick", "out_dir", "assignments", "results"]
    assert summary["schema"] == JSON_SCHEMA == 1 and summary["variant"] == 5 and summary["seed"] == 3
    assert summary["out_dir"] == str(tmp_path) and summary["results"][0]["assignment"] == "v5.1"


def test_console_on_stderr_leaves_stdout_to_a_json_document(capsys, monkeypatch):
    monkeypatch.delenv(reporters.QUIET, raising=False)
    result = RunResult("v5.1", "passed", metrics={"accuracy": 0.7})
    with console_on_stderr():
        reporters._console.assignment_finished(result)
    out, err = capsys.readouterr()
    assert out == "" and "v5.1" in err and "0.7" in err
    reporters._console.assignment_finished(result)  # and back to stdout afterwards
    out, err = capsys.readouterr()
    assert "v5.1" in out and err == ""
