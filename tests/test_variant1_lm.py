"""Variant 1's language models: v1.1 (scratch FRNN) and v1.2 (Keras GRU) on review text.

Unit tests build their own small texts; the quick runs on the real default
data are marked integration (and slow where TensorFlow is imported).
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner
from lm_helpers import FromState, grade_honest_student, quick_results_twice, run_on_file
from rnnsuite.plugins.variant1 import frnn_reviews, gru_reviews, reviews

from rnnsuite.charlm import Stream
from rnnsuite.context import RunContext
from rnnsuite.errors import DataError
from rnnsuite.scratch import FRNN, check_gradients
from rnnsuite.types import Split

SUBJECTS, VERBS, ADJECTIVES = ["the cat", "a dog", "my tea", "this soup"], ["is", "was", "tastes"], ["great", "bad",
                                                                                                       "sweet", "fine"]


def hand_made_reviews(count: int = 700, seed: int = 0) -> str:
    """Short reviews from a tiny grammar, one per line: a bigram cannot know which word comes next."""
    rng = np.random.default_rng(seed)
    say = lambda: f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(ADJECTIVES)}."  # noqa: E731
    return "\n".join(" ".join(say() for _ in range(rng.integers(1, 3))) for _ in range(count))


def ctx_for(assignment, text: str, tmp_path: Path, hidden: str | None = None, seed: int = 0, epochs=None):
    def load(path=None, full=False):
        return text if path is None else hidden

    registry = SimpleNamespace(datasets={reviews.DATASET: None}, dataset=lambda name: SimpleNamespace(load=load))
    hidden_paths = {reviews.DATASET: Path("hidden.txt")} if hidden is not None else {}
    return RunContext(assignment, tmp_path, seed=seed, registry=registry, hidden_paths=hidden_paths,
                      epochs_override=epochs)


# -- data ----------------------------------------------------------------------------------------------
def test_the_text_is_split_in_order_and_encoded_with_the_training_characters(tmp_path):
    text = hand_made_reviews() + "\nzz"  # 'z' occurs in the test block only
    split = reviews.prepare(ctx_for(frnn_reviews.ASSIGNMENT, text, tmp_path))
    training, test = split.train, split.test_inputs
    cut = len(text) - round(0.3 * len(text))
    assert len(training.ids) + len(training.validation) == cut and len(test) == len(text) - cut
    assert split.spec["vocab"][:2] == ["<pad>", "<unk>"] and "z" not in split.spec["vocab"]
    assert split.info["unknown_in_test"] == 2 and test.ids[-1] == 1
    assert np.array_equal(split.test_targets, test.ids)
    vocab = reviews.vocabulary(split.spec)
    assert vocab.decode(np.concatenate([training.all_ids(), test.ids])) == text.replace("z", "<unk>")
    assert np.array_equal(test.context, training.all_ids()[-len(test.context):])  # it reads the end of training
    assert split.spec["n"] == split.spec["m"] == len(vocab)
    assert set(split.info["baselines"]) == {"unigram_bpc", "bigram_bpc", "trigram_bpc"}


def test_hidden_text_is_the_test_block_and_all_the_data_trains(tmp_path):
    text, hidden = hand_made_reviews(), "the soup is fine.\nthe dog was great."
    split = reviews.prepare(ctx_for(frnn_reviews.ASSIGNMENT, text, tmp_path, hidden=hidden))
    assert len(split.train.all_ids()) == len(text)
    assert reviews.vocabulary(split.spec).decode(split.test_inputs.ids) == hidden


@pytest.mark.parametrize("text", ["", "a short text\n" * 10])
def test_too_little_text_is_a_data_error(tmp_path, text):
    with pytest.raises(DataError, match="too few to learn from"):
        reviews.prepare(ctx_for(frnn_reviews.ASSIGNMENT, text, tmp_path))


def test_bits_per_character_by_hand():
    split = Split(None, Stream(np.array([3, 4]), np.array([2])), np.array([3, 4]),
                  info={"baselines": {"unigram_bpc": 4.0, "bigram_bpc": 3.0, "trigram_bpc": 2.5}})
    metrics = reviews.evaluate(None, split, np.array([0.5, 0.25]))
    assert metrics == {"bpc": pytest.approx(1.5), "unigram_bpc": 4.0, "bigram_bpc": 3.0, "trigram_bpc": 2.5}
    with pytest.raises(ValueError, match="one probability per test character"):
        reviews.evaluate(None, split, np.array([0.5]))
    with pytest.raises(ValueError, match="probabilities"):
        reviews.evaluate(None, split, np.array([0.5, 0.0]))


# -- v1.1: the scratch FRNN -------------------------------------------------------------------------
def test_the_v11_frnn_passes_the_gradient_check_from_a_carried_state():
    built = frnn_reviews.build({"n": 11, "m": 11, "seed": 0})
    assert (built.output, built.loss_name, built.params["U"].shape) == ("all", "ce", (128, 128))
    model = FRNN.from_params(built.params, output="all", loss="ce")  # float64 for the check
    rng = np.random.default_rng(0)
    X, Y = rng.integers(0, 11, (3, 7)), rng.integers(0, 11, (3, 7))
    h0 = np.tanh(rng.standard_normal((3, 128)))
    result = check_gradients(FromState(model, h0), X, Y, max_coords=60)
    assert result.passed, result.max_error


def test_an_untrained_frnn_fails_the_bar_and_training_beats_the_bigram(tmp_path):
    a = frnn_reviews.ASSIGNMENT
    ctx = ctx_for(a, hand_made_reviews(), tmp_path, epochs=6)
    split = reviews.prepare(ctx)
    model = frnn_reviews.build(split.spec)
    untrained = reviews.evaluate(ctx, split, frnn_reviews.predict(ctx, model, split.test_inputs))
    (bar,) = a.bars
    assert not bar.check(untrained).passed and bar.check(untrained).credit == 0.0
    frnn_reviews.train(ctx, model, split.train)
    trained = reviews.evaluate(ctx, split, frnn_reviews.predict(ctx, model, split.test_inputs))
    assert bar.check(trained).passed, trained
    assert len(ctx.history["loss"]) == 6 and ctx.info["best_epoch"] >= 1


def test_v11_artifacts_samples_and_a_model_that_writes_again(tmp_path):
    from rnnsuite import charlm

    ctx = ctx_for(frnn_reviews.ASSIGNMENT, hand_made_reviews(), tmp_path, epochs=6)
    split = reviews.prepare(ctx)
    model = frnn_reviews.train(ctx, frnn_reviews.build(split.spec), split.train)
    paths = frnn_reviews.artifacts(ctx, split, None, model)
    assert set(paths) == set(frnn_reviews.ASSIGNMENT.artifact_names) - {"history"}
    page = Path(paths["samples"]).read_text()
    assert page.count("## temperature") == 2 and "1. " in page and page.count("\n10. ") == 2
    again, vocab = charlm.load(paths["model"])
    texts = charlm.generate(again, vocab, 3, 60, 0.5, np.random.default_rng(1))
    assert len(texts) == 3 and sum(t.count(" is ") + t.count(" was ") for t in texts) >= 1


# -- the command line and the real data ----------------------------------------------------------------
@pytest.mark.parametrize("content", ["", "abc"])
def test_an_empty_or_tiny_text_is_one_line_and_exit_2(tmp_path, content):
    result = run_on_file(tmp_path, "v1.1", "review_text", "reviews.txt", content)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if "review" in line and ("empty" in line or "few" in line)]
    assert errors and "Traceback" not in result.output


@pytest.mark.integration
def test_v11_quick_run_on_the_default_data_is_repeatable(tmp_path):
    first, second = quick_results_twice(tmp_path, "v1.1")
    assert set(first["artifacts"]) == set(frnn_reviews.ASSIGNMENT.artifact_names)
    assert first["metrics"] == second["metrics"]
    assert first["metrics"]["unigram_bpc"] > first["metrics"]["bigram_bpc"] > first["metrics"]["trigram_bpc"]


# -- v1.2: the Keras GRU ------------------------------------------------------------------------------
def test_gru_windows_predict_the_next_character():
    X, Y = gru_reviews.windows(np.arange(11), length=3)
    assert X.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and Y.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


@pytest.mark.slow
def test_v12_trains_scores_writes_and_the_saved_model_writes_again(tmp_path):
    a = gru_reviews.ASSIGNMENT
    ctx = ctx_for(a, hand_made_reviews(), tmp_path, epochs=8)
    split = gru_reviews.prepare(ctx)
    assert "fivegram_bpc" in split.info["baselines"]
    model = gru_reviews.build(split.spec)
    assert not getattr(model, "compiled", False) and model.output.shape[-1] == split.spec["m"]
    untrained = reviews.evaluate(ctx, split, gru_reviews.predict(ctx, model, split.test_inputs))
    assert not a.bars[0].check(untrained).passed
    model = gru_reviews.train(ctx, model, split.train)
    p = gru_reviews.predict(ctx, model, split.test_inputs)
    trained = reviews.evaluate(ctx, split, p)
    # a few dozen updates on 14k characters: it has learned the letters, not yet the words
    assert trained["bpc"] < min(trained["unigram_bpc"], untrained["bpc"] - 1.0), trained
    paths = gru_reviews.artifacts(ctx, split, p, model)
    assert Path(paths["samples"]).read_text().count("## temperature") == 2
    again, vocab = gru_reviews.load(paths["model"])
    texts = gru_reviews.write(again, vocab, 2, 0.5, np.random.default_rng(0))
    assert len(texts) == 2 and all(set(t) <= set(vocab.tokens) for t in texts)


# -- grading ------------------------------------------------------------------------------------------
@pytest.mark.integration
def test_an_honest_student_frnn_passes_every_model_check_of_v11(tmp_path):
    result = grade_honest_student(tmp_path, "v1.1", "frnn-reviews", output="all")
    assert result.metrics["bpc"] < result.metrics["unigram_bpc"]  # it learned something


def test_submission_init_covers_variant_1s_language_models(tmp_path):
    from rnnsuite.cli import cli

    result = CliRunner().invoke(cli, ["submission", "init", "--variant", "1", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "variant1.py").read_text()
    for name in ("frnn-reviews", "gru-reviews", "h0", "last_state"):
        assert name in text, name
    compile(text, "variant1.py", "exec")


@pytest.mark.slow
@pytest.mark.integration
def test_a_submission_re_exporting_the_gru_factory_is_graded(tmp_path):
    from grading_helpers import grade

    from rnnsuite.grading import batch, sandbox
    from rnnsuite.manager import Manager

    registry = Manager().load().registry
    b = batch.Batch(registry, [registry.assignment("v1.2")],
                    batch.Settings(quick=True, limits=sandbox.Limits(timeout=600, memory_mb=4096)))
    r = grade(b, tmp_path / "subs", "reference.py", """
        from rnnsuite.types import ModelFactory
        from rnnsuite.plugins.variant1.gru_reviews import build
        def rnnsuite_add_models():
            return [ModelFactory("gru-reviews", "keras", build)]
    """)
    assert r.status == "ok", r.errors
    metrics = r.assignments[0].metrics
    assert set(metrics) == set(gru_reviews.ASSIGNMENT.metrics)
    # quick mode trains one epoch on a slice: it learns (below the unigram), the full run meets the bar
    assert metrics["bpc"] < metrics["unigram_bpc"]
    assert any(i.name == "v1.2 bpc < trigram_bpc" for i in r.items)
