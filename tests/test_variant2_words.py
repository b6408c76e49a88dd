"""v2.1: the 4th word from the 3 before, with the scratch FRNN; n-gram baselines on a hand-made corpus."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from lm_helpers import grade_honest_student, quick_results_twice, run_on_file
from rnnsuite.plugins.variant2 import frnn_words

from rnnsuite.context import RunContext
from rnnsuite.errors import DataError
from rnnsuite.scratch import FRNN, check_gradients
from rnnsuite.types import Split

A = frnn_words.ASSIGNMENT


def corpus(sentences: int = 3000, seed: int = 0) -> str:
    """Running text from a tiny grammar: after 'the film was' comes an adjective, after 'and' a noun..."""
    rng = np.random.default_rng(seed)
    nouns, verbs, adjectives = ["film", "plot", "actor", "story"], ["was", "seemed"], ["good", "bad", "long", "dull"]
    parts = [f"the {rng.choice(nouns)} {rng.choice(verbs)} {rng.choice(adjectives)} and the {rng.choice(nouns)} "
             f"{rng.choice(verbs)} {rng.choice(adjectives)} ." for _ in range(sentences)]
    return " ".join(parts)


def ctx_for(text: str, tmp_path: Path, hidden: str | None = None, epochs=None, quick=False):
    def load(path=None, full=False):
        return text if path is None else hidden

    registry = SimpleNamespace(datasets={frnn_words.DATASET: None}, dataset=lambda name: SimpleNamespace(load=load))
    hidden_paths = {frnn_words.DATASET: Path("hidden.txt")} if hidden is not None else {}
    return RunContext(A, tmp_path, registry=registry, hidden_paths=hidden_paths, epochs_override=epochs, quick=quick)


def test_windows_leave_out_unknown_targets_and_count_classes_from_the_first_word():
    w = frnn_words.word_windows(np.array([2, 3, 1, 4, 5, 1, 2]))
    assert w.X.tolist() == [[2, 3, 1], [3, 1, 4], [4, 5, 1]]  # [1, 4, 5] -> <unk> (id 1) is gone
    assert w.y.tolist() == [2, 3, 0]  # word id - 2


def test_prepare_keeps_time_order_and_never_asks_for_unknown(tmp_path):
    text = corpus() + " zebra zebra quokka"  # words seen only in the test block
    split = frnn_words.prepare(ctx_for(text, tmp_path))
    fit, val, X = split.train["fit"], split.train["validation"], split.test_inputs
    vocab = split.spec["vocab"]
    assert vocab[:2] == ["<pad>", "<unk>"] and "zebra" not in vocab and split.spec["m"] == len(vocab) - 2
    assert split.spec["n"] == len(vocab) and split.spec["window"] == 3
    words = text.split()
    cut = len(words) - round(0.3 * len(words))
    # the first test window reads the last 3 training words and asks for the first test word
    assert [vocab[i] for i in X[0]] == words[cut - 3:cut] and vocab[split.test_targets[0] + 2] == words[cut]
    assert len(fit) + len(val) == cut - 3 and len(val) == round(0.05 * (cut - 3))
    assert split.info["test_windows_with_unknown_target"] == 3  # zebra, zebra, quokka: left out
    assert vocab[split.test_targets[-1] + 2] == "."  # the last window asked for is the one before them
    assert split.test_targets.max() < split.spec["m"]


def test_hidden_text_is_the_test_block(tmp_path):
    split = frnn_words.prepare(ctx_for(corpus(), tmp_path, hidden="the plot was dull and the film was good ."))
    assert len(split.test_targets) == 7 and len(split.train["fit"]) + len(split.train["validation"]) > 10000


def test_too_little_text_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="give a text of at least"):
        frnn_words.prepare(ctx_for("just a few words here", tmp_path))


def test_baselines_on_a_hand_made_corpus():
    # ids: 2 3 4 2 3 4 ...: after (2, 3) always 4; the most frequent class is 0 (id 2) by first seen
    train = np.tile([2, 3, 4], 50)
    test = frnn_words.word_windows(np.tile([2, 3, 4], 5))
    out = frnn_words.ngram_baselines(train, frnn_words.word_windows(train).y, test, 8)  # 6 words, 3 of them used
    assert out["fourgram_top1"] == 1.0
    assert out["most_frequent_top1"] == pytest.approx(np.mean(test.y == 0))
    assert out["most_frequent_top5"] == 1.0  # three words, all among the top 5


def test_top1_and_top5_by_hand():
    split = Split(None, np.zeros((3, 3), dtype=int), np.array([4, 1, 7]), info={"baselines": {"b": 0.1}})
    ranked = np.array([[4, 0, 1, 2, 3], [0, 2, 3, 5, 1], [0, 1, 2, 3, 5]])
    assert frnn_words.evaluate(None, split, ranked) == {"top1": pytest.approx(1 / 3), "top5": pytest.approx(2 / 3),
                                                        "b": 0.1}
    with pytest.raises(ValueError, match="5 best classes"):
        frnn_words.evaluate(None, split, ranked[:, :3])


def test_the_v21_frnn_passes_the_gradient_check():
    built = frnn_words.build({"n": 40, "m": 38, "seed": 0})
    assert (built.output, built.loss_name, built.params["V"].shape) == ("last", "ce", (38, 128))
    model = FRNN.from_params(built.params, output="last", loss="ce")  # float64 for the check
    rng = np.random.default_rng(1)
    X, y = rng.integers(0, 40, (5, 3)), rng.integers(0, 38, 5)
    X[:, 1] = X[:, 0]  # a repeated word in each window
    result = check_gradients(model, X, y, max_coords=60)
    assert result.passed, result.max_error


def test_an_untrained_frnn_fails_the_bar_and_a_trained_one_meets_it(tmp_path):
    ctx = ctx_for(corpus(), tmp_path, epochs=3)
    split = frnn_words.prepare(ctx)
    model = frnn_words.build(split.spec)
    untrained = frnn_words.evaluate(ctx, split, frnn_words.predict(ctx, model, split.test_inputs))
    # on this tiny grammar the most frequent word scores 20%: the relative bar is the one that bites
    assert not all(bar.check(untrained).passed for bar in A.bars)
    frnn_words.train(ctx, model, split.train)
    ranked = frnn_words.predict(ctx, model, split.test_inputs)
    trained = frnn_words.evaluate(ctx, split, ranked)
    assert all(bar.check(trained).passed for bar in A.bars), trained
    assert ranked.shape == (len(split.test_targets), 5) and ranked.max() < split.spec["m"]
    paths = frnn_words.artifacts(ctx, split, ranked, model)
    table = Path(paths["predictions"]).read_text()
    assert table.count("\n| ") == 21 and "**" in table  # the header and 20 windows; some true words found
    assert json.loads(Path(paths["vocabulary"]).read_text())["tokens"] == split.spec["vocab"]


def test_an_empty_corpus_is_one_line_and_exit_2(tmp_path):
    result = run_on_file(tmp_path, "v2.1", "english_corpus", "corpus.txt", "")
    assert result.exit_code == 2, result.output
    assert "empty" in result.output and "Traceback" not in result.output


@pytest.mark.integration
def test_an_honest_student_frnn_passes_every_model_check_of_v21(tmp_path):
    result = grade_honest_student(tmp_path, "v2.1", "frnn-words", output="last")
    assert result.metrics["top5"] > result.metrics["most_frequent_top1"]


@pytest.mark.integration
def test_v21_quick_run_on_the_default_data_is_repeatable(tmp_path):
    first, second = quick_results_twice(tmp_path, "v2.1")
    assert set(first["artifacts"]) == set(A.artifact_names)
    assert first["metrics"] == second["metrics"]
    assert first["metrics"]["fourgram_top1"] > first["metrics"]["most_frequent_top1"]
