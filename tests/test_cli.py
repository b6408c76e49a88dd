import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import LINE_PLUGIN
from rnnsuite.cli import COMMANDS, cli

RNNSUITE = [sys.executable, "-c", "from rnnsuite.cli import main; main()"]


def run_cli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_help_lists_every_command_with_its_line():
    result = run_cli("--help")
    assert result.exit_code == 0
    section = result.stdout.split("\nCommands:\n", 1)[1]  # the table, not the usage examples above it
    names = [line.split()[0] for line in section.splitlines() if line.startswith("  ") and line[2] != " "]
    assert names == sorted(COMMANDS)
    flat = " ".join(section.split())
    for name, (_, line) in COMMANDS.items():
        assert f"{name} {line}" in flat


def test_every_command_in_the_table_loads_under_its_name():
    for name in COMMANDS:
        assert cli.get_command(None, name).name == name


def test_version():
    from rnnsuite import __version__

    result = run_cli("--version")
    assert result.exit_code == 0 and result.output.strip() == f"rnnsuite, version {__version__}"


@pytest.mark.parametrize("args", [["--help"], ["list"], ["list", "--json"], ["info", "v5.2", "--json"],
                                  ["data", "list", "--json"]])
def test_catalogue_commands_never_import_tensorflow(args):
    code = (
        "import sys\n"
        "from rnnsuite.cli import cli\n"
        f"cli.main({args!r}, standalone_mode=False)\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'pandas', 'music21') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_list_shows_builtins_and_a_local_plugin(write_plugin):
    plugin = write_plugin(LINE_PLUGIN)
    result = run_cli("-p", str(plugin), "list", "--json")
    data = json.loads(result.stdout)
    ids = {a["id"] for v in data["variants"] for a in v["assignments"]}
    assert {"v5.1", "v5.2", "v5.3", "v6.1", "v6.2", "v6.3", "v97.1"} <= ids
    by_number = {v["number"]: v for v in data["variants"]}
    assert by_number[5]["plugin"] == "variant5"
    assert by_number[97]["plugin"] == str(plugin)


def test_broken_plugin_is_one_line_and_builtins_still_list(write_plugin):
    bad = write_plugin("import no_such_module_at_all\n", "broken.py")
    proc = subprocess.run(RNNSUITE + ["-p", str(bad), "list"], capture_output=True, text=True)
    assert proc.returncode == 0
    warnings = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and "broken.py" in warnings[0] and "no_such_module_at_all" in warnings[0]
    assert "v5.1" in proc.stdout and "v6.3" in proc.stdout


def test_local_plugin_runs(write_plugin, tmp_path):
    plugin = write_plugin(LINE_PLUGIN)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["-p", str(plugin), "run", "--variant", "97", "--task", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "v97.1" / "result.json").read_text())
    assert saved["status"] == "passed"
    assert saved["metrics"]["mae"] < saved["metrics"]["zero_mae"]
    assert "v97.1" in result.output and "pass" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert [(r["assignment"], r["status"]) for r in summary["results"]] == [("v97.1", "passed")]


def test_failing_assignment_keeps_finished_results(write_plugin, tmp_path):
    plugin = write_plugin(LINE_PLUGIN)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["-p", str(plugin), "run", "--variant", "97", "--out", str(out)])
    assert result.exit_code == 1
    assert json.loads((out / "v97.1" / "result.json").read_text())["status"] == "passed"
    broken = json.loads((out / "v97.2" / "result.json").read_text())
    assert broken["status"] == "error" and "broken on purpose" in broken["error"]
    log = (out / "v97.2" / "error.log").read_text()
    assert log.startswith("Traceback") and "RuntimeError: this assignment is broken on purpose" in log
    # v97.3 ran after the error, and failed its (unreachable) bar without an error
    third = json.loads((out / "v97.3" / "result.json").read_text())
    assert third["status"] == "failed" and third["error"] is None
    summary = json.loads((out / "summary.json").read_text())
    assert [r["assignment"] for r in summary["results"]] == ["v97.1", "v97.2", "v97.3"]


def test_same_seed_same_metrics(write_plugin, tmp_path):
    plugin = str(write_plugin(LINE_PLUGIN))
    metrics = []
    for seed, name in ((3, "a"), (3, "b"), (4, "c")):
        out = tmp_path / name
        result = run_cli("-p", plugin, "run", "--variant", "97", "-t", "1", "--seed", str(seed), "--out", str(out))
        assert result.exit_code == 0, result.output
        metrics.append(json.loads((out / "v97.1" / "result.json").read_text())["metrics"])
    assert metrics[0] == metrics[1]
    assert metrics[0] != metrics[2]


def test_quick_and_epochs_take_effect(write_plugin, tmp_path):
    """The line plugin trains 20 epochs, 2 with --quick; --epochs overrides both."""
    end_of_train = "        return model\n\n    def predict"
    counting = LINE_PLUGIN.replace(end_of_train, "        ctx.info['epochs_trained'] = e + 1\n" + end_of_train)
    assert counting != LINE_PLUGIN
    plugin = str(write_plugin(counting))
    seen = {}
    for name, args in (("default", []), ("quick", ["--quick"]), ("epochs", ["--epochs", "5"]),
                       ("both", ["--quick", "--epochs", "5"])):
        out = tmp_path / name
        result = run_cli("-p", plugin, "run", "--variant", "97", "-t", "1", "--out", str(out), *args)
        assert result.exit_code == 0, result.output
        saved = json.loads((out / "v97.1" / "result.json").read_text())
        seen[name] = (saved["quick"], saved["info"]["epochs_trained"])
    assert seen == {"default": (False, 20), "quick": (True, 2), "epochs": (False, 5), "both": (True, 5)}


@pytest.mark.parametrize(
    "args, expected",
    [
        (["run", "--variant", "42"], "unknown variant 42; shipped variants: "),
        (["run", "--variant", "5", "--task", "9"], "valid tasks: 1, 2, 3"),
        (["info", "v5.9"], "unknown assignment 'v5.9'; valid: "),
        (["run", "--variant", "5", "--data", "nonsense"], "NAME=PATH"),
        (["run", "--variant", "five"], "'five' is not a valid integer. (see 'rnnsuite run --help')"),
        (["run", "-v", "5"], "No such option '-v'. (--variant has no short form: -v means verbose in pytest and tox)"),
        (["grade", "x.py", "--variant", "5", "--seed", "-2"], "Invalid value for '--seed': -2 is not in the range"),
        (["submission", "init", "--variant", "42"], "unknown variant 42"),
        (["lsit"], "No such command 'lsit'. Did you mean 'list'?"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, expected):
    proc = subprocess.run(RNNSUITE + args, capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("Error: ") and expected in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_info_shows_both_languages_and_bars():
    result = run_cli("info", "v5.2")
    assert result.exit_code == 0
    assert "GRU" in result.output and "Задание" in result.output and "Bar" in result.output


def test_interrupt_keeps_finished_results(write_plugin, tmp_path):
    from conftest import LINE_PLUGIN

    source = LINE_PLUGIN.replace('raise RuntimeError("this assignment is broken on purpose")',
                                 'raise KeyboardInterrupt')
    plugin = write_plugin(source)
    out = tmp_path / "run"
    proc = subprocess.run(RNNSUITE + ["-p", str(plugin), "run", "--variant", "97", "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 130
    assert proc.stderr.strip().splitlines() == [f"Interrupted; the results of the finished assignments are in {out}"]
    assert json.loads((out / "v97.1" / "result.json").read_text())["status"] == "passed"
    summary = json.loads((out / "summary.json").read_text())
    assert [r["assignment"] for r in summary["results"]] == ["v97.1"]


def test_data_for_an_assignment_that_does_not_use_it_is_flagged(write_plugin, tmp_path):
    plugin = write_plugin(LINE_PLUGIN)
    data = tmp_path / "temps.csv"
    data.write_text("date,temp_max\n2020-01-01,5\n")
    proc = subprocess.run(RNNSUITE + ["-p", str(plugin), "run", "--variant", "97", "-t", "1",
                                      "--out", str(tmp_path / "r"), "--data", f"temperatures={data}"],
                          capture_output=True, text=True)
    assert proc.returncode == 0
    assert "--data temperatures: no chosen assignment uses this data set" in proc.stderr


def test_bad_input_data_exits_2_and_names_the_file(tmp_path):
    bad = tmp_path / "reviews.csv"
    bad.write_text("title,body\nx,y\n")
    proc = subprocess.run(RNNSUITE + ["run", "--variant", "5", "-t", "1", "--quick", "--out", str(tmp_path / "r"),
                                      "--data", f"movie_reviews={bad}"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Error in v5.1: " in proc.stderr and "reviews.csv: wrong columns" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads((tmp_path / "r" / "v5.1" / "result.json").read_text())["input_error"] is True


def test_result_records_where_each_data_set_came_from(write_plugin, tmp_path):
    source = LINE_PLUGIN.replace("    def prepare(ctx):\n", "    def prepare(ctx):\n        ctx.load('tiny')\n")
    source += """
    from rnnsuite.types import Dataset

    @hookimpl
    def rnnsuite_add_datasets():
        return [Dataset("tiny", "tiny", "a made-up set", lambda path=None, full=False: [1, 2, 3],
                        "here", "none", "none", "3 numbers")]
    """
    plugin = write_plugin(source)
    out = tmp_path / "r"
    result = run_cli("-p", str(plugin), "run", "--variant", "97", "-t", "1", "--full", "--out", str(out))
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "v97.1" / "result.json").read_text())
    assert saved["full"] is True
    assert saved["info"]["data"] == {"tiny": "default (it has no full-size source)"}


@pytest.mark.slow
def test_a_plugin_that_imports_keras_prints_nothing_on_stderr(write_plugin):
    """The host silences TensorFlow's start-up lines before it loads any plugin, not only for its own imports."""
    import os

    from rnnsuite.kerasutil import QUIET_TENSORFLOW

    plugin = write_plugin("import keras\nfrom rnnsuite import hookimpl\n", "keras_plugin.py")
    env = {k: v for k, v in os.environ.items() if k not in QUIET_TENSORFLOW}  # as a user's shell has it
    proc = subprocess.run(RNNSUITE + ["-p", str(plugin), "list", "--json"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(proc.stdout)["schema"] == 1


def test_the_cli_imports_nothing_from_the_datasets_plugin():
    """The data commands use only what ``Dataset`` values carry (issue 9), so any plugin's sets work the same."""
    import ast
    from pathlib import Path

    import rnnsuite.cli

    for source in Path(rnnsuite.cli.__file__).parent.glob("*.py"):
        tree = ast.parse(source.read_text())
        imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if m and m.startswith("rnnsuite.datasets")], source.name


def test_grade_hands_full_and_seed_to_the_batch(write_plugin, tmp_path, monkeypatch):
    from rnnsuite.errors import UserError
    from rnnsuite.grading import batch

    seen = {}

    def spy(registry, assignments, settings):
        seen["settings"] = settings
        raise UserError("stopped by the test")

    monkeypatch.setattr(batch, "Batch", spy)
    (tmp_path / "alice.py").write_text("")
    result = run_cli("-p", str(write_plugin(LINE_PLUGIN)), "grade", str(tmp_path / "alice.py"), "--variant", "97",
                     "--full", "--seed", "3", "--out", str(tmp_path / "g"))
    assert result.exit_code == 2 and "stopped by the test" in result.stderr
    assert seen["settings"].full is True and seen["settings"].seed == 3
