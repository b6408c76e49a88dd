"""Grading the reference solutions, broken BPTT, underfitting, a batch of 20, every output format."""
from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from grading_helpers import GOOD_LINE, LINE_98, grade, line_batch, student_submission, write
from rnnsuite.cli import cli
from rnnsuite.graders import structure
from rnnsuite.grading import batch, sandbox
from rnnsuite.manager import Manager
from rnnsuite.types import Assignment, Outcome

GRADESCOPE_TOP = {"score", "tests", "execution_time", "output", "visibility"}
GRADESCOPE_TEST = {"score", "max_score", "name", "output", "visibility"}


def scratch_batch(tmp_path, ident: str) -> batch.Batch:
    registry = Manager().load().registry
    a = registry.assignment(ident)
    return batch.Batch(registry, [a], batch.Settings(quick=True, limits=sandbox.Limits(timeout=120)))


MODEL = {"v5.1": "frnn-sentiment", "v6.1": "frnn-temperature"}
LOSS = {"v5.1": "ce", "v6.1": "mse"}
SCRATCH_ITEMS = ("gradient W", "gradient U", "gradient V", "gradient b_h", "gradient b_y", "forward pass", "loss")


@pytest.mark.parametrize("ident", ["v5.1", "v6.1"])
def test_an_honest_scratch_solution_passes_every_model_check(tmp_path, ident):
    submission = student_submission(MODEL[ident], loss=LOSS[ident])
    r = grade(scratch_batch(tmp_path, ident), tmp_path / "subs", "honest.py", submission)
    assert r.status == "ok", r.errors
    checks = {i.name: i for i in r.items if i.name.split(" ", 1)[1] in SCRATCH_ITEMS}
    assert sorted(checks) == sorted(f"{ident} {n}" for n in SCRATCH_ITEMS)
    assert all(i.passed and i.score == i.max_score for i in checks.values()), checks
    # quick mode trains a few epochs on a slice: the metric bars are checked by the benchmark's full run
    assert any(op in i.name for i in r.items for op in ("<", ">"))  # the bars were graded too
    assert r.assignments[0].metrics and r.assignments[0].probe_seed is not None


def test_a_bptt_that_does_not_carry_through_time_loses_the_recurrent_gradients(tmp_path):
    r = grade(scratch_batch(tmp_path, "v5.1"), tmp_path / "subs", "nocarry.py", student_submission(
        "frnn-sentiment", body="""
        class Model(StudentFRNN):  # the mistake: delta_t gets no U^T delta_{t+1} term
            def loss_and_grads(self, X, targets, mask=None, truncate=None):
                return super().loss_and_grads(X, targets, mask, truncate=1)
        """))
    items = {i.name.split(" ", 1)[1]: i for i in r.items}
    assert items["forward pass"].passed and items["loss"].passed
    assert items["gradient V"].passed and items["gradient b_y"].passed
    for name in ("gradient W", "gradient U", "gradient b_h"):
        assert items[name].score == 0 and "not carried through time" in items[name].message


def test_a_model_that_breaks_the_protocol_loses_the_model_checks_only(tmp_path):
    r = grade(scratch_batch(tmp_path, "v6.1"), tmp_path / "subs", "nograds.py", student_submission(
        "frnn-temperature", loss="mse", body="""
        BUILT = []

        class Model(StudentFRNN):  # the first model built is the one questioned; it fails the questions
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                BUILT.append(self)

            def loss_and_grads(self, X, targets, mask=None, truncate=None):
                if self is BUILT[0]:
                    return 1 / 0
                return super().loss_and_grads(X, targets, mask, truncate)
        """))
    items = {i.name.split(" ", 1)[1]: i for i in r.items}
    assert items["forward pass"].passed
    for name in ("W", "U", "V", "b_h", "b_y"):
        item = items[f"gradient {name}"]
        assert "ZeroDivisionError" in item.message and item.score == 0


def test_a_scratch_submission_scores_what_its_trained_parameters_predict(tmp_path):
    """Predictions looked up elsewhere count for nothing: the parent re-runs the trained parameters."""
    r = grade(scratch_batch(tmp_path, "v6.1"), tmp_path / "subs", "lookup.py", student_submission(
        "frnn-temperature", loss="mse", body="""
        import numpy as np
        class Model(StudentFRNN):
            def predict(self, X, mask=None):  # "predicts" a constant, whatever the parameters say
                return np.full((len(X), 1), 0.123)
        """))
    items = {i.name.split(" ", 1)[1]: i for i in r.items}
    assert not items["forward pass"].passed and "reproduces 0.0%" in items["forward pass"].message
    honest = grade(scratch_batch(tmp_path, "v6.1"), tmp_path / "subs2", "honest.py",
                   student_submission("frnn-temperature", loss="mse"))
    assert r.assignments[0].metrics == honest.assignments[0].metrics  # the same training, the same parameters


def test_a_submission_that_reuses_the_suites_engine_gets_no_gradient_items(tmp_path):
    r = grade(scratch_batch(tmp_path, "v5.1"), tmp_path / "subs", "borrowed.py", """
        from rnnsuite.types import ModelFactory
        from rnnsuite.plugins.variant5.frnn_sentiment import build
        import rnnsuite.scratch.frnn  # the suite's own BPTT

        def rnnsuite_add_models():
            return [ModelFactory("frnn-sentiment", "scratch", build)]
    """)
    items = {i.name.split(" ", 1)[1]: i for i in r.items}
    for name in SCRATCH_ITEMS:
        assert items[name].score == 0 and "rnnsuite.scratch.frnn" in items[name].message


def test_underfitting_loses_the_bar_and_keeps_the_others(tmp_path):
    b = line_batch(tmp_path, number=98, epochs=1)
    r = grade(b, tmp_path / "subs", "lazy.py", GOOD_LINE)
    partial, baseline = r.items
    assert baseline.passed and baseline.score == 1.0
    assert not partial.passed and 0 < partial.score < 1  # partial credit between floor and bar
    assert r.status == "ok"


def test_an_assignment_that_cannot_be_prepared_costs_no_points(tmp_path):
    r = grade(line_batch(tmp_path, tasks=(1, 2)), tmp_path / "subs", "good.py", GOOD_LINE)
    assert (r.score, r.max_score) == (1.0, 1.0) and "broken on purpose" in r.errors[0]


def test_the_structure_check():
    elman = Assignment("v5.3", "custom", "Elman network", "", "", (), "m", *(4 * [None]))
    esn = Assignment("v6.3", "custom", "Echo state network", "", "", (), "m", *(4 * [None]))
    assert structure.applies(elman) and not structure.applies(esn)

    def check(classes):
        return structure.grade_structure(Outcome(elman, structure=tuple(classes)))[0]

    seq = "keras.src.models.sequential.Sequential"
    assert check([seq, "submission.ElmanCell", "keras.src.layers.rnn.rnn.RNN"]).passed
    assert check([seq, "rnnsuite.plugins.variant5.elman.ElmanCell"]).passed
    stock = check([seq, "keras.src.layers.rnn.simple_rnn.SimpleRNN", "keras.src.layers.rnn.simple_rnn.SimpleRNNCell"])
    assert not stock.passed and "SimpleRNN" in stock.message
    assert not check([seq, "keras.src.layers.core.dense.Dense"]).passed
    assert "no model structure" in structure.grade_structure(Outcome(elman))[0].message

    class Cell:
        pass

    class Layer:
        cell = Cell()

    class Model:
        layers = [Layer()]

    assert [c.rsplit(".", 1)[1] for c in structure.describe(Model())] == [
        "Model", "Layer", "Cell"]


def test_a_batch_of_20_with_two_jobs_writes_every_format(tmp_path):
    plugin = write(tmp_path / "plugins", "line98.py", LINE_98)
    subs = tmp_path / "subs"
    for i in range(19):
        write(subs, f"student{i:02d}.py", GOOD_LINE)
    write(subs, "student19.py", "syntax error(")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["-p", str(plugin), "grade", str(subs), "--variant", "98", "--task", "1",
                                      "--jobs", "2", "--timeout", "30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "student19" in result.output
    # CSV gradebook: 20 rows, one column per item, a status column
    rows = list(csv.DictReader((out / "gradebook.csv").read_text().splitlines()))
    assert len(rows) == 20 and rows[19]["status"] == "error" and rows[0]["status"] == "ok"
    assert [c for c in rows[0] if c.startswith("v98.1")] == [
        "v98.1 mae <= 0.2", "v98.1 mae < zero_mae", "v98.1 mae (value)", "v98.1 total", "v98.1 max", "v98.1 status",
        "v98.1 lost points because", "v98.1 graded"]
    assert rows[0]["v98.1 max"] == "10" and float(rows[0]["v98.1 mae (value)"]) < 0.2  # 10 points, the mae shown
    assert "SyntaxError" in rows[19]["v98.1 lost points because"] and "seed 0" in rows[0]["v98.1 graded"]
    # Gradescope results.json
    for i in range(20):
        gs = json.loads((out / "gradescope" / f"student{i:02d}" / "results.json").read_text())
        assert GRADESCOPE_TOP <= set(gs) and gs["tests"]
        assert all(GRADESCOPE_TEST <= set(t) for t in gs["tests"])
    broken = json.loads((out / "gradescope" / "student19" / "results.json").read_text())
    assert broken["score"] == 0 and "SyntaxError" in broken["output"]
    # JUnit XML
    root = ET.parse(out / "junit.xml").getroot()
    suites = root.findall("testsuite")
    assert root.tag == "testsuites" and len(suites) == 20
    assert all(len(s.findall("testcase")) == 2 for s in suites)
    assert suites[19].find("testcase/error").get("type") == "error" and suites[19].get("errors") == "2"
    assert suites[0].find("testcase/failure") is None and suites[0].find("testcase/error") is None
    # per-student JSON
    student = json.loads((out / "students" / "student00.json").read_text())
    assert {"student", "score", "max_score", "status", "errors", "items"} <= set(student)
    assert (student["student"], student["status"], student["score"], student["max_score"]) == (
        "student00", "ok", 10, 10)


def test_submission_init_writes_a_template_and_a_reference(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["submission", "init", "--variant", "5", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "variant5.py").read_text()
    for name in ("frnn-sentiment", "gru-sentiment", "elman-digits", "loss_and_grads", "h_t = tanh(W x_t"):
        assert name in text
    compile(text, "variant5.py", "exec")
    assert runner.invoke(cli, ["submission", "init", "--variant", "5", str(tmp_path)]).exit_code == 2
    result = runner.invoke(cli, ["submission", "init", "--variant", "5", "--reference", str(tmp_path)])
    written = (tmp_path / "variant5_reference.py").read_text()
    assert result.exit_code == 0 and "gru_sentiment import build as reference" in written
    assert "class StudentFRNN" in written and "rnnsuite.scratch" not in written  # the scratch part is the student's
    bad = runner.invoke(cli, ["submission", "init", "--variant", "42", str(tmp_path)])
    assert bad.exit_code == 2 and "unknown variant 42" in bad.output


def test_the_unfilled_template_is_graded_zero_with_reasons(tmp_path):
    CliRunner().invoke(cli, ["submission", "init", "--variant", "6", str(tmp_path)])
    r = batch.Batch(Manager().load().registry, [Manager().load().registry.assignment("v6.1")],
                    batch.Settings(quick=True)).run([("t", tmp_path / "variant6.py")])[0]
    assert r.score == 0 and r.status == "error" and "NotImplementedError" in r.errors[0]


@pytest.mark.slow
def test_the_elman_reference_passes_the_structure_check_and_simple_rnn_does_not(tmp_path):
    registry = Manager().load().registry
    a = registry.assignment("v5.3")
    reference = write(tmp_path / "subs", "reference.py", """
        from rnnsuite.types import ModelFactory
        from rnnsuite.plugins.variant5.elman_digits import build
        def rnnsuite_add_models():
            return [ModelFactory("elman-digits", "custom", build)]
    """)
    stock = write(tmp_path / "subs", "stock.py", """
        from rnnsuite.types import ModelFactory
        def build(spec):
            import keras
            from rnnsuite.plugins.variant5.elman_digits import build as reference
            model = reference(spec)  # the same input and output, but a stock SimpleRNN inside
            stock = keras.Sequential([keras.Input(model.input_shape[1:]), keras.layers.SimpleRNN(32),
                                      keras.layers.Dense(model.output_shape[-1], activation="softmax")])
            stock.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            return stock
        def rnnsuite_add_models():
            return [ModelFactory("elman-digits", "custom", build)]
    """)
    settings = batch.Settings(quick=True, jobs=2, limits=sandbox.Limits(timeout=300))
    ref, simple = batch.Batch(registry, [a], settings).run([("reference", reference), ("stock", stock)])
    ref_items = {i.name: i for i in ref.items}
    assert ref.status == "ok" and ref_items["v5.3 custom recurrent cell"].passed
    stock_items = {i.name: i for i in simple.items}
    assert simple.status == "ok", simple.errors
    assert not stock_items["v5.3 custom recurrent cell"].passed
    assert "SimpleRNN" in stock_items["v5.3 custom recurrent cell"].message
