"""The shared encoder-decoder (rnnsuite.seq2seq): codecs, teacher forcing, greedy and beam decoding,
the nearest-neighbour baseline; the Keras model, its saving and training on a toy task (slow)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from rnnsuite import seq2seq
from rnnsuite.seq2seq import END_ID, OOV_ID, PAD_ID, START_ID, Codec, Seq2Seq

# -- codecs ------------------------------------------------------------------------------


def test_word_codec_keeps_marks_first_and_round_trips():
    codec = Codec.words(["The cat sat.", "the dog sat"], size=20)
    assert codec.tokens[:4] == ["<pad>", "<unk>", "<s>", "</s>"]
    assert codec.tokens[4] in ("the", "sat")  # the commonest words follow the marks
    ids = codec.encode("The dog sat, the bird sat.")
    assert OOV_ID in ids and PAD_ID not in ids  # 'bird' and ',' were never seen
    assert codec.decode([*codec.encode("the cat sat."), END_ID, *codec.encode("dog")]) == "the cat sat."
    assert codec.decode([START_ID, OOV_ID, *codec.encode("cat"), PAD_ID]) == "cat"  # marks and unknowns dropped
    small = Codec.words(["a b c d e f"], size=6)
    assert len(small) == 6 and small.tokens[4:] == ["a", "b"]


def test_word_codec_detokenizes_punctuation():
    assert seq2seq.detokenize(["effects", "of", "x", "(", "a", ")", "on", "y", ":", "a", "trial", "."]) == \
        "effects of x (a) on y: a trial."


def test_subword_codec_round_trips_is_deterministic_and_a_json_value():
    texts = ["Открыть файл", "Сохранить файл", "Закрыть все файлы", "Открыть ⟦0⟧ файлов"] * 5
    one = Codec.subwords(texts, 60, symbols=["⟦0⟧"])
    two = Codec.subwords(texts, 60, symbols=["⟦0⟧"])
    assert one.tokens == two.tokens and one.model == two.model  # same texts, same pieces
    assert one.tokens[:4] == ["<pad>", "<unk>", "<s>", "</s>"]
    assert "⟦0⟧" in one.pieces("Открыть ⟦0⟧ файлов")  # a kept symbol is one piece
    again = Codec.from_json(__import__("json").loads(__import__("json").dumps(one.to_json())))
    for text in ("Сохранить все файлы", "Открыть ⟦0⟧ файл"):
        ids = again.encode(text)
        assert all(i > END_ID for i in ids)
        assert again.decode([*ids, END_ID, *ids]) == text


def test_teacher_forcing_shifts_the_target_right():
    src = Codec.words(["a b c"], 10)
    tgt = Codec.words(["x y z"], 10)
    (x, y_in), y_out = seq2seq.teacher_forcing(src, tgt, ["a b", "c a b c"], ["x y z", "z"], 3, 4)
    a, b, c = (src.index[w] for w in "abc")
    X, Y, Z = (tgt.index[w] for w in "xyz")
    assert x.tolist() == [[a, b, 0], [c, a, b]]  # cut at the end, padded with 0
    assert y_in.tolist() == [[START_ID, X, Y, Z], [START_ID, Z, END_ID, 0]]
    assert y_out.tolist() == [[X, Y, Z, END_ID], [Z, END_ID, 0, 0]]


# -- decoding with a decoder whose probabilities are known ------------------------------------

class TableDecoder:
    """p(next | previous token) from a table: greedy takes 'a' first, but 'b c' is the likelier sentence."""

    def __init__(self, table):
        self.table = table

    def predict_on_batch(self, inputs):
        tokens, memory, source, state = inputs
        probs = np.array([self.table[int(t)] for t in tokens[:, 0]])
        att = np.ones((len(tokens), 1, memory.shape[1])) / memory.shape[1]
        return [np.log(probs)[:, None, :], att, state]


class Encoder:
    def predict_on_batch(self, ids):
        return [np.zeros((len(ids), ids.shape[1], 2)), np.zeros((len(ids), 2))]


def table_model(table, target_length=4):
    words = Codec("word", ["<pad>", "<unk>", "<s>", "</s>", "a", "b", "c"])
    parts = {"encoder": Encoder(), "decoder": TableDecoder(table)}
    model = SimpleNamespace(get_layer=lambda name: parts[name])
    return Seq2Seq(model, Codec("word", ["<pad>", "<unk>", "<s>", "</s>", "q"]), words, 3, target_length)


E = 1e-9
TABLE = {  # columns: pad unk <s> </s> a b c
    START_ID: [E, E, E, E, 0.5, 0.4, 0.1],
    4: [E, E, E, 0.3, 0.35, 0.35, E],  # after 'a': nothing likely
    5: [E, E, E, 0.05, E, E, 0.95],  # after 'b': 'c' for sure
    6: [E, E, E, 0.95, 0.05, E, E],  # after 'c': the end
}


def test_beam_search_finds_the_likelier_sentence_that_greedy_misses():
    s2s = table_model(TABLE)
    assert s2s.greedy(["q"]) == ["a a a a"]  # greedy follows 0.5, then 0.35 ...
    assert s2s.beam(["q"], width=3, alpha=0.0) == ["b c"]  # 0.4 * 0.95 * 0.95 beats every 'a ...'
    assert s2s.beam(["q", "q q"], width=1, alpha=0.0) == ["a a a a"] * 2  # width 1 is greedy
    ids, attention = s2s.greedy_ids(["q"])
    assert ids == [[4, 4, 4, 4]] and attention[0].shape == (4, 3)


def test_decoding_never_emits_padding_unknown_start_or_nothing():
    table = {k: [0.9, E, 0.05, 0.05, E, E, E] if k == START_ID else v for k, v in TABLE.items()}
    s2s = table_model(table)  # padding, start and an immediate end carry all the weight: none is allowed
    assert s2s.beam(["q"], width=2, alpha=0.0) == ["b c"] and s2s.greedy(["q"]) == ["a a a a"]


def test_a_model_without_named_parts_is_refused_in_one_line():
    from rnnsuite.errors import UserError

    def get_layer(name):
        raise ValueError(f"No such layer: {name}")

    with pytest.raises(UserError, match="no sub-model named 'encoder'"):
        Seq2Seq(SimpleNamespace(get_layer=get_layer), Codec("word", []), Codec("word", []), 3, 3)


# -- nearest neighbour ------------------------------------------------------------------------

def test_nearest_targets_returns_the_target_of_the_most_similar_source():
    sources = ["open the file", "close the window", "save all documents"]
    targets = ["Открыть файл", "Закрыть окно", "Сохранить все документы"]
    assert seq2seq.nearest_targets(sources, targets, ["save documents", "window close"]) == \
        ["Сохранить все документы", "Закрыть окно"]
    # character n-grams match inflected forms that whole words miss
    assert seq2seq.nearest_targets(["открыть файл", "закрыть окно"], ["open file", "close window"],
                                   ["закрытие окон"], analyzer="char_wb", chunk=1) == ["close window"]


# -- Keras (slow) ---------------------------------------------------------------------------

def toy_spec(pairs, units=16):
    src = Codec.words([s for s, _ in pairs], 50)
    tgt = Codec.words([t for _, t in pairs], 50)
    return {"source_codec": src.to_json(), "target_codec": tgt.to_json(), "source_length": 5, "target_length": 6,
            "units": units, "embedding": 16, "bidirectional": True, "dropout": 0.0}


@pytest.mark.slow
def test_the_reference_model_learns_a_toy_mapping_and_saves_with_its_codecs(tmp_path):
    """Digits to words: greedy and beam reproduce the training pairs, and so does the saved model."""
    from rnnsuite.pipeline import seed_everything

    names = ["zero", "one", "two", "three", "four", "five"]
    rng = np.random.default_rng(0)
    digits = [" ".join(str(d) for d in rng.integers(0, 6, rng.integers(1, 4))) for _ in range(300)]
    pairs = [(d, " ".join(names[int(c)] for c in d.split())) for d in digits]
    spec = toy_spec(pairs, units=32)
    seed_everything(0)
    s2s = Seq2Seq.adapt(spec, seq2seq.build_model(spec))
    assert [layer.name for layer in s2s.model.layers if layer.name in ("encoder", "decoder")] == \
        ["encoder", "decoder"]
    assert any("Bidirectional" in type(layer).__name__ for layer in s2s.encoder.layers)
    ctx = SimpleNamespace(epochs=40, info={}, record_history=lambda h: setattr(ctx, "history", h),
                          epoch_ended=lambda *a: None, batch_ended=lambda *a: None)
    seq2seq.train(ctx, s2s, [s for s, _ in pairs], [t for _, t in pairs], learning_rate=1e-2, batch_size=32,
                  patience=40)
    assert ctx.history["loss"][-1] < 0.2 * ctx.history["loss"][0]
    tests = ["3 1", "5", "0 4 2"]
    wanted = ["three one", "five", "zero four two"]
    assert s2s.greedy(tests) == wanted
    assert s2s.beam(tests, width=3) == wanted
    folder = s2s.save(tmp_path / "model")
    again = Seq2Seq.load(folder)
    assert again.beam(tests, width=3) == wanted and again.target.tokens == s2s.target.tokens


@pytest.mark.slow
def test_an_untrained_model_decodes_nonsense_of_bounded_length():
    spec = toy_spec([("1 2", "one two")])
    s2s = Seq2Seq.adapt(spec, seq2seq.build_model(spec))
    for out in (s2s.greedy(["1 2", "2"]), s2s.beam(["1 2", "2"], width=2)):
        assert len(out) == 2 and all(len(o.split()) <= 6 for o in out)


@pytest.mark.slow
def test_smoothed_cross_entropy_ignores_padding_and_spreads_the_smoothing():
    from rnnsuite.kerasutil import keras

    ops = keras().ops
    logits = np.log(np.array([[[0.7, 0.1, 0.2], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4]]], dtype="float32"))
    ids = np.array([[2, 1, 0]])  # the last step is padding
    plain = float(ops.convert_to_numpy(seq2seq.smoothed_cross_entropy(0.0)(ids, logits)))
    assert plain == pytest.approx(-(np.log(0.2) + np.log(0.5)) / 2, rel=1e-5)
    smooth = float(ops.convert_to_numpy(seq2seq.smoothed_cross_entropy(0.3)(ids, logits)))
    uniform = -(np.log([0.7, 0.1, 0.2]).mean() + np.log([0.2, 0.5, 0.3]).mean()) / 2
    assert smooth == pytest.approx(0.7 * plain + 0.3 * uniform, rel=1e-5)


@pytest.mark.slow
def test_the_copy_gate_learns_to_copy_words_it_cannot_generate(tmp_path):
    """Source and target share a vocabulary; the target repeats two source words, most of them seen rarely."""
    from rnnsuite.pipeline import seed_everything

    rng = np.random.default_rng(1)
    words = [c + v for c in "bdfgklmnprst" for v in "aeiou"]  # 60 words of letters only
    sources = [" ".join(rng.choice(words, 4, replace=False)) for _ in range(400)]
    targets = [" ".join(s.split()[1:3]) for s in sources]
    codec = Codec.words(sources + targets, 80)
    spec = {"source_codec": codec.to_json(), "target_codec": codec.to_json(), "source_length": 4,
            "target_length": 3, "units": 32, "embedding": 16, "bidirectional": True, "dropout": 0.0, "copy": True}
    seed_everything(0)
    s2s = Seq2Seq.adapt(spec, seq2seq.build_model(spec))
    ctx = SimpleNamespace(epochs=30, info={}, record_history=lambda h: None, epoch_ended=lambda *a: None,
                          batch_ended=lambda *a: None)
    seq2seq.train(ctx, s2s, sources, targets, learning_rate=1e-2, batch_size=32, patience=30)
    tests = ["ba be bi bo", "tu ka mo de"]
    assert s2s.beam(tests, width=2) == ["be bi", "ka mo"]
    again = Seq2Seq.load(s2s.save(tmp_path / "copying"))  # the gate's ops survive saving
    assert again.greedy(tests) == ["be bi", "ka mo"]


def test_module_imports_no_keras():
    import subprocess
    import sys

    code = "import sys, rnnsuite.seq2seq, rnnsuite.translation\nassert 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent)
