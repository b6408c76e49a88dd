"""v1.3 (titles from abstracts): ROUGE against hand-computed values, the baselines, the split with hidden
data, the bars; end to end on PubMed in quick mode and untrained (slow)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from rnnsuite.datasets.records import Pairs
from rnnsuite.plugins.variant1 import titles

from rnnsuite.context import RunContext


def test_rouge_equals_hand_computed_values():
    ref, hyp = "The cat sat on the mat", "the cat lay on the mat"
    # unigrams: the x2, cat, on, mat = 5 of 6 each way; bigrams: the-cat, on-the, the-mat = 3 of 5;
    # longest common subsequence: the cat on the mat = 5 of 6
    r = titles.rouge([hyp], [ref])
    assert r["rouge1"] == pytest.approx(5 / 6) and r["rouge2"] == pytest.approx(3 / 5)
    assert r["rougeL"] == pytest.approx(5 / 6)
    # stemming: 'cats running' and 'cat runs' are the same two stems; the mean runs over pairs
    two = titles.rouge(["cat runs", "dogs"], ["cats running", "birds"])
    assert two == {"rouge1": pytest.approx(0.5), "rouge2": pytest.approx(0.5), "rougeL": pytest.approx(0.5)}
    # precision 1/3, recall 1/1: F1 = 2 * (1/3) / (4/3) = 0.5
    assert titles.rouge(["mice in mazes"], ["mice"])["rouge1"] == pytest.approx(0.5)
    with pytest.raises(ValueError):
        titles.rouge(["a"], ["a", "b"])


def test_the_constant_title_is_the_commonest_words_as_many_as_the_median_title():
    corpus = ["Effects of drug A in mice", "Effects of B in rats.", "A study of C in mice: a trial"]
    # alphanumeric words only; the median title has 6; ties keep the order words were first seen
    assert titles.constant_title(corpus) == "of a in effects mice drug"
    assert titles.lead("one two three four five six seven eight nine", 8) == "one two three four five six seven eight"


def test_bars_need_rouge2_over_003_and_rougel_over_the_constant_title():
    bars = titles.ASSIGNMENT.bars
    base = {"constant_rougeL": 0.16, "nearest_rouge2": 0.05}
    def verdicts(r2, rl):
        return [b.check({**base, "rouge2": r2, "rougeL": rl}) for b in bars]
    assert [c.passed for c in verdicts(0.06, 0.25)] == [True, True, True]
    partial = verdicts(0.04, 0.25)
    assert [c.passed for c in partial] == [True, True, False] and partial[2].credit == pytest.approx(0.5)
    assert [c.passed for c in verdicts(0.06, 0.15)] == [True, False, True]  # ROUGE-L no better than constant
    assert [c.passed for c in verdicts(0.001, 0.20)] == [False, True, False]


ANIMALS, MEASURES = ("mice", "rats", "dogs"), ("blood pressure", "heart rate", "body weight")
ARTICLES = Pairs([f"We studied drug {i} in {ANIMALS[i % 3]} and found effects on {MEASURES[i // 3 % 3]}."
                  for i in range(30)],
                 [f"Effects of drug {i} on {MEASURES[i // 3 % 3]} in {ANIMALS[i % 3]}" for i in range(30)], "en", "en")


def ctx_for(tmp_path, hidden=None):
    data = {"default": ARTICLES, "hidden": hidden}
    registry = SimpleNamespace(
        datasets={"pubmed": None},
        dataset=lambda name: SimpleNamespace(load=lambda path=None, full=False: data["hidden" if path else "default"]))
    return RunContext(titles.ASSIGNMENT, tmp_path, seed=0, registry=registry,
                      hidden_paths={"pubmed": Path("hidden.csv")} if hidden else {})


def test_prepare_splits_70_30_with_word_codecs_of_the_training_block(tmp_path):
    split = titles.prepare(ctx_for(tmp_path))
    assert len(split.train.abstracts) == 21 and len(split.test_inputs.abstracts) == 9
    assert split.test_inputs.titles is None
    test_numbers = {t.split()[3] for t in split.test_targets}
    assert test_numbers.isdisjoint(split.spec["target_codec"]["tokens"])  # test titles' own words are unseen
    assert split.spec["source_length"] == titles.SOURCE_WORDS and split.info["constant_title"]


def test_hidden_articles_are_the_test_block(tmp_path):
    hidden = Pairs(["A new abstract about rats."], ["Rats"], "en", "en")
    split = titles.prepare(ctx_for(tmp_path, hidden))
    assert split.test_inputs.abstracts == hidden.source and split.test_targets == ["Rats"]
    assert len(split.train.abstracts) == 30


def test_evaluate_scores_the_model_and_three_baselines(tmp_path):
    split = titles.prepare(ctx_for(tmp_path))
    m = titles.evaluate(None, split, list(split.test_targets))  # a perfect model
    assert set(m) == set(titles.METRICS)
    assert m["rouge1"] == m["rouge2"] == m["rougeL"] == pytest.approx(1.0)
    assert m["nearest_rouge2"] > m["constant_rouge2"]  # the nearest title shares e.g. 'heart rate in rats'
    assert 0 < m["lead8_rouge1"] < 1


@pytest.mark.slow
@pytest.mark.integration
def test_titles_quick_and_untrained_on_pubmed(tmp_path):
    """Quick mode writes every artifact; an untrained model fails the bars (PubMed, a 1,500-article slice)."""
    from rnnsuite.manager import Manager
    from rnnsuite.runner import run

    manager = Manager().load()
    variant = manager.registry.variant(1)
    a = variant.assignment(3)
    [quick] = run(manager, variant, [a], out_dir=tmp_path / "quick", seed=0, quick=True)
    assert quick.error is None, quick.error
    assert set(quick.metrics) == set(titles.METRICS) and set(quick.artifacts) == set(a.artifact_names)
    table = Path(quick.artifacts["samples"]).read_text(encoding="utf-8")
    assert "| abstract (first words) | true title | greedy | beam |" in table
    assert 0.0 < quick.metrics["nearest_rouge2"] and quick.metrics["lead8_rouge2"] > 0.05
    [untrained] = run(manager, variant, [a], out_dir=tmp_path / "untrained", seed=0, quick=True, epochs=0)
    assert untrained.error is None, untrained.error
    assert untrained.status == "failed" and not any(b.passed for b in untrained.bars if b.metric == "rouge2")


# -- bad input: one line, exit 2 ---------------------------------------------------------

@pytest.mark.parametrize("name, content, message", [
    ("arxiv.jsonl", '{"title": "A study", "summary": "We studied."}\n', "line 1 has no 'abstract' field"),
    ("arxiv.json", '{"title": "A", "abstract": "B"}\n[1, 2]\n', "line 2 has no 'abstract' or 'title' field"),
    ("articles.csv", "name,body\nA,B\n", "wrong columns name, body; expected abstract"),
])
def test_bad_article_files_are_one_line_data_errors(tmp_path, name, content, message):
    from rnnsuite.datasets.translation import pubmed

    from rnnsuite.errors import DataError

    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message) as err:
        pubmed(path)
    assert "\n" not in str(err.value)


def test_a_bad_articles_file_exits_2_with_one_line(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "arxiv.jsonl"
    bad.write_text('{"id": "1", "title": "A"}\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "rnnsuite.cli", "run", "--variant", "1", "--task", "3", "--quick",
                           "--data", f"pubmed={bad}", "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "line 1 has no 'abstract' field" in done.stdout + done.stderr and "Traceback" not in done.stderr
