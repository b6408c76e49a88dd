"""The Gradescope autograder bundle (issue 20): built, unpacked as /autograder, run on real submissions.

The bundle is built once with the real wheel build (``pip wheel``), laid out
in a temporary root the way Gradescope lays it out, and ``run_autograder``
runs there in this environment (``AUTOGRADER_ROOT``, ``RNNSUITE_PYTHON``):
on the line task (seconds), and on variant 6's reference scratch FRNN
(``submission init --reference``, quick).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import LINE_PLUGIN
from grading_helpers import GOOD_LINE, requires_sandbox, write

from rnnsuite.cli import cli
from rnnsuite.grading import gradescope

BROKEN_LINE = GOOD_LINE.replace('lambda spec: {"w": 0.0}', 'lambda spec: 1 / 0')
POINTS = """
[assignments]
"v97.3" = 5

[visibility]
"v97.3 *" = "hidden"
"""


def _hidden_arrays(folder: Path) -> Path:
    """Hidden test data for both line tasks: y = 3x exactly, on inputs of its own."""
    folder.mkdir()
    x = np.linspace(-2, 2, 15)
    for ident in ("v97.1", "v97.3"):
        np.savez(folder / f"{ident}.npz", test_inputs=x, test_targets=3 * x)
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One bundle of the line tasks 1 and 3, with hidden data, points and visibility (the wheel built for real)."""
    tmp = tmp_path_factory.mktemp("bundle")
    plugin = write(tmp, "line97.py", LINE_PLUGIN)
    out = tmp / "autograder.zip"
    r = CliRunner().invoke(cli, ["-p", str(plugin), "gradescope", "build", "--variant", "97", "--task", "1",
                                 "--task", "3", "--out", str(out), "--hidden-data", str(_hidden_arrays(tmp / "h")),
                                 "--points", str(write(tmp, "points.toml", POINTS)),
                                 "--visibility", "after_due_date", "--timeout", "60", "--memory", "1024"])
    assert r.exit_code == 0, r.output
    return out


def _autograde(bundle: Path, root: Path, files: dict[str, str]) -> tuple[subprocess.CompletedProcess, dict]:
    """Unpack like Gradescope, upload ``files`` as the submission, run ``run_autograder``; its results.json."""
    gradescope.unpack(bundle, root)
    for name, text in files.items():
        write(root / "submission", name, text)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "RNNSUITE_PYTHON": sys.executable}
    done = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=300)
    return done, json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_the_bundle_holds_the_scripts_the_wheel_the_settings_and_the_hidden_data(built, tmp_path):
    with zipfile.ZipFile(built) as z:
        names = set(z.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        setup = z.read("setup.sh").decode()
        settings = json.loads(z.read(gradescope.SETTINGS))
    wheel = next(n for n in names if n.endswith(".whl"))
    assert wheel.startswith(f"rnnsuite-{gradescope.__version__}-")
    assert {"setup.sh", "run_autograder", "points.toml", "hidden/arrays/v97.1.npz", "hidden/arrays/v97.3.npz",
            "plugins/p0_line97.py"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert f'/bin/pip" install -q "$ROOT/source/{wheel}"' in setup and "no data set to prefetch" in setup
    assert subprocess.run(["bash", "-n", "-c", setup]).returncode == 0
    assert settings["variant"] == 97 and settings["tasks"] == [1, 3] and settings["visibility"] == "after_due_date"
    assert settings["hidden_arrays"] == "hidden/arrays" and settings["timeout"] == 60
    with zipfile.ZipFile(built) as z, zipfile.ZipFile(z.open(wheel)) as w:  # the grading code Gradescope runs
        assert "rnnsuite/grading/gradescope.py" in w.namelist()


@requires_sandbox
def test_run_autograder_grades_a_good_submission_against_the_hidden_data(built, tmp_path):
    done, results = _autograde(built, tmp_path / "autograder", {"variant97.py": GOOD_LINE, "notes.txt": "hi"})
    assert done.returncode == 0, done.stderr
    tests = {t["name"]: t for t in results["tests"]}
    assert set(tests) == {"v97.1 mae < zero_mae", "v97.3 mae <= 0.0001"}
    assert {k for t in results["tests"] for k in t} >= {"name", "score", "max_score", "output", "visibility"}
    assert tests["v97.1 mae < zero_mae"] | {"output": ""} == {
        "name": "v97.1 mae < zero_mae", "score": 10.0, "max_score": 10.0, "output": "",
        "visibility": "after_due_date", "status": "passed"}
    hidden = tests["v97.3 mae <= 0.0001"]
    assert hidden["visibility"] == "hidden" and hidden["max_score"] == 5.0 and hidden["status"] == "failed"
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))  # hidden tests count
    assert results["visibility"] == "after_due_date" and results["stdout_visibility"] == "hidden"
    assert results["execution_time"] > 0 and "public" not in results["output"]  # graded on the hidden data
    assert "v97.1 mae < zero_mae: 10/10" in done.stdout


@requires_sandbox
def test_run_autograder_gives_a_broken_submission_zero_with_the_reason(built, tmp_path):
    done, results = _autograde(built, tmp_path / "autograder", {"variant97.py": BROKEN_LINE})
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0 and len(results["tests"]) == 2
    assert all(t["score"] == 0 and t["status"] == "failed" for t in results["tests"])
    assert "ZeroDivisionError" in results["output"] and "ZeroDivisionError" in results["tests"][0]["output"]


def test_an_upload_without_a_submission_says_what_to_upload(built, tmp_path):
    done, results = _autograde(built, tmp_path / "autograder", {"a.py": GOOD_LINE, "b.py": GOOD_LINE})
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"] == "upload variant97.py (or a package folder with __init__.py); found: a.py, b.py"


def test_an_autograder_that_cannot_grade_still_writes_why(tmp_path):
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "source" / gradescope.SETTINGS).write_text('{"variant": 42}')
    assert gradescope.main([str(root)]) == 1
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and "could not grade" in results["output"] and "42" in results["output"]


@pytest.mark.parametrize("option, value, message", [
    ("--out", "a.zip", "exists; give a new file name"),
    ("--wheel", "other-1.0-py3-none-any.whl", "give this version's wheel"),
    ("--task", None, "variant 5 has no task 9"),
    ("--hidden-data", "hidden.csv", "no chosen assignment uses this data set")])
def test_build_refuses_bad_arguments_in_one_line(tmp_path, option, value, message):
    if option == "--task":
        args = ["--task", "9"]
    else:
        path = write(tmp_path, value, "")
        args = [option, f"digits={path}" if option == "--hidden-data" else str(path)]
    r = CliRunner().invoke(cli, ["gradescope", "build", "--variant", "5", "--task", "2", *args,
                                 *(["--out", str(tmp_path / "b.zip")] if option != "--out" else [])])
    assert r.exit_code == 2 and message in r.output and len(r.output.strip().splitlines()) == 1, r.output


@requires_sandbox
def test_the_reference_scratch_solution_gets_full_model_marks_through_the_bundle(tmp_path):
    r = CliRunner().invoke(cli, ["submission", "init", "--variant", "6", "--reference", str(tmp_path / "ref")])
    assert r.exit_code == 0, r.output
    wheel = tmp_path / f"rnnsuite-{gradescope.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w"):  # this test runs the grading, not setup.sh: any wheel of this version
        pass
    out = tmp_path / "autograder.zip"
    r = CliRunner().invoke(cli, ["gradescope", "build", "--variant", "6", "--task", "1", "--quick", "--wheel",
                                 str(wheel), "--out", str(out), "--timeout", "300"])
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(out) as z:
        assert "data fetch " in z.read("setup.sh").decode()
    done, results = _autograde(out, tmp_path / "autograder",
                               {"variant6.py": (tmp_path / "ref" / "variant6_reference.py").read_text()})
    assert done.returncode == 0, done.stderr
    model = [t for t in results["tests"] if t["name"].split(" ", 1)[1].startswith(("gradient", "forward", "loss"))]
    assert len(model) == 7 and all(t["status"] == "passed" and t["score"] == t["max_score"] for t in model), model
    assert "public" in results["output"]  # no hidden data: the warning reaches the student's output
