"""v3.1: one scratch FRNN over the English and the Russian side of the parallel text."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from lm_helpers import FromState, grade_honest_student, quick_results_twice, run_on_file
from rnnsuite.datasets.records import Pairs
from rnnsuite.plugins.variant3 import frnn_parallel as v31

from rnnsuite.context import RunContext
from rnnsuite.errors import DataError
from rnnsuite.scratch import FRNN, check_gradients

EN = {"file": "файл", "folder": "папка", "name": "имя", "size": "размер"}
VERB = {"Open": "Открыть", "Delete": "Удалить", "Rename": "Переименовать"}


def pairs(count: int = 900, seed: int = 0) -> Pairs:
    """Interface strings from a tiny grammar, each with its Russian translation."""
    rng = np.random.default_rng(seed)
    en, ru = [], []
    for _ in range(count):
        verb, noun = rng.choice(list(VERB)), rng.choice(list(EN))
        en.append(f"{verb} the {noun}")
        ru.append(f"{VERB[verb]} {EN[noun]}")
    return Pairs(en, ru, "en", "ru")


def ctx_for(data: Pairs, tmp_path: Path, hidden: Pairs | None = None, epochs=None):
    def load(path=None, full=False):
        return data if path is None else hidden

    registry = SimpleNamespace(datasets={v31.DATASET: None}, dataset=lambda name: SimpleNamespace(load=load))
    hidden_paths = {v31.DATASET: Path("hidden.txt")} if hidden is not None else {}
    return RunContext(v31.ASSIGNMENT, tmp_path, registry=registry, hidden_paths=hidden_paths, epochs_override=epochs)


def test_each_side_is_split_in_order_over_one_joint_alphabet(tmp_path):
    data = pairs()
    split = v31.prepare(ctx_for(data, tmp_path))
    vocab = split.spec["vocab"]
    assert "О" in vocab and "O" in vocab and split.spec["n"] == split.spec["m"] == len(vocab)
    for lang, lines in (("en", data.source), ("ru", data.target)):
        text = "\n".join(lines)
        training, test = split.train[lang], split.test_inputs[lang]
        cut = len(text) - round(0.3 * len(text))
        assert "".join(vocab[i] for i in training.all_ids()) == text[:cut]
        assert "".join(vocab[i] for i in test.ids) == text[cut:]
        assert np.array_equal(split.test_targets[lang], test.ids)
    assert set(split.info["baselines"]) == {f"{lang}_{n}gram_bpc" for lang in ("en", "ru")
                                            for n in ("uni", "bi", "tri")}


def test_reversed_pairs_are_read_by_language_and_hidden_pairs_test(tmp_path):
    data = pairs()
    hidden = Pairs(["Open the name"], ["Открыть имя"], "en", "ru")
    split = v31.prepare(ctx_for(data.reversed(), tmp_path, hidden=hidden.reversed()))
    vocab = split.spec["vocab"]
    assert "".join(vocab[i] for i in split.test_inputs["ru"].ids) == "Открыть имя"
    assert len(split.train["en"].all_ids()) == len("\n".join(data.source))


def test_too_little_text_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="too little text"):
        v31.prepare(ctx_for(pairs(10), tmp_path))


def test_bpc_per_language_by_hand(tmp_path):
    split = v31.prepare(ctx_for(pairs(), tmp_path))
    p = {lang: np.full(len(split.test_targets[lang]), 0.25) for lang in v31.LANGUAGES}
    p["ru"][:] = 0.5
    metrics = v31.evaluate(None, split, p)
    assert set(metrics) == set(v31.METRICS)
    assert metrics["en_bpc"] == pytest.approx(2.0) and metrics["ru_bpc"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="en test character"):
        v31.evaluate(None, split, {**p, "en": p["en"][:-1]})


def test_the_v31_frnn_passes_the_gradient_check_from_a_carried_state():
    model = FRNN.from_params(v31.build({"n": 9, "m": 9, "seed": 2}).params, output="all", loss="ce")
    rng = np.random.default_rng(3)
    X, Y = rng.integers(0, 9, (2, 8)), rng.integers(0, 9, (2, 8))
    result = check_gradients(FromState(model, np.tanh(rng.standard_normal((2, 128)))), X, Y, max_coords=60)
    assert result.passed, result.max_error


def test_an_untrained_frnn_fails_both_bars_and_a_trained_one_meets_them(tmp_path):
    ctx = ctx_for(pairs(), tmp_path, epochs=12)
    split = v31.prepare(ctx)
    model = v31.build(split.spec)
    untrained = v31.evaluate(ctx, split, v31.predict(ctx, model, split.test_inputs))
    assert not any(bar.check(untrained).passed for bar in v31.ASSIGNMENT.bars)
    v31.train(ctx, model, split.train)
    trained = v31.evaluate(ctx, split, v31.predict(ctx, model, split.test_inputs))
    assert all(bar.check(trained).passed for bar in v31.ASSIGNMENT.bars), trained
    paths = v31.artifacts(ctx, split, None, model)
    page = Path(paths["samples"]).read_text()
    assert page.count("## temperature") == 2 and any(ch in page for ch in "ОУП")  # it writes Russian too
    assert json.loads(Path(paths["vocabulary"]).read_text())["tokens"] == split.spec["vocab"]


def test_an_empty_pairs_file_is_one_line_and_exit_2(tmp_path):
    result = run_on_file(tmp_path, "v3.1", "en_ru_pairs", "rus.txt", "")
    assert result.exit_code == 2, result.output
    assert "empty" in result.output and "Traceback" not in result.output


@pytest.mark.integration
def test_an_honest_student_frnn_passes_every_model_check_of_v31(tmp_path):
    grade_honest_student(tmp_path, "v3.1", "frnn-parallel", output="all")


@pytest.mark.integration
def test_v31_quick_run_on_the_default_data_is_repeatable(tmp_path):
    first, second = quick_results_twice(tmp_path, "v3.1")
    assert set(first["artifacts"]) == set(v31.ASSIGNMENT.artifact_names)
    assert first["metrics"] == second["metrics"]
