"""The gradebook an instructor uses: names, merging re-gradings, points, kill reasons, visibility, hidden data."""
from __future__ import annotations

import csv
import json
import textwrap
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from grading_helpers import GOOD_LINE, LINE_98, write

from rnnsuite.cli import cli
from rnnsuite.grading import formats
from rnnsuite.grading.points import Points
from rnnsuite.grading.results import AssignmentResult, SubmissionResult
from rnnsuite.types import GradeItem

LAZY_LINE = GOOD_LINE.replace('{"w": 0.0}', '{"w": -5.0}')  # a line that starts far off: partial credit at best


def grade(tmp_path, subs, out, *extra, variant="98", plugin_source=LINE_98):
    plugin = write(tmp_path / "plugins", f"line{variant}.py", plugin_source)
    args = ["-p", str(plugin), "grade", *map(str, subs), "--variant", variant, "--task", "1", "--timeout", "60",
            "--out", str(out), *extra]
    return CliRunner().invoke(cli, args)


def rows(out):
    return list(csv.DictReader((out / "gradebook.csv").read_text(encoding="utf-8").splitlines()))


def test_cyrillic_names_keep_their_letters_and_never_overwrite_each_other(tmp_path):
    subs = tmp_path / "subs"
    for name in ("Иванов Иван", "Петров Петр", "Иванов_Иван"):
        write(subs, f"{name}.py", GOOD_LINE)
    result = grade(tmp_path, [subs], tmp_path / "out")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "out" / "students").iterdir())
    assert files == ["Иванов_Иван-1.json", "Иванов_Иван.json", "Петров_Петр.json"]
    students = {json.loads(p.read_text(encoding="utf-8"))["student"] for p in (tmp_path / "out" / "students").iterdir()}
    assert students == {"Иванов Иван", "Петров Петр", "Иванов_Иван"}
    assert [r["student"] for r in rows(tmp_path / "out")] == ["Иванов Иван", "Иванов_Иван", "Петров Петр"]


def test_regrading_one_student_merges_into_the_earlier_gradebook(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    alice, bob = write(subs, "alice.py", GOOD_LINE), write(subs, "bob.py", LAZY_LINE)
    assert grade(tmp_path, [alice, bob], out, "--epochs", "1").exit_code == 0
    before = {r["student"]: r for r in rows(out)}
    assert float(before["bob"]["score"]) < float(before["alice"]["score"])
    write(subs, "bob.py", GOOD_LINE)  # bob hands in again
    result = grade(tmp_path, [bob], out, "--epochs", "1")
    assert result.exit_code == 0 and "Merging with the earlier grading" in result.stderr
    after = {r["student"]: r for r in rows(out)}
    assert list(after) == ["alice", "bob"] and after["alice"] == before["alice"]  # kept as it was
    assert after["bob"]["score"] == after["alice"]["score"]  # the newer result won
    assert len(list((out / "students").iterdir())) == 2
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    refused = grade(tmp_path, [bob], other)
    assert refused.exit_code == 2 and "already holds files" in refused.stderr  # not a grading: never mixed


def test_a_points_file_changes_the_totals_as_expected(tmp_path):
    subs = tmp_path / "subs"
    write(subs, "lazy.py", GOOD_LINE)  # one epoch: partial credit on the first bar
    assert grade(tmp_path, [subs], tmp_path / "default", "--epochs", "1").exit_code == 0
    default = rows(tmp_path / "default")[0]
    assert default["max_score"] == "10"  # every assignment 10 points by default, items equal
    points = tmp_path / "points.toml"
    points.write_text(textwrap.dedent("""
        [assignments]
        "v98.*" = 30
        [weights]
        "v98.1 mae <= *" = 2
        [visibility]
        default = "after_due_date"
        "v98.1 mae < zero_mae" = "hidden"
    """))
    assert grade(tmp_path, [subs], tmp_path / "weighted", "--points", points, "--epochs", "1").exit_code == 0
    weighted = rows(tmp_path / "weighted")[0]
    assert weighted["max_score"] == "30" and weighted["v98.1 mae <= 0.2"] != default["v98.1 mae <= 0.2"]
    partial = float(default["v98.1 mae <= 0.2"]) / 5  # the check's own share, 0..1
    assert 0 < partial < 1
    assert float(weighted["v98.1 mae <= 0.2"]) == pytest.approx(20 * partial, abs=5e-3)  # 2/3 of 30 points
    assert float(weighted["v98.1 mae < zero_mae"]) in (0.0, 10.0)
    gradescope = json.loads((tmp_path / "weighted" / "gradescope" / "lazy" / "results.json").read_text())
    assert gradescope["visibility"] == "after_due_date"
    assert {t["name"]: t["visibility"] for t in gradescope["tests"]} == {
        "v98.1 mae <= 0.2": "after_due_date", "v98.1 mae < zero_mae": "hidden"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[assignments]\n"v98.1" = "ten"\n')
    result = grade(tmp_path, [subs], tmp_path / "bad", "--points", bad)
    assert result.exit_code == 2 and "'v98.1' must be a non-negative number" in result.stderr


def killed(status: str, reason: str) -> SubmissionResult:
    return SubmissionResult("eve", [AssignmentResult("v98.1", status, reason, items=[
        GradeItem("v98.1 mae <= 0.2", 0.0, 1.0, False, reason), GradeItem("v98.1 mae < zero_mae", 0.0, 1.0, False,
                                                                          reason)])])


@pytest.mark.parametrize("status, reason", [("timeout", "timed out after 60 s (while training)"),
                                            ("memory", "killed: memory cap 1024 MB (while training)"),
                                            ("crashed", "killed by SIGSEGV while predicting")])
def test_the_kill_reason_is_in_every_format(tmp_path, status, reason):
    written, failed = formats.write_all([killed(status, reason)], tmp_path)
    assert failed == []
    assert reason in rows(tmp_path)[0]["v98.1 lost points because"] and rows(tmp_path)[0]["status"] == status
    suite = ET.parse(written["junit"]).getroot().find("testsuite")
    assert suite.get("errors") == "2" and suite.get("failures") == "0"
    assert suite.find("testcase/error").get("type") == status and reason in suite.find("testcase/error").get("message")
    assert reason in json.loads((tmp_path / "gradescope" / "eve" / "results.json").read_text())["output"]
    student = json.loads((tmp_path / "students" / "eve.json").read_text())
    assert student["assignments"][0]["status"] == status and reason in student["errors"][0]


def test_points_share_an_assignment_by_weight():
    part = AssignmentResult("v5.1", items=[GradeItem("v5.1 gradient W", 1.0, 1.0, True),
                                           GradeItem("v5.1 accuracy >= 0.68", 0.5, 1.0, False)])
    scaled = Points(weights={"v5.1 acc*": 3.0}).scale(part)
    assert [(i.score, i.max_score) for i in scaled.items] == [(2.5, 2.5), (3.75, 7.5)]
    assert Points().scale(part).max_score == 10.0


HIDDEN_PLUGIN = '''
    import csv
    import numpy as np
    from rnnsuite import hookimpl
    from rnnsuite.errors import DataError
    from rnnsuite.types import Assignment, Bar, Dataset, ModelFactory, Split, Variant

    def load(path=None, full=False):
        if path is None:
            rng = np.random.default_rng(0)
            x = rng.normal(size=60)
            return np.stack([x, 3 * x], axis=1)
        with open(path) as f:
            rows = [r for r in csv.reader(f) if r]
        if not rows or any(len(r) != 2 for r in rows):
            raise DataError(f"{path}: expected x,y rows")
        return np.array(rows, dtype=float)

    def prepare(ctx):
        data, hidden = ctx.load("pairs"), ctx.load_hidden("pairs")
        train, test = (data, hidden) if hidden is not None else (data[:40], data[40:])
        return Split(train=train, test_inputs=test[:, 0], test_targets=test[:, 1], spec={})

    def train(ctx, model, data):
        model["w"] = float((data[:, 0] @ data[:, 1]) / (data[:, 0] @ data[:, 0]))
        return model

    @hookimpl
    def rnnsuite_add_datasets():
        return [Dataset("pairs", "pairs", "x, 3x", load, "made here", "CC0", "-", "tiny")]

    @hookimpl
    def rnnsuite_add_models():
        return [ModelFactory("slope", "custom", lambda spec: {"w": 0.0})]

    @hookimpl
    def rnnsuite_add_variants():
        return [Variant(96, "hidden data", (Assignment(
            "v96.1", "custom", "slope", "fit a slope", "наклон", ("pairs",), "slope", prepare, train,
            lambda ctx, model, x: model["w"] * x,
            lambda ctx, split, pred: {"mae": float(np.abs(pred - split.test_targets).mean()),
                                      "tests": float(len(split.test_targets))},
            metrics=("mae", "tests"), bars=(Bar("mae", 0.01, higher_is_better=False),)),))]
'''


def test_hidden_test_data_from_the_instructors_raw_file(tmp_path):
    subs = tmp_path / "subs"
    write(subs, "alice.py", """
        from rnnsuite.types import ModelFactory
        def rnnsuite_add_models():
            return [ModelFactory("slope", "custom", lambda spec: {"w": 0.0})]
    """)
    secret = tmp_path / "secret"
    secret.mkdir(mode=0o700)
    (secret / "pairs.csv").write_text("".join(f"{x},{3 * x}\n" for x in range(1, 8)))
    public = grade(tmp_path, [subs], tmp_path / "public", "--json", variant="96", plugin_source=HIDDEN_PLUGIN)
    assert public.exit_code == 0, public.output
    assert formats.PUBLIC_TEST in " ".join(public.stderr.split())
    assert formats.PUBLIC_TEST in json.loads((tmp_path / "public" / "summary.json").read_text())["warnings"]
    hidden = grade(tmp_path, [subs], tmp_path / "hidden", "--hidden-data", f"pairs={secret / 'pairs.csv'}",
                   variant="96", plugin_source=HIDDEN_PLUGIN)
    assert hidden.exit_code == 0, hidden.output
    assert "public data's test split" not in hidden.stderr
    student = json.loads((tmp_path / "hidden" / "students" / "alice.json").read_text())
    assert student["assignments"][0]["metrics"]["tests"] == 7.0  # scored on the 7 hidden rows
    assert student["assignments"][0]["graded"]["hidden"] is True and student["warnings"] == []
    (secret / "broken.csv").write_text("1,2,3\n")
    broken = grade(tmp_path, [subs], tmp_path / "broken", "--hidden-data", f"pairs={secret / 'broken.csv'}",
                   variant="96", plugin_source=HIDDEN_PLUGIN)
    assert broken.exit_code == 2 and "expected x,y rows" in broken.stderr  # the instructor's error, nobody graded


def test_a_table_of_the_public_answers_scores_on_the_public_test_set_only(tmp_path):
    """The lookup exploit: the public test split can be rebuilt; hidden data cannot."""
    subs = tmp_path / "subs"
    write(subs, "lookup.py", """
        import numpy as np
        from rnnsuite.types import ModelFactory

        x = np.random.default_rng(0).normal(size=60)  # the public data, rebuilt without the answers' file
        TABLE = {round(float(v), 9): 3 * float(v) for v in x}

        class Lookup(dict):
            def __mul__(self, xs):  # the plugin predicts model["w"] * x
                return np.array([TABLE.get(round(float(v), 9), 0.0) for v in xs])

        def rnnsuite_add_models():
            return [ModelFactory("slope", "custom", lambda spec: {"w": Lookup()})]
    """)
    (tmp_path / "hidden.csv").write_text("".join(f"{x},{3 * x}\n" for x in range(1, 8)))
    for name, extra in (("public", ()), ("hidden", ("--hidden-data", f"pairs={tmp_path / 'hidden.csv'}"))):
        result = grade(tmp_path, [subs], tmp_path / name, *extra, variant="96", plugin_source=HIDDEN_LOOKUP)
        assert result.exit_code == 0, result.output
    assert rows(tmp_path / "public")[0]["score"] == "10"  # the table answers the public test set ...
    assert rows(tmp_path / "hidden")[0]["score"] == "0"  # ... and nothing it has not seen


#: the hidden-data plugin, whose training leaves a model that is not a slope alone
HIDDEN_LOOKUP = HIDDEN_PLUGIN.replace('        model["w"] = float(',
                                      '        if not isinstance(model["w"], dict):\n            model["w"] = float(')
assert HIDDEN_LOOKUP != HIDDEN_PLUGIN
