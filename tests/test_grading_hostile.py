"""Hostile and broken submissions cost only their own items, with a one-line reason."""
from __future__ import annotations

import csv
import pickle

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import LINE_PLUGIN
from grading_helpers import GOOD_LINE, grade, line_batch, write

from rnnsuite.cli import cli
from rnnsuite.grading import protocol, sandbox
from rnnsuite.types import Split


def only(result):
    assert len(result.assignments) == 1
    return result.assignments[0]


def test_a_good_submission_gets_the_bar(tmp_path):
    r = grade(line_batch(tmp_path), tmp_path / "subs", "good.py", GOOD_LINE)
    assert (r.status, r.score, r.max_score) == ("ok", 1.0, 1.0)


def test_an_infinite_loop_times_out_and_the_batch_goes_on(tmp_path):
    b = line_batch(tmp_path, limits=sandbox.Limits(timeout=3, memory_mb=1024), jobs=2)
    loop = write(tmp_path / "subs", "loop.py", """
        import os
        from rnnsuite.types import ModelFactory
        def rnnsuite_add_models():
            if os.fork() == 0:   # a grandchild that would outlive it, in the same process group
                while True: pass
            while True: pass
    """)
    good = write(tmp_path / "subs", "good.py", GOOD_LINE)
    loop_r, good_r = b.run([("loop", loop), ("good", good)])
    a = only(loop_r)
    assert a.status == "timeout" and "timed out after 3 s" in a.reason
    assert loop_r.items and loop_r.score == 0 and "timed out" in loop_r.items[0].message
    assert good_r.score == 1.0


def test_a_memory_bomb_hits_the_cap(tmp_path):
    b = line_batch(tmp_path, limits=sandbox.Limits(timeout=30, memory_mb=600))
    a = only(grade(b, tmp_path / "subs", "bomb.py", """
        from rnnsuite.types import ModelFactory
        def rnnsuite_add_models():
            hog = [bytearray(50 * 2**20) for _ in range(1000)]
            return []
    """))
    assert a.status == "memory" and "MemoryError" in a.reason and "600 MB" in a.reason


def test_os_exit_mid_run_loses_only_that_assignment(tmp_path):
    a = only(grade(line_batch(tmp_path), tmp_path / "subs", "quitter.py", """
        import os
        from rnnsuite.types import ModelFactory
        def build(spec):
            os._exit(3)
        def rnnsuite_add_models():
            return [ModelFactory("line", "custom", build)]
    """))
    assert a.status == "crashed" and a.reason == "exited with code 3 while building"


def test_an_output_flood_is_capped_and_the_work_still_counts(tmp_path):
    r = grade(line_batch(tmp_path), tmp_path / "subs", "flood.py", """
        import sys
        from rnnsuite.types import ModelFactory
        def build(spec):
            for _ in range(300):
                sys.stdout.write("x" * 100_000 + "\\n")
            return {"w": 0.0}
        def rnnsuite_add_models():
            return [ModelFactory("line", "custom", build)]
    """)
    assert r.status == "ok" and r.score == 1.0
    assert len(only(r).output) <= 2000 and set(only(r).output.strip()) == {"x"}


def test_the_child_cannot_read_the_hidden_labels(tmp_path):
    hidden = tmp_path / "hidden"  # pytest's tmp folders are 0700: only the parent's user gets in
    hidden.mkdir()
    x = np.linspace(-1, 1, 12)
    np.savez(hidden / "v97.1.npz", test_inputs=x, test_targets=3 * x)
    b = line_batch(tmp_path, hidden_data=hidden)
    r = grade(b, tmp_path / "subs", "thief.py", f"""
        import pickle
        from rnnsuite.types import ModelFactory
        def build(spec):
            try:
                open({str(hidden / "v97.1.npz")!r}, "rb").read()
                print("READ THE LABELS")
            except OSError as exc:
                print("denied:", type(exc).__name__)
            split = pickle.load(open("../job/job.pkl", "rb"))["split"]
            print("handed targets:", split.test_targets)
            return {{"w": 0.0}}
        def rnnsuite_add_models():
            return [ModelFactory("line", "custom", build)]
    """)
    out = only(r).output
    assert "handed targets: None" in out
    if sandbox.problem() is None:  # the hidden folder is not even mounted in the sandbox
        assert "denied: FileNotFoundError" in out and "READ THE LABELS" not in out
    assert r.score == 1.0  # and it was scored against the hidden labels
    assert only(r).metrics["zero_mae"] == pytest.approx(float(np.abs(3 * x).mean()))


def test_the_job_file_holds_no_test_targets(tmp_path):
    split = Split(train=([1.0], [2.0]), test_inputs=np.arange(3.0), test_targets=np.array([7.0, 8.0, 9.0]))
    protocol.write_job(tmp_path, {"split": split.public()})
    raw = (tmp_path / protocol.JOB).read_bytes()
    assert pickle.loads(raw)["split"].test_targets is None
    assert np.array([7.0, 8.0, 9.0]).tobytes() not in raw


def test_hidden_data_replaces_the_test_split(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    x = np.linspace(-1, 1, 10)
    np.savez(hidden / "v97.1.npz", test_inputs=x, test_targets=3 * x + 100)  # labels no line can fit
    r = grade(line_batch(tmp_path, hidden_data=hidden), tmp_path / "subs", "good.py", GOOD_LINE)
    assert only(r).metrics["mae"] > 90  # scored against the hidden labels, not prepare's


def test_malformed_predictions_are_a_zero_item_with_a_reason(tmp_path):
    a = only(grade(line_batch(tmp_path), tmp_path / "subs", "complex.py", """
        from rnnsuite.types import ModelFactory
        def rnnsuite_add_models():
            return [ModelFactory("line", "custom", lambda spec: {"w": 1j})]
    """))
    assert a.status == "error" and "predictions must be numbers or strings" in a.reason
    assert a.items[0].score == 0 and a.reason in a.items[0].message


@pytest.mark.parametrize("header, arrays, inputs, problem", [
    ({"kind": "array"}, {"predictions": np.zeros(3)}, np.zeros(4), "3 predictions for 4 test inputs"),
    ({"kind": "array"}, {"predictions": np.array([1.0, np.nan])}, [1, 2], "NaN"),
    ({"kind": "array"}, {}, [1, 2], "no 'predictions'"),
    ({"kind": "texts", "texts": ["a", 3]}, {}, ["x", "y"], "list of strings"),
    ({"kind": "pickle"}, {}, [1, 2], "no valid 'kind'"),
    ({"kind": "array"}, {"predictions": np.zeros(2)}, {"clean": np.zeros(2)}, "expected a dict"),
    ({"kind": "dict", "entries": [{"key": "clean", "kind": "array", "name": "p0"}]}, {"p0": np.zeros(2)},
     {"clean": np.zeros(2), "blur": np.zeros(2)}, "expected"),
])
def test_predictions_are_validated(header, arrays, inputs, problem):
    with pytest.raises(protocol.AnswerError, match=problem):
        protocol.decode_predictions(header, arrays, inputs)


def test_predictions_round_trip_without_pickle():
    pred = {"clean": np.arange(3), "blur": np.arange(3) + 1}
    header, arrays = protocol.encode_predictions(pred)
    back = protocol.decode_predictions(header, arrays, {"clean": np.zeros((3, 2)), "blur": np.zeros((3, 2))})
    assert {k: v.tolist() for k, v in back.items()} == {"clean": [0, 1, 2], "blur": [1, 2, 3]}
    texts = protocol.decode_predictions(*protocol.encode_predictions(["a b", "c"]), ["x", "y"])
    assert texts == ["a b", "c"]


def test_answers_behind_links_are_refused(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"kind": "texts", "texts": ["the labels"]}')
    (tmp_path / "predictions.json").symlink_to(secret)
    with pytest.raises(protocol.AnswerError, match="cannot be opened safely"):
        protocol.read_json(tmp_path, "predictions")
    (tmp_path / "stage.json").hardlink_to(secret)
    with pytest.raises(protocol.AnswerError, match="not a plain file"):
        protocol.read_json(tmp_path, "stage")


def test_without_a_sandbox_grade_stops_in_one_line_unless_told_no_sandbox(tmp_path, monkeypatch):
    sandbox.problem.cache_clear()
    monkeypatch.setattr(sandbox, "_tools", lambda: {"bwrap": None, "setpriv": "/usr/bin/setpriv",
                                                    "prlimit": "/usr/bin/prlimit"})
    try:
        plugin = write(tmp_path / "plugins", "line97.py", LINE_PLUGIN)
        write(tmp_path / "subs", "alice.py", GOOD_LINE)
        args = ["-p", str(plugin), "grade", str(tmp_path / "subs"), "--variant", "97", "--task", "1"]
        refused = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "refused")])
        assert refused.exit_code == 2 and not (tmp_path / "refused").exists()
        error = refused.output.strip()
        assert "\n" not in error and "apt-get install bubblewrap" in error and "--no-sandbox" in error
        graded = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "out"), "--no-sandbox"])
        assert graded.exit_code == 0, graded.output
        assert "warning: NOT SANDBOXED" in graded.output
        row = next(csv.DictReader((tmp_path / "out" / "gradebook.csv").read_text().splitlines()))
        assert (row["student"], row["score"], row["sandboxed"]) == ("alice", row["max_score"], "no")
    finally:
        sandbox.problem.cache_clear()
