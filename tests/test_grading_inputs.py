"""The instructor's own inputs: bad data stops the batch; nothing is blamed on a student."""
from __future__ import annotations

import numpy as np
import pytest

from grading_helpers import GOOD_LINE, LINE_98, line_batch, write
from rnnsuite.errors import DataError, UserError
from rnnsuite.grading import batch, formats
from rnnsuite.grading.results import AssignmentResult, SubmissionResult
from rnnsuite.manager import Manager
from rnnsuite.types import GradeItem


def test_hidden_file_whose_inputs_and_targets_do_not_pair_up(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    np.savez(hidden / "v97.1.npz", test_inputs=np.arange(5.0), test_targets=np.arange(4.0))
    with pytest.raises(DataError, match="5 test inputs but 4 test targets"):
        line_batch(tmp_path, hidden_data=hidden)


def test_hidden_folder_without_a_file_for_the_assignment(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    with pytest.raises(DataError, match="no v97.1.npz or v97.1.pkl"):
        line_batch(tmp_path, hidden_data=hidden)


@pytest.mark.parametrize("name", ["v97.1.npz", "v97.1.pkl"])
def test_corrupt_hidden_file_is_one_line_and_never_suggests_unpickling(tmp_path, name):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / name).write_text("this is not the file you are looking for\n")
    with pytest.raises(DataError) as info:
        line_batch(tmp_path, hidden_data=hidden)
    message = str(info.value)
    assert "not a readable hidden-data file" in message and "allow_pickle" not in message
    assert "\n" not in message


def test_bad_instructor_data_stops_the_batch_before_anyone_is_graded(tmp_path):
    plugin = write(tmp_path / "plugins", "bad_data.py", LINE_98.replace(
        "    def prepare(ctx):\n",
        "    def prepare(ctx):\n        from rnnsuite.errors import DataError\n"
        "        raise DataError('reviews.csv: wrong columns')\n"))
    registry = Manager().load((str(plugin),)).registry
    assignment = registry.assignment("v98.1")
    with pytest.raises(UserError, match="wrong columns"):
        batch.Batch(registry, [assignment], batch.Settings(plugins=(str(plugin),)))


def test_lost_points_are_named_even_without_a_crash():
    result = SubmissionResult("bob", [AssignmentResult("v98.1", "ok", items=[
        GradeItem("v98.1 mae <= 0.2", 0.25, 1.0, False, "partial"),
        GradeItem("v98.1 mae < zero_mae", 1.0, 1.0, True, "")])])
    assert result.status == "ok" and result.lost == ["v98.1 mae <= 0.2 0.25/1"]
    rendered = formats.table([result]).columns[-1]._cells
    assert rendered == ["v98.1 mae <= 0.2 1.25/5"]  # in points: 10 for the assignment, 5 per item


def test_folders_that_are_not_submissions_are_reported(tmp_path):
    subs = tmp_path / "subs"
    write(subs, "alice.py", GOOD_LINE)
    write(subs / "bob", "model.py", GOOD_LINE)  # no __init__.py
    write(subs / "carol", "__init__.py", GOOD_LINE)
    (subs / ".hidden").mkdir()
    assert [n for n, _ in batch.discover([subs])] == ["alice", "carol"]
    assert batch.not_submissions([subs]) == [subs / "bob"]


def test_a_syntax_error_names_the_students_own_file(tmp_path):
    from grading_helpers import grade

    r = grade(line_batch(tmp_path), tmp_path / "subs", "alice.py", "def broken(:\n    pass\n")
    assert r.status == "error"
    assert "alice.py" in r.errors[0] and "SyntaxError" in r.errors[0]
