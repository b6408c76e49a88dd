"""v2.2 (LSTM) and v2.3 (Jordan network) on tunes: encoding, the n-gram baselines on a hand-made corpus,
the look-ahead check, tunes written and read back, bad music folders, the Jordan cell, quick runs, grading."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from grading_helpers import requires_sandbox, write
from rnnsuite.datasets.records import Tokens
from rnnsuite.plugins.variant2 import jordan_music, music, music_lstm
from rnnsuite.plugins.variant2.music import START_ID, NextTokens
from rnnsuite.plugins.variant2.music_score import midi_number, notes_of

from rnnsuite.context import RunContext
from rnnsuite.errors import DataError
from rnnsuite.types import Split

# -- tokens <-> ids -------------------------------------------------------------------


def test_vocabulary_keeps_tokens_seen_twice_most_frequent_first():
    vocab = music.vocabulary([["A4_1", "B4_1", "A4_1"], ["C5_2", "B4_1", "A4_1"]])
    assert vocab.tokens == ["<pad>", "<unk>", "<s>", "A4_1", "B4_1"]  # C5_2 was seen once: <unk>
    assert vocab.encode(["C5_2", "B4_1"]) == [1, 4]


def test_inputs_are_the_targets_one_step_late_after_the_start():
    vocab = music.vocabulary([["A4_1", "B4_1", "A4_1", "B4_1"]])
    x, y = music.encode(vocab, [["A4_1", "B4_1", "A4_1"], ["B4_1"]])
    assert y.tolist() == [[3, 4, 3], [4, 0, 0]]
    assert x.tolist() == [[START_ID, 3, 4], [START_ID, 0, 0]]
    assert [t.tolist() for t in music.tune_ids(y)] == [[3, 4, 3], [4]]


def test_a_long_tune_is_cut_into_pieces(monkeypatch):
    monkeypatch.setattr(music, "MAX_TOKENS", 4)
    assert music.pieces([list("abcdefghij"), list("xy")]) == [list("abcd"), list("efgh"), list("ij"), list("xy")]


# -- baselines on a hand-made corpus ------------------------------------------------------

#: A is the most frequent token, A -> B the commonest bigram after A, but (B, A) -> C the only trigram after B A
TRAIN = [["A", "B", "A", "C"]] * 30 + [["D", "A", "B", "D", "A", "B"]] * 20
TEST = [["A", "B", "A", "C"]]


def hand_made_split(train=TRAIN, test=TEST) -> tuple[Split, np.ndarray, np.ndarray]:
    vocab = music.vocabulary(train)
    x_train, y_train = music.encode(vocab, train)
    x, y = music.encode(vocab, test)
    split = Split(train={"inputs": x_train, "targets": y_train}, test_inputs=x,
                  test_targets=NextTokens(y, np.arange(len(y)), np.zeros((0, 3), np.int64)),
                  spec={"tokens": vocab.tokens})
    return split, x, y


def test_ngram_baselines_on_a_hand_made_corpus():
    split, x, y = hand_made_split()
    scores = music.baselines(split, x, y)
    # test tune A B A C, inputs <s> A B A
    assert scores["most_frequent_accuracy"] == 0.5  # A, A, A, A: right at steps 1 and 3
    assert scores["repeat_accuracy"] == 0.0  # <s>, A, B, A: never the next one
    assert scores["bigram_accuracy"] == 0.75  # <s>->A, A->B, B->A right; A->B where C came
    assert scores["trigram_accuracy"] == 1.0  # (B, A) -> C
    tokens = split.spec["tokens"]
    assert 0 < scores["trigram_bits_per_note"] < np.log2(len(tokens))


def test_each_baseline_predicts_what_its_counts_say():
    split, x, y = hand_made_split()
    ids = {t: i for i, t in enumerate(split.spec["tokens"])}
    bigram, _ = music.ngram_baseline(2, split.train["targets"], x, y, len(ids))
    trigram, p_true = music.ngram_baseline(3, split.train["targets"], x, y, len(ids))
    assert bigram.tolist() == [[ids["A"], ids["B"], ids["A"], ids["B"]]]
    assert trigram.tolist() == [[ids["A"], ids["B"], ids["A"], ids["C"]]]
    assert np.all((0 < p_true) & (p_true < 1)) and p_true[-1] > 0.9


def test_pitch_only_accuracy_ignores_the_length_and_unknown_is_never_right():
    tokens = ["<pad>", "<unk>", "<s>", "G4_1", "G4_2", "A4_1"]
    targets = np.array([[3, 4, 1, 5, 0]])
    predicted = np.array([[3, 3, 1, 4, 5]])  # right; right pitch; <unk> for <unk>; wrong; padding
    assert music.token_scores(predicted, targets, tokens) == (0.25, 0.5)


# -- the look-ahead check -------------------------------------------------------------------

def one_hot(ids: np.ndarray, size: int) -> np.ndarray:
    p = np.full((*ids.shape, size), 0.01 / size, np.float32)
    np.put_along_axis(p, ids[..., None], 1.0, axis=-1)
    return p / p.sum(axis=-1, keepdims=True)


#: three tunes of five notes whose inputs differ at every step: each has a tune to splice in at any cut
THREE = [["A", "B", "A", "C", "A"], ["D", "A", "B", "D", "A"], ["B", "A", "C", "A", "B"]]


def test_probes_hide_spliced_copies_among_the_test_tunes():
    split, x, y = hand_made_split(test=THREE)
    inputs, answers = music.with_probes(x, y, np.random.default_rng(0))
    assert len(inputs) == len(x) + len(answers.probes) and len(answers.probes) == 3
    assert np.array_equal(inputs[answers.rows], x)  # the tunes are where the answers say
    for copy, tune, cut in answers.probes:
        assert np.array_equal(inputs[copy, :cut], inputs[tune, :cut]) and inputs[copy, cut] != inputs[tune, cut]


def test_a_model_that_reads_the_next_input_is_refused_and_a_causal_one_scored():
    split, x, y = hand_made_split(test=THREE)
    inputs, answers = music.with_probes(x, y, np.random.default_rng(1))
    split = Split(split.train, inputs, answers, split.spec)
    V = len(split.spec["tokens"])
    repeat = one_hot(inputs, V)  # p(next) peaks on the current input: causal
    m = music.evaluate(None, split, repeat)
    assert m["accuracy"] == m["repeat_accuracy"]  # the model *is* the repeat baseline
    assert set(m) == set(music.METRICS)
    peek = one_hot(np.concatenate([inputs[:, 1:], inputs[:, -1:]], axis=1), V)  # reads x_{t+1} = y_t
    assert music.token_scores(peek[answers.rows].argmax(-1), y, split.spec["tokens"])[0] == 0.8  # all but the last
    with pytest.raises(music.LooksAhead, match="looks ahead"):
        music.evaluate(None, split, peek)


# -- generated tunes ---------------------------------------------------------------------------

class FixedModel:
    """Stands for a Keras model: every step gives the same distribution."""

    def __init__(self, p):
        self.p = np.asarray(p, np.float32)

    def predict_on_batch(self, x):
        return np.broadcast_to(self.p, (*x.shape, len(self.p)))


def test_generated_tunes_start_with_their_seed_and_last_sixteen_bars():
    tokens = ["<pad>", "<unk>", "<s>", "C4_1", "rest_0.5"]
    model = FixedModel([0.5, 0.2, 0.2, 0.05, 0.05])  # mostly special tokens: never drawn
    tunes = music.generate(model, tokens, [[3, 3], [4]], np.random.default_rng(0))
    for seed, tune in zip([[3, 3], [4]], tunes):
        assert tune[:len(seed)] == seed
        assert set(tune) <= {3, 4}
        quarters = sum(music.token_length(tokens[t]) for t in tune)
        assert 64 <= quarters < 65


def test_notes_of_tokens_have_onsets_and_midi_numbers():
    notes = notes_of(["<s>", "G4_2", "rest_0.5", "B-4_0.3333", "F#5_1"])
    assert [(n.pitch, n.midi, n.offset) for n in notes] == [
        ("G4", 67, 0.0), (None, None, 2.0), ("B-4", 70, 2.5), ("F#5", 78, pytest.approx(2.5 + 1 / 3))]
    assert notes[2].quarter_length == pytest.approx(1 / 3)
    assert midi_number("C4") == 60 and midi_number("E--4") == 62
    with pytest.raises(ValueError, match="not a pitch name"):
        midi_number("H4")


def test_a_written_tune_reads_back_with_the_same_notes(tmp_path):
    pytest.importorskip("music21")
    from rnnsuite.plugins.variant2.music_score import read_notes, write_tune

    tokens = ["C4_1", "E4_0.5", "G4_0.5", "rest_1", "C5_2", "B-4_1.5", "A4_0.5", "G4_4"] * 5  # 11 quarters each
    notes = notes_of(tokens)
    files = write_tune(notes, tmp_path / "tune", "a test tune")
    assert files["bars"] == 14  # 55 quarters in 4/4
    sounding = [(n.midi, n.offset, n.quarter_length) for n in notes if n.midi is not None]
    for kind in ("midi", "musicxml"):
        back = [(n.midi, n.offset, n.quarter_length) for n in read_notes(files[kind])]
        assert back == sounding, kind


# -- bad music folders --------------------------------------------------------------------------

@pytest.fixture
def melody_folder(tmp_path):
    music21 = pytest.importorskip("music21")
    folder = tmp_path / "moroccan"
    folder.mkdir()
    melody = music21.stream.Stream()
    for pitch in ["D4", "E-4", "F#4", "G4", "A4", "B-4", "C#5", "D5"] * 2:
        melody.append(music21.note.Note(pitch, quarterLength=0.5))
    melody.write("midi", fp=str(folder / "a_good.mid"))
    return folder


def test_a_corrupt_midi_among_good_ones_is_named_and_skipped(melody_folder, capsys):
    from rnnsuite.datasets.music import music as load_music

    (melody_folder / "b_corrupt.mid").write_bytes(b"MThd\x00\x00\x00\x06 not really a midi file")
    (melody_folder / "c_empty.abc").write_text("")
    tunes = load_music(melody_folder)
    assert len(tunes) == 1 and tunes.sequences[0][:2] == ["D4_0.5", "E-4_0.5"]
    err = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(err) == 2
    assert err[0].startswith("warning: ") and "b_corrupt.mid" in err[0] and err[0].endswith("skipped")
    assert "c_empty.abc" in err[1] and "empty" in err[1]


def test_a_folder_with_no_readable_tune_is_one_data_error(tmp_path, capsys):
    from rnnsuite.datasets.music import music as load_music

    pytest.importorskip("music21")
    (tmp_path / "x.mid").write_bytes(b"garbage")
    with pytest.raises(DataError, match="no tune with at least 8 notes could be read from its 1 music file"):
        load_music(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no music files"):
        load_music(empty)


def test_a_bad_music_folder_exits_2_with_one_line(tmp_path):
    from click.testing import CliRunner

    from rnnsuite.cli import cli

    pytest.importorskip("music21")
    (tmp_path / "tunes").mkdir()
    (tmp_path / "tunes" / "x.mid").write_bytes(b"garbage")
    result = CliRunner().invoke(cli, ["run", "--variant", "2", "--task", "2", "--quick", "--data",
                                      f"music={tmp_path / 'tunes'}", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == [f"Error in v2.2: {tmp_path / 'tunes'}: no tune with at least 8 notes could be read from its "
                      "1 music file; nothing to learn from"]


# -- prepare: the split, quick mode, hidden tunes ----------------------------------------------------

def ctx_for(tunes, tmp_path, hidden=None, quick=False):
    def load(path=None, full=False):
        return Tokens(tunes if path is None else hidden)

    registry = SimpleNamespace(datasets={"music": None}, dataset=lambda name: SimpleNamespace(load=load))
    hidden_paths = {"music": Path("hidden.abc")} if hidden is not None else {}
    return RunContext(music_lstm.ASSIGNMENT, tmp_path, quick=quick, registry=registry, hidden_paths=hidden_paths)


def corpus(n: int) -> list[list[str]]:
    rng = np.random.default_rng(0)
    notes = ["C4_1", "D4_1", "E4_2", "G4_1", "rest_1"]
    return [[notes[i] for i in rng.integers(0, len(notes), 6 + t % 5)] for t in range(n)]


def test_the_last_30_percent_of_tunes_are_the_test_block(tmp_path):
    tunes = corpus(20)
    split = music.prepare(ctx_for(tunes, tmp_path))
    answers = split.test_targets
    vocab = music.vocabulary(tunes[:14])
    assert split.spec["tokens"] == vocab.tokens
    assert [t.tolist() for t in music.tune_ids(answers.targets)] == [vocab.encode(t) for t in tunes[14:]]
    assert [t.tolist() for t in music.tune_ids(split.train["targets"])] == [vocab.encode(t) for t in tunes[:14]]
    assert len(split.test_inputs) == 6 + len(answers.probes) and split.public().test_targets is None
    assert split.info["tunes_train"] == 14 and split.info["tunes_test"] == 6


def test_hidden_tunes_are_the_test_block_and_every_tune_trains(tmp_path):
    tunes, hidden = corpus(20), [["C4_1", "D4_1", "E4_2", "C4_1", "F5_8"]]
    split = music.prepare(ctx_for(tunes, tmp_path, hidden=hidden))
    assert len(split.train["targets"]) == 20
    vocab = music.vocabulary(tunes)
    assert music.tune_ids(split.test_targets.targets)[0].tolist() == vocab.encode(hidden[0])  # F5_8: <unk>
    assert "hidden tunes test" in split.info["split"]


def test_tunes_without_a_repeated_note_are_too_little_to_learn_from(tmp_path):
    tunes = [[f"C{i}_{j}" for j in range(1, 9)] for i in range(10)]  # no token twice
    with pytest.raises(DataError, match="too little music to learn from"):
        music.prepare(ctx_for(tunes, tmp_path))


def test_prepare_is_seeded(tmp_path):
    a, b = (music.prepare(ctx_for(corpus(30), tmp_path)) for _ in range(2))
    assert np.array_equal(a.test_inputs, b.test_inputs) and np.array_equal(a.test_targets.probes, b.test_targets.probes)


# -- the plugin ------------------------------------------------------------------------------------

def test_plugin_import_is_light():
    code = ("import sys, rnnsuite.plugins.variant2\n"
            "assert not {'keras', 'tensorflow', 'music21', 'matplotlib'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_music_assignments_are_registered():
    from rnnsuite.manager import Manager

    registry = Manager().load().registry
    v = registry.variant(2)
    for module in (music_lstm, jordan_music):
        a = v.assignment(module.ASSIGNMENT.number)
        assert a is module.ASSIGNMENT and registry.model(a.model) is module.FACTORY
        assert a.task_en and a.task_ru and a.bars and all(b.why for b in a.bars)
        assert [(b.metric, b.target, b.floor) for b in a.bars] == [
            ("accuracy", "bigram_accuracy", "most_frequent_accuracy")]
    assert jordan_music.ASSIGNMENT.kind == "custom" and not jordan_music.ASSIGNMENT.from_course


# -- the Jordan cell (TensorFlow) -------------------------------------------------------------------

@pytest.fixture(scope="module")
def cell():
    from rnnsuite.plugins.variant2.jordan import JordanCell

    c = JordanCell(6, 4)
    c.build((None, 3))
    rng = np.random.default_rng(0)
    for w in c.weights:
        w.assign(rng.normal(size=w.shape).astype("float32"))
    return c


def step(cell, x, context):
    y, [state] = cell(np.asarray(x, np.float32), [np.asarray(context, np.float32)])
    return np.asarray(y), np.asarray(state)


@pytest.mark.slow
def test_the_jordan_context_is_the_previous_output_and_nothing_else(cell):
    rng = np.random.default_rng(1)
    x1, x2, c0 = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), np.zeros((2, 4))
    y1, state = step(cell, x1, c0)
    assert np.array_equal(state, y1)  # the next context is the output
    V, b_y = cell.V.numpy(), cell.b_y.numpy()
    try:
        cell.V.assign(np.zeros_like(V))  # outputs ignore the hidden state: softmax(b_y)
        _, state_a = step(cell, x1, c0)
        _, state_b = step(cell, x2, rng.normal(size=(2, 4)))  # other inputs, other context, other h
        assert np.allclose(state_a, state_b)  # the same output, so the same next state: nothing else enters
        cell.V.assign(V + rng.normal(size=V.shape).astype("float32"))  # other output weights, same x and c
        y1_other, state_other = step(cell, x1, c0)
        assert not np.allclose(state_other, state)  # change the next step's state ...
        y2, _ = step(cell, x2, state)
        y2_other, _ = step(cell, x2, state_other)
        assert not np.allclose(y2, y2_other)  # ... and through it the next step
    finally:
        cell.V.assign(V)
        cell.b_y.assign(b_y)


@pytest.mark.slow
def test_the_jordan_network_saves_and_loads_with_identical_outputs(tmp_path):
    from rnnsuite.plugins.variant2.jordan import load

    from rnnsuite.kerasutil import keras

    model = jordan_music.build({"tokens": ["<pad>", "<unk>", "<s>", "C4_1", "D4_1", "E4_2"]})
    ids = np.array([[2, 3, 4, 5, 3], [2, 5, 5, 0, 0]], np.int32)
    before = np.asarray(model.predict(ids, verbose=0))
    assert before.shape == (2, 5, 6) and np.allclose(before.sum(-1), 1, atol=1e-5)
    model.save(tmp_path / "jordan.keras")
    keras().backend.clear_session()
    again = load(tmp_path / "jordan.keras")
    assert type(again.get_layer("jordan").cell).__name__ == "JordanCell"
    assert np.array_equal(np.asarray(again.predict(ids, verbose=0)), before)


# -- end to end, quick ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def manager():
    from rnnsuite.manager import Manager

    return Manager().load()


def run_quick(manager, number: int, out: Path, seed: int = 0):
    from rnnsuite.runner import run

    variant = manager.registry.variant(2)
    [result] = run(manager, variant, [variant.assignment(number)], out_dir=out, seed=seed, quick=True)
    assert result.error is None, result.error
    return result


@pytest.mark.slow
@pytest.mark.integration
def test_the_jordan_network_quick_writes_tunes_to_listen_to(manager, tmp_path):
    result = run_quick(manager, 3, tmp_path)
    assert set(result.artifacts) == set(jordan_music.ASSIGNMENT.artifact_names)
    assert set(result.metrics) == set(music.METRICS) and 0 <= result.metrics["accuracy"] <= 1
    described = json.loads(Path(result.artifacts["tune_notes"]).read_text())
    assert len(described) == 5
    folder = Path(result.artifacts["tunes"])
    for tune in described:
        assert tune["bars"] >= 16 and len(tune["seed_tokens"]) == music.SEED_TOKENS
        assert tune["tokens"][:len(tune["seed_tokens"])] == tune["seed_tokens"]
        for name in tune["files"].values():
            assert (folder / name).stat().st_size > 0
    vocabulary = json.loads(Path(result.artifacts["vocabulary"]).read_text())
    assert vocabulary["tokens"][:3] == ["<pad>", "<unk>", "<s>"]


@pytest.mark.slow
@pytest.mark.integration
def test_the_lstm_quick_twice_gives_the_same_metrics(manager, tmp_path):
    first = run_quick(manager, 2, tmp_path / "a", seed=3)
    second = run_quick(manager, 2, tmp_path / "b", seed=3)
    assert first.metrics == second.metrics
    assert first.info["tunes_test"] == round(0.3 * music.QUICK_TUNES)


# -- grading ------------------------------------------------------------------------------------------

def test_the_template_asks_for_both_models(tmp_path):
    from click.testing import CliRunner

    from rnnsuite.cli import cli

    result = CliRunner().invoke(cli, ["submission", "init", "--variant", "2", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "variant2.py").read_text()
    for needle in ("lstm-music", "jordan-music", "next-token probabilities", "y_{t-1}"):
        assert needle in text
    compile(text, "variant2.py", "exec")


SUBMISSIONS = {
    "reference": """
        from rnnsuite.types import ModelFactory
        from rnnsuite.plugins.variant2.music_lstm import build as lstm
        from rnnsuite.plugins.variant2.jordan_music import build as jordan
        def rnnsuite_add_models():
            return [ModelFactory("lstm-music", "keras", lstm), ModelFactory("jordan-music", "custom", jordan)]
    """,
    "stock": """
        from rnnsuite.types import ModelFactory
        def build(spec):  # an Elman network (Keras's SimpleRNN) where a Jordan network is asked for
            import keras
            V = len(spec["tokens"])
            return keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(V, 16),
                                     keras.layers.SimpleRNN(32, return_sequences=True),
                                     keras.layers.Dense(V, activation="softmax")])
        def rnnsuite_add_models():
            return [ModelFactory("jordan-music", "custom", build)]
    """,
    "peeking": """
        from rnnsuite.types import ModelFactory
        def build(spec):  # a bidirectional LSTM reads the next token, which is the answer
            import keras
            V = len(spec["tokens"])
            return keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(V, 16),
                                     keras.layers.Bidirectional(keras.layers.LSTM(16, return_sequences=True)),
                                     keras.layers.Dense(V, activation="softmax")])
        def rnnsuite_add_models():
            return [ModelFactory("lstm-music", "keras", build)]
    """,
}


@pytest.mark.slow
@requires_sandbox
@pytest.mark.parametrize("ident, others", [("v2.2", "peeking"), ("v2.3", "stock")])
def test_grading_the_reference_and_a_wrong_submission(tmp_path, ident, others):
    from rnnsuite.grading import batch, sandbox
    from rnnsuite.manager import Manager

    registry = Manager().load().registry
    a = registry.assignment(ident)
    paths = [(name, write(tmp_path / "subs", f"{name}.py", SUBMISSIONS[name])) for name in ("reference", others)]
    settings = batch.Settings(quick=True, jobs=2, limits=sandbox.Limits(timeout=300))
    reference, wrong = batch.Batch(registry, [a], settings).run(paths)
    assert reference.status == "ok", reference.errors
    assert {i.name for i in reference.items} >= {f"{ident} accuracy > bigram_accuracy"}
    if ident == "v2.3":
        items = {i.name: i for i in reference.items}
        assert items["v2.3 custom recurrent cell"].passed
        stock = {i.name: i for i in wrong.items}["v2.3 custom recurrent cell"]
        assert not stock.passed and "SimpleRNN" in stock.message
    else:
        assert wrong.status == "error" and "looks ahead" in " ".join(wrong.errors)
        assert wrong.score == 0
