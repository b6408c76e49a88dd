"""v4.2: the Keras LSTM on restaurant reviews: declaration, a quick run, the saved model, bad files, grading."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from grading_helpers import requires_sandbox

from rnnsuite import sentiment
from rnnsuite.cli import cli
from rnnsuite.manager import Manager

YELP = (b"Wow... Loved this place.\t1\nCrust is not good.\t0\nThe fries were great too.\t1\n"
        b"Would not go back.\t0\nThe cr\xc3\xaape was delicate and thin and moist.\t1\n"
        b"The potatoes were like rubber and you could tell they had been made up ahead of time.\t0\n") * 4


@pytest.fixture(scope="module")
def registry():
    return Manager().load().registry


def test_importing_variant_4_does_not_import_tensorflow():
    code = ("import sys, rnnsuite.plugins.variant4 as v; v.rnnsuite_add_variants(); v.rnnsuite_add_models(); "
            "bad = [m for m in ('tensorflow', 'keras', 'sklearn') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_v4_2_is_the_courses_lstm_on_restaurant_reviews(registry):
    a = registry.assignment("v4.2")
    assert (a.kind, a.network, a.model, a.from_course) == ("keras", "LSTM", "lstm-reviews", True)
    assert "рестораны" in a.task_ru and "LSTM" in a.task_ru and "restaurant" in a.task_en
    assert a.metrics == sentiment.METRICS and a.datasets[0] == "restaurant_reviews"
    [bar] = a.bars
    assert (bar.metric, bar.floor) == ("relative_accuracy", 0.0) and "0.75" in bar.why
    factory = registry.model("lstm-reviews")
    assert factory.kind == "keras" and "uncompiled" in factory.build.__doc__


def test_a_review_file_whose_labels_are_other_values_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "Restaurant_Reviews.tsv"
    bad.write_bytes(b"Review\tLiked\nGreat food.\t5\nAwful.\t0\n")
    result = CliRunner().invoke(cli, ["run", "--variant", "4", "--task", "2", "--quick", "--out",
                                      str(tmp_path / "out"), "--data", f"restaurant_reviews={bad}"])
    assert result.exit_code == 2, result.output
    assert "unknown label '5'" in result.output and "Traceback" not in result.output


def run_quick(registry, out: Path, seed: int = 0, data: dict | None = None):
    from rnnsuite.runner import run

    manager = Manager().load()
    [result] = run(manager, manager.registry.variant(4), [registry.assignment("v4.2")], out_dir=out, seed=seed,
                   quick=True, data_paths=data)
    assert result.error is None, result.error
    return result


@pytest.mark.slow
@pytest.mark.integration
def test_quick_run_reports_both_baselines_and_says_the_data_is_a_substitute(registry, tmp_path):
    first = run_quick(registry, tmp_path / "a", seed=2)
    m = first.metrics
    assert set(m) == set(sentiment.METRICS) and all(0 <= m[k] <= 1 for k in ("accuracy", "bow_accuracy", "f1"))
    assert m["majority_accuracy"] == pytest.approx(0.65, abs=0.02)  # fine-food reviews: 'great' is the majority
    # 420 quick training reviews: the bag of words may only match the majority; the bar's scale then uses
    # the least gain the bag of words is credited with
    assert m["bow_accuracy"] >= m["majority_accuracy"]
    assert m["relative_accuracy"] == pytest.approx(sentiment.relative_accuracy(m["accuracy"], m["majority_accuracy"],
                                                                               m["bow_accuracy"]))
    assert "substitute" in first.info["substitute"] and first.info["pretrained_embedding"]
    samples = Path(first.artifacts["samples"]).read_text(encoding="utf-8")
    assert samples.startswith("| true | predicted | review |")
    # the saved model with its vocabulary classifies raw text as the run did
    classify = sentiment.load_classifier(Path(first.artifacts["model"]))
    texts = [line.split(" | ", 2)[2].rsplit(" |", 1)[0] for line in samples.splitlines()[2:5]]
    probs = classify(texts)
    assert probs.shape == (3,) and ((0 <= probs) & (probs <= 1)).all()
    again = run_quick(registry, tmp_path / "b", seed=2)
    assert again.metrics == first.metrics


@pytest.mark.slow
@pytest.mark.integration
def test_the_uci_yelp_file_trains_and_keeps_the_defaults_as_unlabelled_text_only(registry, tmp_path):
    yelp = tmp_path / "yelp_labelled.txt"
    yelp.write_bytes(YELP)
    result = run_quick(registry, tmp_path / "out", data={"restaurant_reviews": yelp})
    assert result.info["records"] == 24 and result.info["data"]["restaurant_reviews"] == str(yelp)
    assert "substitute" not in result.info and result.metrics["majority_accuracy"] == pytest.approx(0.5, abs=0.2)


REFERENCE = """
    from rnnsuite.types import ModelFactory
    from rnnsuite.plugins.variant4.lstm_reviews import build

    def rnnsuite_add_models():
        return [ModelFactory("lstm-reviews", "keras", build)]
"""
CONSTANT = """
    from rnnsuite.types import ModelFactory

    def build(spec):  # an LSTM that never looks at the review: the same answer for every input
        import keras
        ids = keras.Input((spec["length"],), dtype="int32")
        h = keras.layers.LSTM(4)(keras.layers.Embedding(spec["vocab_size"], 4)(ids))
        zero = keras.layers.Lambda(lambda x: 0.0 * x)(h)
        return keras.Model(ids, keras.layers.Dense(1, activation="sigmoid", bias_initializer="ones")(zero))

    def rnnsuite_add_models():
        return [ModelFactory("lstm-reviews", "keras", build)]
"""


@pytest.mark.slow
@requires_sandbox
def test_grading_on_hidden_restaurant_reviews_the_reference_scores_and_a_constant_model_fails(registry, tmp_path):
    from rnnsuite.grading import batch, sandbox

    hidden = tmp_path / "hidden_yelp.txt"
    hidden.write_bytes(YELP)
    subs = tmp_path / "subs"
    subs.mkdir()
    for name, source in (("reference", REFERENCE), ("constant", CONSTANT)):
        (subs / f"{name}.py").write_text(textwrap.dedent(source))
    settings = batch.Settings(quick=True, seed=1, limits=sandbox.Limits(timeout=300),
                              hidden_paths={"restaurant_reviews": hidden})
    results = batch.Batch(registry, [registry.assignment("v4.2")], settings).run(
        [(name, subs / f"{name}.py") for name in ("reference", "constant")])
    reference, constant = results
    assert reference.status == "ok" and constant.status == "ok", (reference.errors, constant.errors)
    metrics = reference.assignments[0].metrics
    assert metrics["majority_accuracy"] == pytest.approx(0.5) and np.isfinite(metrics["relative_accuracy"])
    [item] = [i for i in constant.items if "relative_accuracy" in i.name]
    assert constant.assignments[0].metrics["relative_accuracy"] <= 0.0 and item.score == 0 and not item.passed
    assert [i.name for i in reference.items] == [i.name for i in constant.items]
