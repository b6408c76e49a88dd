"""What a child hands back is hostile: bounded before it is unpacked, cleaned before it is reported."""
from __future__ import annotations

import csv
import io
import json
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest

from rnnsuite.grading import formats, protocol
from rnnsuite.grading.cleantext import clean_text
from rnnsuite.grading.results import AssignmentResult, SubmissionResult
from rnnsuite.types import GradeItem

NASTY = "bad \ud800 surrogate, \x1b[31mred\x1b[0m, \x00nul, \u202eevil, [bold]markup[/bold] \ufffe"


def npy_header(shape: tuple, dtype: str = "<f8") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def zero_bomb(path, member: str, shape: tuple, unpacked: int) -> None:
    """An .npz whose one member unpacks to ``unpacked`` bytes of zeros (about 1000:1 compressed)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(f"{member}.npy", "w", force_zip64=True) as f:
            f.write(npy_header(shape))
            chunk = bytes(16 * 2**20)
            for _ in range(unpacked // len(chunk)):
                f.write(chunk)


def test_a_decompression_bomb_is_refused_before_it_is_unpacked(tmp_path):
    zero_bomb(tmp_path / "predictions.npz", "predictions", (2**30 // 8,), 2**30)
    assert (tmp_path / "predictions.npz").stat().st_size < 3 * 2**20  # 1 GiB of zeros, packed
    tracemalloc.start()
    try:
        with pytest.raises(protocol.AnswerError, match="would unpack to more than 64 MiB"):
            protocol.read_arrays(tmp_path, "predictions")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20  # the archive's bytes, never its contents


def test_a_header_that_claims_more_than_the_archive_holds_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "probe.npz", "w") as archive:
        archive.writestr("y0.npy", npy_header((10**9,)) + bytes(800))
    with pytest.raises(protocol.AnswerError, match="shorter than its shape"):
        protocol.read_arrays(tmp_path, "probe")


def test_predictions_of_the_wrong_shape_are_never_unpacked(tmp_path):
    zero_bomb(tmp_path / "predictions.npz", "predictions", (5 * 2**20,), 48 * 2**20)  # under the size cap
    protocol.write_json(tmp_path, protocol.PREDICTIONS, {"kind": "array", "name": "predictions"})
    tracemalloc.start()
    try:
        with pytest.raises(protocol.AnswerError, match=r"shape \(5242880,\), expected 4 rows"):
            protocol.read_predictions(tmp_path, np.zeros((4, 3)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


@pytest.mark.parametrize("array, problem", [
    (np.array([1 + 2j, 3j]), "complex128 values, not plain numbers"),
    (np.array([1.0, 2.0], dtype=np.longdouble), "not plain numbers"),
    (np.zeros(2, dtype=[("a", "<f8")]), "not plain numbers"),
    (np.array(["a", "b"]), "<U1 values, not plain numbers"),
])
def test_only_plain_numbers_are_accepted(tmp_path, array, problem):
    protocol.write_arrays(tmp_path, protocol.PREDICTIONS, {"predictions": array})
    with pytest.raises(protocol.AnswerError, match=problem):
        protocol.read_arrays(tmp_path, protocol.PREDICTIONS)


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(tmp_path / "predictions.npz", "w") as archive:
        archive.writestr("predictions.npy", buf.getvalue())
    with pytest.raises(protocol.AnswerError, match="object values, not plain numbers"):
        protocol.read_arrays(tmp_path, protocol.PREDICTIONS)


def test_good_predictions_come_back_as_sent_without_widening(tmp_path):
    header, arrays = protocol.encode_predictions({"clean": np.arange(4, dtype=np.int8),
                                                  "blur": np.linspace(0, 1, 4, dtype=np.float32)})
    protocol.write_arrays(tmp_path, protocol.PREDICTIONS, arrays)
    protocol.write_json(tmp_path, protocol.PREDICTIONS, header)
    back = protocol.read_predictions(tmp_path, {"clean": np.zeros((4, 2)), "blur": np.zeros((4, 2))})
    assert back["clean"].dtype == np.int8 and back["clean"].tolist() == [0, 1, 2, 3]
    assert back["blur"].dtype == np.float32 and back["blur"].flags.writeable


def test_an_archive_with_members_nobody_announced_is_refused(tmp_path):
    protocol.write_arrays(tmp_path, protocol.PREDICTIONS, {"predictions": np.zeros(4), "extra": np.zeros(10)})
    protocol.write_json(tmp_path, protocol.PREDICTIONS, {"kind": "array", "name": "predictions"})
    with pytest.raises(protocol.AnswerError, match="unexpected member 'extra'"):
        protocol.read_predictions(tmp_path, np.zeros(4))


def test_json_strings_are_cleaned_and_messages_are_one_clean_line(tmp_path):
    (tmp_path / "stage.json").write_text(json.dumps({"stage": "training", "error": NASTY, NASTY: 1}))
    stage = protocol.read_json(tmp_path, "stage")
    for text in (stage["error"], *stage):
        assert text.encode("utf-8") and "\x1b" not in text and "\x00" not in text and "\u202e" not in text
    assert "surrogate" in stage["error"] and "\ufffd" in stage["error"]
    error = protocol.AnswerError(f"line one\nline two {NASTY}")
    assert "\n" not in str(error) and str(error).encode("utf-8")


def test_oversized_json_is_refused_before_parsing(tmp_path):
    (tmp_path / "probe.json").write_bytes(b"[" + b"0," * (protocol.MAX_JSON // 2) + b"0]")
    with pytest.raises(protocol.AnswerError, match="larger than 8 MiB"):
        protocol.read_json(tmp_path, "probe")


def test_clean_text_keeps_ordinary_text():
    text = "Привет, мир\ttab\nnew line, émoji 🙂, ½"
    assert clean_text(text) == text


def nasty_result(student: str = "mallory") -> SubmissionResult:
    return SubmissionResult(student, [AssignmentResult(
        "v98.1", "error", f"ValueError: {NASTY}", output=NASTY,
        items=[GradeItem("v98.1 mae <= 0.2", 0.0, 1.0, False, NASTY)])])


def honest_result(student: str = "alice") -> SubmissionResult:
    return SubmissionResult(student, [AssignmentResult(
        "v98.1", items=[GradeItem("v98.1 mae <= 0.2", 1.0, 1.0, True, "")])])


def test_every_format_survives_hostile_text_and_a_strict_parser_reads_it(tmp_path):
    results = [honest_result(), nasty_result(), nasty_result("=cmd|' /C calc'!A0")]
    written, failed = formats.write_all(results, tmp_path, "bubblewrap sandbox")
    assert failed == []
    root = ET.parse(written["junit"]).getroot()  # expat: rejects invalid characters
    assert [s.get("name") for s in root.findall("testsuite")] == ["alice", "mallory", "=cmd|' /C calc'!A0"]
    assert "\ufffd" in root.findall("testsuite")[1].find("testcase/error").get("message")  # a raising run errs
    rows = list(csv.DictReader(written["gradebook"].read_text(encoding="utf-8").splitlines()))
    assert [r["student"] for r in rows] == ["alice", "mallory", "'=cmd|' /C calc'!A0"]  # never a formula
    assert rows[0]["sandboxed"] == "yes"
    for name in ("alice", "mallory"):
        student = json.loads((tmp_path / "students" / f"{name}.json").read_text(encoding="utf-8"))
        assert "\x1b" not in json.dumps(student, ensure_ascii=False)
        json.loads((tmp_path / "gradescope" / name / "results.json").read_text(encoding="utf-8"))
    assert json.loads(written["summary"].read_text())["sandbox"] == "bubblewrap sandbox"


def test_the_table_shows_markup_as_text():
    from rich.console import Console

    console = Console(record=True, width=200, color_system=None)
    console.print(formats.table([nasty_result("[red]eve[/red]")]))
    text = console.export_text()
    assert "[red]eve[/red]" in text and "[bold]markup[/bold]" in text and "\x1b" not in text


def test_one_students_unwritable_files_do_not_stop_the_others(tmp_path, monkeypatch):
    real = formats.write_json

    def flaky(path, data):
        if "bob" in str(path):
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(formats, "write_json", flaky)
    written, failed = formats.write_all([honest_result("alice"), honest_result("bob"), honest_result("carol")],
                                        tmp_path)
    assert failed == ["bob's files: OSError: [Errno 28] No space left on device"]
    students = tmp_path / "students"
    assert sorted(p.name for p in students.iterdir()) == ["alice.json", "carol.json"]  # bob's alone is missing
    assert [json.loads((students / f"{s}.json").read_text())["student"] for s in ("alice", "carol")] == [
        "alice", "carol"]
    assert {"junit", "gradebook", "summary"} <= set(written)
    rows = list(csv.DictReader(written["gradebook"].read_text(encoding="utf-8").splitlines()))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]  # the shared files still list everyone


def test_unsandboxed_results_say_so_in_every_format(tmp_path):
    result = honest_result()
    result.sandboxed = False
    written, _ = formats.write_all([result], tmp_path, "NOT SANDBOXED")
    assert formats.UNSANDBOXED in json.loads((tmp_path / "gradescope" / "alice" / "results.json").read_text())["output"]
    assert json.loads((tmp_path / "students" / "alice.json").read_text())["sandboxed"] is False
    assert next(csv.DictReader(written["gradebook"].read_text().splitlines()))["sandboxed"] == "no"
    prop = ET.parse(written["junit"]).getroot().find("testsuite/properties/property")
    assert (prop.get("name"), prop.get("value")) == ("sandboxed", "false")


def test_student_file_names_never_collide_or_escape():
    assert formats.file_names(["a b", "a_b", "A_B", "..", ".x"]) == ["a_b", "a_b-1", "A_B-2", "_..", "_.x"]
