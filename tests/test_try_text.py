"""``rnnsuite try`` on the text assignments: prompts, next words, titles, translations, review labels.

The units build their own small data.  The end-to-end tests (slow) read the
session's quick run of each variant (``quick_runs`` in conftest, shared with
the declaration tests) and call ``rnnsuite try`` in a fresh process on it:
what turns raw input into the model's input must come from the run folder,
not from this process.
"""
import json
import re
import shutil

import numpy as np
import pytest
from try_helpers import one_line_error, try_in_fresh_process

from rnnsuite.errors import DataError

TEXT_ASSIGNMENTS = ("v1.1", "v1.2", "v1.3", "v2.1", "v3.1", "v3.2", "v4.2", "v5.1", "v5.2", "v6.2")


# -- units ----------------------------------------------------------------------------------------
def test_every_text_assignment_offers_use():
    from rnnsuite.manager import Manager

    registry = Manager().load().registry
    assert [i for i in TEXT_ASSIGNMENTS if registry.assignment(i).use is None] == []


def test_texts_refuses_nothing_and_a_blank_text_and_tidies_the_rest():
    from rnnsuite.tryout import texts

    assert texts(["  a  good\nfilm ", "bad"], "a review", "x") == ["a good film", "bad"]
    with pytest.raises(DataError, match="give a review"):
        texts([], "a review", "x")
    with pytest.raises(DataError, match="text 2 of 2 is empty"):
        texts(["fine", " \t"], "a review", "x")


def test_prompt_may_be_absent_but_not_blank():
    from rnnsuite.tryout import prompt

    assert prompt([], "x") == "" and prompt(["The", "food"], "x") == "The food"
    with pytest.raises(DataError, match="the prompt is empty"):
        prompt(["  "], "x")


def test_unknown_names_each_unknown_token_once():
    from rnnsuite.tryout import unknown

    assert unknown(["a", "b"], {"a": 2, "b": 3}) == ""
    assert unknown(["a", "zz", "zz", "q"], {"a": 2}) == "unknown to the model: 'zz', 'q'"
    assert unknown(list("abcdefg"), {}, shown=2).endswith("'a', 'b' and 5 more")


def test_continue_text_reads_the_prompt_then_writes_exactly_length_known_characters():
    from rnnsuite.charlm import continue_text
    from rnnsuite.prep import Vocabulary

    vocab = Vocabulary.build(["ab c\n"], level="char")
    fed = []

    def step(ids):  # a stand-in model: records what it reads, finds every character but PAD/OOV equally likely
        fed.append(int(ids[0]))
        return np.full((1, len(vocab)), 1.0 / len(vocab))

    written = continue_text(step, vocab, "cab", 40, 1.0, np.random.default_rng(0))
    assert len(written) == 40 and set(written) <= set("ab c\n")
    assert fed[:4] == [vocab.index["\n"], *vocab.encode("cab")]  # a new text starts, then the prompt
    assert fed[4:] == vocab.encode(written)[:-1]  # then each character it wrote
    again = continue_text(step, vocab, "cab", 40, 1.0, np.random.default_rng(0))
    assert again == written


def test_review_encoder_keeps_the_last_words_left_padded(tmp_path):
    from rnnsuite.prep import Vocabulary
    from rnnsuite.sentiment import ReviewEncoder, ReviewSplit, save_vocabulary

    split = ReviewSplit(train=None, test_inputs=None, test_targets=None, spec={"length": 3},
                        vocab=Vocabulary.build(["good film bad"]))
    encoder = ReviewEncoder.load(save_vocabulary(split, tmp_path / "vocabulary.json"))
    good, film, bad = (encoder.vocab.index[w] for w in ("good", "film", "bad"))
    assert encoder.ids(["film", "bad good odd film"]).tolist() == [[0, 0, film], [good, 1, film]]
    assert bad > 1


# -- a quick run of each kind, then rnnsuite try in a fresh process ------------------------------------
#: ident -> the run that holds it: (variant, tasks run together, epochs: None = the quick default)
@pytest.fixture
def run_of(quick_runs):
    """``run_of("v5.2")``: a finished quick run holding v5.2 (the session's shared run of variant 5)."""
    return lambda ident: quick_runs(int(ident[1:].split(".")[0]))


def printed(proc) -> str:
    """What ``try`` printed, without the newline the command adds (generated text may end in its own)."""
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("\n")
    return proc.stdout[:-1]


@pytest.mark.slow
@pytest.mark.parametrize("ident, prompt", [("v1.1", "This coffee is"), ("v1.2", "This coffee is"),
                                           ("v3.1", "Open the")])
def test_a_character_model_writes_the_asked_length_after_the_prompt(run_of, ident, prompt):
    run = run_of(ident)
    args = (prompt, "--length", "60", "--temperature", "0.8", "--seed", "7")
    out = printed(try_in_fresh_process(run, ident, *args))
    assert out.startswith(prompt) and len(out) == len(prompt) + 60
    vocabulary = next((run / ident).glob("*.vocab.json"))
    assert set(out[len(prompt):]) <= set(json.loads(vocabulary.read_text(encoding="utf-8"))["tokens"])
    if ident != "v1.2":  # the same seed writes the same text (the Keras one costs seconds more per process)
        assert printed(try_in_fresh_process(run, ident, *args)) == out


@pytest.mark.slow
def test_a_character_model_writes_from_scratch_and_names_characters_it_never_saw(run_of):
    run = run_of("v1.1")
    assert len(printed(try_in_fresh_process(run, "v1.1", "--length", "30"))) == 30
    first, text = printed(try_in_fresh_process(run, "v1.1", "日本", "--length", "30")).split("\n", 1)
    assert first == "(unknown to the model: '日', '本')" and text.startswith("日本") and len(text) == 32


@pytest.mark.slow
def test_the_five_likeliest_words_after_three(run_of):
    lines = printed(try_in_fresh_process(run_of("v2.1"), "v2.1", "the", "film", "was")).splitlines()
    assert lines[0] == 'after "the film was":' and len(lines) == 6
    ranked = [re.fullmatch(rf"{rank}\. (\S+) \((0\.\d{{3}})\)", line) for rank, line in enumerate(lines[1:], 1)]
    assert all(ranked), lines
    p = [float(m.group(2)) for m in ranked]
    assert p == sorted(p, reverse=True) and sum(p) <= 1.0 and len({m.group(1) for m in ranked}) == 5


@pytest.mark.slow
def test_a_title_for_each_abstract(run_of):
    abstracts = ("We measured blood pressure in 2,000 adults over ten years and found that salt intake "
                 "predicts hypertension.", "Mice lacking the gene developed tumours of the liver.")
    lines = printed(try_in_fresh_process(run_of("v1.3"), "v1.3", *abstracts)).split("\n")
    assert len(lines) == 2 and all(line.strip() for line in lines)


@pytest.mark.slow
@pytest.mark.parametrize("ident, sentences", [("v3.2", ("Open the file", "Save %(name)s as")),
                                              ("v6.2", ("Открыть файл",))])
def test_each_sentence_is_translated_on_its_own_line(run_of, ident, sentences):
    lines = printed(try_in_fresh_process(run_of(ident), ident, *sentences)).split("\n")
    assert len(lines) == len(sentences)
    for sentence, line in zip(sentences, lines):
        assert line.startswith(f"{sentence} → ") and line[len(sentence) + 3:].strip()


@pytest.mark.slow
@pytest.mark.parametrize("ident", ["v4.2", "v5.1", "v5.2"])
def test_each_review_gets_a_label_and_its_probability(run_of, ident):
    reviews = ("the plot was thin but the acting superb", "a dull, lifeless mess")
    lines = printed(try_in_fresh_process(run_of(ident), ident, *reviews)).split("\n")
    assert len(lines) == 2
    for review, line in zip(reviews, lines):
        found = re.fullmatch(r"(positive|negative) \(probability (\d\.\d{3})\): (.*?)( \(unknown to the model: .*\))?",
                             line)
        assert found and found.group(3) == review, line
        assert 0.5 <= float(found.group(2)) <= 1.0


# -- bad input: one line, exit 2 ------------------------------------------------------------------------
@pytest.mark.slow
def test_a_run_folder_without_the_assignment(run_of):
    line = one_line_error(try_in_fresh_process(run_of("v5.1"), "v1.1", "The"))
    assert "holds no trained v1.1" in line and "rnnsuite run --variant 1 --task 1" in line


@pytest.mark.slow
@pytest.mark.parametrize("ident, args, says", [
    ("v5.1", ("",), "text 1 of 1 is empty"),
    ("v5.2", (), "give a review"),
    ("v5.1", ("...", "?!"), None),  # marks are read: not refused
    ("v5.1", ("fine", "☃ ☃"), None),
    ("v1.1", (" ",), "the prompt is empty"),
    ("v2.1", ("the", "film"), "give the 3 words"),
    ("v2.1", ("the film was really",), "got 4 word(s)"),
    ("v1.3", ("\n",), "text 1 of 1 is empty"),
    ("v6.2", (), "give a Russian sentence"),
])
def test_empty_or_misshapen_text(run_of, ident, args, says):
    proc = try_in_fresh_process(run_of(ident), ident, *args)
    if says is None:
        assert proc.returncode == 0, proc.stderr
    else:
        assert says in one_line_error(proc)


def test_an_unknown_assignment_and_a_missing_folder(tmp_path):
    assert "v9" in one_line_error(try_in_fresh_process(tmp_path, "v9.1", "x")).lower()
    assert "holds no trained v5.1" in one_line_error(try_in_fresh_process(tmp_path / "nowhere", "v5.1", "x"))


@pytest.mark.slow
def test_a_run_missing_a_saved_file_or_with_a_broken_one(run_of, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run_of("v5.1") / "v5.1", copy / "v5.1")
    (copy / "v5.1" / "vocabulary.json").unlink()
    assert "holds no vocabulary.json" in one_line_error(try_in_fresh_process(copy, "v5.1", "a fine film"))
    shutil.copy(run_of("v5.1") / "v5.1" / "vocabulary.json", copy / "v5.1")
    (copy / "v5.1" / "frnn_sentiment.npz").write_bytes(b"not a model")
    proc = try_in_fresh_process(copy, "v5.1", "a fine film")  # not the person's input: exit 1, still one line
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("Error: v5.1 could not use what") and len(proc.stderr.splitlines()) == 1


def test_a_length_beyond_the_cap_is_refused_before_anything_loads(tmp_path):
    from rnnsuite.cli.try_ import MAX_LENGTH

    line = one_line_error(try_in_fresh_process(tmp_path, "v1.1", "x", "--length", str(MAX_LENGTH + 1)))
    assert "--length" in line and str(MAX_LENGTH) in line
