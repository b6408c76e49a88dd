"""``rnnsuite try`` on the numeric, image and music assignments (v2.2/v2.3, v3.3, v4.1/v4.3, v5.3, v6.1/v6.3).

The fast tests build their own small inputs and saved files; the slow ones
run each kind of assignment quickly once (module-scoped) and try the saved
run in a fresh process, as a person would.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from rnnsuite.plugins.variant2 import music
from rnnsuite.plugins.variant3 import hopfield
from rnnsuite.plugins.variant3.hopfield_network import HopfieldNetwork
from rnnsuite.plugins.variant5 import elman_digits
from rnnsuite.plugins.variant6 import temperature
from rnnsuite.plugins.variant6.esn import EchoStateNetwork
from try_helpers import one_line_error, try_in_fresh_process

from rnnsuite import tryfiles
from rnnsuite.errors import DataError

# -- image files ----------------------------------------------------------------------

def test_an_image_reads_as_gray_in_0_1_with_alpha_as_black(tmp_path):
    from PIL import Image

    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[:, :3, 3] = 255  # the left half opaque white, the right half transparent white
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "half.png")
    gray = tryfiles.read_gray(tmp_path / "half.png", (4, 6))
    assert gray.shape == (4, 6) and gray.dtype == np.float32
    assert gray[:, :3].tolist() == [[1.0] * 3] * 4 and gray[:, 3:].tolist() == [[0.0] * 3] * 4


def test_a_written_frame_reads_back(tmp_path):
    frame = np.linspace(0, 1, 12).reshape(3, 4)
    tryfiles.write_gray(tmp_path / "f.png", frame)
    assert np.abs(tryfiles.read_gray(tmp_path / "f.png") - frame).max() <= 0.5 / 255 + 1e-6


@pytest.mark.parametrize("make, message", [
    (lambda p: tryfiles.write_gray(p, np.zeros((16, 16))), "a 16x16 image, but the FRNN takes 32x32 images"),
    (lambda p: p.write_text("not an image"), "not a readable image"),
    (lambda p: p.mkdir(), "no such image file"),
    (lambda p: None, "no such image file"),
])
def test_bad_image_files_are_one_line_errors(tmp_path, make, message):
    path = tmp_path / "frame.png"
    make(path)
    with pytest.raises(DataError, match=message):
        tryfiles.read_gray(path, (32, 32), "the FRNN")


def test_outputs_go_to_out_or_are_numbered_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert tryfiles.output_path({"out": tmp_path / "mine.png"}, "x.png") == tmp_path / "mine.png"
    first = tryfiles.output_path({}, "v4.1-next-frame.png")
    assert first == tmp_path / "v4.1-next-frame.png"
    first.write_bytes(b"")
    assert tryfiles.output_path({}, "v4.1-next-frame.png") == tmp_path / "v4.1-next-frame-2.png"
    with pytest.raises(DataError, match="no folder"):
        tryfiles.output_path({"out": tmp_path / "no" / "such.png"}, "x.png")
    with pytest.raises(DataError, match="is a folder"):
        tryfiles.output_path({"out": tmp_path}, "x.png")


def test_a_missing_saved_file_is_a_one_line_error(tmp_path):
    with pytest.raises(DataError, match="holds no scaler.json"):
        tryfiles.saved(tmp_path, "scaler.json")


# -- v6: three temperatures ----------------------------------------------------------------

def test_the_window_to_try_precedes_the_date_given():
    w = temperature.window_to_try(["12.5", "-3", "13.1", "2024-03-01"])
    assert w.values.tolist() == [[12.5, -3.0, 13.1]]
    assert w.days.astype(str).tolist() == ["2024-03-01"]
    assert w.input_days.astype(str).tolist() == [["2024-02-27", "2024-02-28", "2024-02-29"]]  # a leap year
    today = np.datetime64("2025-01-02")
    assert temperature.window_to_try(["1", "2", "3"], today=today).input_days[0, 0] == np.datetime64("2024-12-30")


@pytest.mark.parametrize("inputs, message", [([], "got nothing"), (["1", "2"], "got 1 2"),
                                             (["1", "2", "3", "4", "5"], "T1 T2 T3"),
                                             (["a", "2", "3"], "are not 3 temperatures"),
                                             (["inf", "2", "3"], "are not 3 temperatures"),
                                             (["1", "2", "3", "2024-02-30"], "is not a date")])
def test_bad_temperatures_are_refused(inputs, message):
    with pytest.raises(DataError, match=message):
        temperature.window_to_try(inputs)


def test_the_forecast_is_the_saved_network_on_the_scaled_window(tmp_path):
    """use() = the Forecaster of the saved ESN with the saved scaler, on the window given (°C in, °C out)."""
    rng = np.random.default_rng(0)
    esn = EchoStateNetwork(3, 1, 20, rng=1, radius=0.6, leak=0.5, input_scale=0.2).fit(
        rng.normal(size=(30, 3, 3)), rng.normal(size=(30, 1)))
    esn.save(tmp_path / "esn.npz")
    loaded = EchoStateNetwork.load(tmp_path / "esn.npz")
    X = rng.normal(size=(5, 3, 3))
    assert np.allclose(loaded.predict(X), esn.predict(X))
    scaler = temperature.Scaler(10.0, 4.0)
    scaler.save(tmp_path / temperature.SCALER_FILE)
    line = temperature.use(tmp_path, ["9", "11", "12", "2024-06-01"], {}, EchoStateNetwork.load, "esn.npz", "ESN")
    w = temperature.window_to_try(["9", "11", "12", "2024-06-01"])
    expected = temperature.Forecaster(esn, scaler).predict(w)[0]
    assert line.startswith(f"ESN forecast for 2024-06-01: {expected:.1f} °C")
    assert "extrapolation" not in line
    assert "extrapolation" in temperature.use(tmp_path, ["60", "61", "62"], {}, EchoStateNetwork.load, "esn.npz",
                                              "ESN")


# -- v2.2/v2.3: seed notes ------------------------------------------------------------------

TOKENS = ["<pad>", "<unk>", "<s>", "G4_1", "B-4_0.5", "rest_2", "A4_1.5"]


@pytest.mark.parametrize("given, ids", [(["G4_1", "B-4_0.5", "rest_2"], [3, 4, 5]),
                                        (["G4", "Bb4_0.5", "A#4_0.5", "g4_1.0", "A4_1.5"], [3, 4, 4, 3, 6]),
                                        ([], [])])
def test_seed_notes_in_any_spelling(given, ids):
    assert music.seed_ids(TOKENS, given) == ids


@pytest.mark.parametrize("given, message", [([""], "is not a note"), (["H4_1"], "is not a note"),
                                            (["G4_0"], "is not a note"), (["C9_1"], "never occurs"),
                                            (["<s>"], "is not a note")])
def test_unknown_seed_notes_are_refused(given, message):
    with pytest.raises(DataError, match=message):
        music.seed_ids(TOKENS, given)


def test_generation_stops_after_the_notes_asked():
    class Uniform:
        def predict_on_batch(self, x):
            return np.full((*x.shape, len(TOKENS)), 1.0 / len(TOKENS))

    tunes = music.generate(Uniform(), TOKENS, [[3, 4], []], np.random.default_rng(0), notes=5)
    assert [len(t) for t in tunes] == [7, 5] and tunes[0][:2] == [3, 4]
    assert all(t not in music.SPECIAL for tune in tunes for t in tune)


# -- v3.3: a distorted image ----------------------------------------------------------------

def saved_hopfield(folder: Path) -> np.ndarray:
    """A hopfield.npz as v3.3 saves it, storing 3 random 8x8 'digits' and 2 9x16 'glyphs'; returns the digits."""
    rng = np.random.default_rng(3)
    sets = {"digits": (rng.choice([-1, 1], (3, 64)), [0, 1, 2], (8, 8)),
            "glyphs": (rng.choice([-1, 1], (2, 144)), [ord("H"), ord("O")], (16, 9))}
    arrays = {}
    for name, (xi, labels, shape) in sets.items():
        for rule in ("hebb", "storkey", "pinv"):
            arrays[f"W_{name}_{rule}"] = HopfieldNetwork().store(xi, rule).W
        arrays.update({f"patterns_{name}": xi.astype(np.int8), f"labels_{name}": np.array(labels),
                       f"shape_{name}": np.array(shape)})
    np.savez(folder / hopfield.MODEL_FILE, **arrays)
    return sets["digits"][0]


def test_a_distorted_pattern_is_restored_into_a_png(tmp_path):
    digits = saved_hopfield(tmp_path)
    noisy = digits[1].copy()
    noisy[[5, 20, 41]] *= -1
    tryfiles.write_gray(tmp_path / "noisy.png", (noisy.reshape(8, 8) + 1) / 2)
    out = tmp_path / "restored.png"
    line = hopfield.use(tmp_path, [str(tmp_path / "noisy.png")], {"out": out})
    assert line.startswith(f"{out}: restored digit 1") and "rule pinv" in line
    assert (tryfiles.read_gray(out, (8, 8)) > 0.5).astype(int).ravel().tolist() == (digits[1] > 0).tolist()
    # the negative of a pattern is an attractor too, and said so
    tryfiles.write_gray(tmp_path / "negative.png", (-digits[2].reshape(8, 8) + 1) / 2)
    assert "the negative of digit 2" in hopfield.use(tmp_path, [str(tmp_path / "negative.png"), "hebb"],
                                                     {"out": out})


@pytest.mark.parametrize("inputs, message", [([], "give IMAGE"), (["x.png", "oja"], "give IMAGE"),
                                             (["wide.png"], r"a 10x8 image; the Hopfield network stores 8x8 "
                                                            r"\(digits\) or 9x16 \(glyphs\)")])
def test_bad_hopfield_inputs_are_refused(tmp_path, monkeypatch, inputs, message):
    monkeypatch.chdir(tmp_path)
    saved_hopfield(tmp_path)
    tryfiles.write_gray(tmp_path / "wide.png", np.zeros((8, 10)))
    with pytest.raises(DataError, match=message):
        hopfield.use(tmp_path, inputs, {})


# -- v5.3: a digit image ---------------------------------------------------------------------

def test_digit_images_are_prepared_as_the_assignment_reads_them():
    small = np.zeros((8, 8), np.float32)
    small[2:6, 3:5] = 1.0
    up, inverted = elman_digits.as_digit(small)
    assert up.shape == (28, 28) and not inverted
    assert np.allclose(up, elman_digits._up(small[None])[0])  # the 8x8 digits' own upscaling
    paper = 1.0 - np.kron(up, np.ones((3, 3), np.float32))  # 84x84, a dark digit on white
    down, inverted = elman_digits.as_digit(paper)
    assert inverted and down.shape == (28, 28) and np.allclose(down, up, atol=1e-5)


# -- the saved runs, tried in a fresh process -----------------------------------------------

FLOAT = r"-?\d+\.\d"


@pytest.fixture
def runs(quick_runs):
    """``runs(6, 1, 3)``: a finished quick run holding v6.1 and v6.3 (the session's shared run of variant 6)."""
    return lambda variant, *tasks: quick_runs(variant)


@pytest.mark.slow
@pytest.mark.integration
def test_try_forecasts_from_three_temperatures(runs):
    run = runs(6, 1, 3)
    for ident, network in (("v6.1", "FRNN"), ("v6.3", "ESN")):
        proc = try_in_fresh_process(run, ident, "12.5", "14.0", "13.1", "2024-07-01")
        assert proc.returncode == 0, proc.stderr
        match = re.fullmatch(rf"{network} forecast for 2024-07-01: ({FLOAT}) °C \(the 3 days' mean says 13.2 °C, "
                             r"repeating the last day 13.1 °C\)", proc.stdout.strip())
        assert match and -20 < float(match.group(1)) < 45, proc.stdout
    cold = try_in_fresh_process(run, "v6.1", "-3", "-2.5", "1e0")  # negative temperatures need no `--`
    assert cold.returncode == 0 and "FRNN forecast for" in cold.stdout, cold.stderr
    assert "No such option '--lenght'" in one_line_error(try_in_fresh_process(run, "v6.1", "-3", "--lenght", "2"))
    assert "are not 3 temperatures" in one_line_error(try_in_fresh_process(run, "v6.1", "", "2", "3"))
    assert "holds no trained v6.1" in one_line_error(try_in_fresh_process(runs(2), "v6.1", "1", "2", "3"))


@pytest.mark.slow
@pytest.mark.integration
def test_try_generates_a_tune_music21_reads_back(runs, tmp_path):
    from rnnsuite.plugins.variant2.music_score import read_notes

    run = runs(2, 3)
    seed = json.loads((run / "v2.3" / "vocabulary.json").read_text())["tokens"][3:5]  # two known notes
    proc = try_in_fresh_process(run, "v2.3", *seed, "--length", "12", "--temperature", "0.5", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "v2.3-tune.mid"
    assert proc.stdout.startswith(f"{path}: 14 notes, ") and "temperature 0.5" in proc.stdout
    notes = read_notes(path)
    assert 0 < len(notes) <= 14
    sounding = [t for t in seed if not t.startswith("rest")]
    assert [n.pitch for n in notes[:len(sounding)]] == [t.rsplit("_", 1)[0] for t in sounding]
    assert "is not a note" in one_line_error(try_in_fresh_process(run, "v2.3", "", cwd=tmp_path))
    lstm = try_in_fresh_process(run, "v2.2", "--length", "8", "--out", str(tmp_path / "lstm.mid"), cwd=tmp_path)
    assert lstm.returncode == 0 and "by the LSTM" in lstm.stdout and read_notes(tmp_path / "lstm.mid"), lstm.stderr
    assert "holds no trained v2.2" in one_line_error(try_in_fresh_process(runs(6), "v2.2", cwd=tmp_path))


def moving_square(folder: Path, side: int = 32) -> list[str]:
    paths = []
    for t in range(3):
        frame = np.zeros((side, side))
        frame[10:16, 4 + 3 * t:10 + 3 * t] = 1.0
        paths.append(str(tryfiles.write_gray(folder / f"frame{t}.png", frame)))
    return paths


@pytest.mark.slow
@pytest.mark.integration
def test_try_predicts_the_next_frame_as_a_png(runs, tmp_path):
    run = runs(4, 1)
    frames = moving_square(tmp_path)
    out = tmp_path / "next.png"
    proc = try_in_fresh_process(run, "v4.1", *frames, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{out}: the FRNN's next frame (32x32)")
    assert tryfiles.read_gray(out).shape == (32, 32)
    tryfiles.write_gray(tmp_path / "small.png", np.zeros((16, 16)))
    line = one_line_error(try_in_fresh_process(run, "v4.1", *frames[:2], str(tmp_path / "small.png")))
    assert "a 16x16 image, but the FRNN takes 32x32 images" in line
    assert "give 3 image files" in one_line_error(try_in_fresh_process(run, "v4.1", *frames[:2]))


@pytest.mark.slow
@pytest.mark.integration
def test_try_restores_a_distorted_image(runs, tmp_path):
    run = runs(3, 3)
    with np.load(run / "v3.3" / hopfield.MODEL_FILE) as saved:
        pattern, label = saved["patterns_digits"][0], saved["labels_digits"][0]
    noisy = pattern.copy()
    noisy[[3, 30, 50]] *= -1
    tryfiles.write_gray(tmp_path / "noisy.png", (noisy.reshape(8, 8) + 1) / 2)
    proc = try_in_fresh_process(run, "v3.3", str(tmp_path / "noisy.png"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{tmp_path / 'v3.3-restored.png'}: restored digit {label}")
    restored = tryfiles.read_gray(tmp_path / "v3.3-restored.png", (8, 8))
    assert ((restored > 0.5) * 2 - 1).ravel().tolist() == pattern.tolist()
    tryfiles.write_gray(tmp_path / "big.png", np.zeros((28, 28)))
    assert "a 28x28 image; the Hopfield network stores" in one_line_error(
        try_in_fresh_process(run, "v3.3", str(tmp_path / "big.png")))


@pytest.mark.slow
@pytest.mark.integration
def test_try_classifies_digit_images(runs, tmp_path):
    from rnnsuite.datasets.images import digits

    run = runs(5, 3)
    data = digits()
    files = []
    for d in (0, 7):
        image = data.images[np.flatnonzero(data.labels == d)[0]]
        files.append(str(tryfiles.write_gray(tmp_path / f"digit{d}.png", image)))
    proc = try_in_fresh_process(run, "v5.3", *files)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2
    for path, line in zip(files, lines):
        match = re.fullmatch(rf"{re.escape(path)}: digit (\d) \(p = (\d\.\d\d); next (\d), p = (\d\.\d\d)\)", line)
        assert match and match.group(1) != match.group(3) and float(match.group(2)) >= float(match.group(4)), line
    tryfiles.write_gray(tmp_path / "wide.png", np.zeros((28, 40)))
    assert "a 40x28 image; the Elman network reads square" in one_line_error(
        try_in_fresh_process(run, "v5.3", str(tmp_path / "wide.png")))
    assert "give one or more image files" in one_line_error(try_in_fresh_process(run, "v5.3"))


@pytest.mark.slow
def test_the_keras_siblings_load_their_saved_models(tmp_path):
    """v2.2's LSTM and v4.3's ConvGRU, saved untrained as their artifacts save them, used in this process."""
    from rnnsuite.plugins.variant2 import music_lstm
    from rnnsuite.plugins.variant2.music_score import read_notes
    from rnnsuite.plugins.variant4 import convgru_frames

    music_lstm.build({"tokens": TOKENS}).save(tmp_path / f"{music_lstm.STEM}.keras")
    (tmp_path / "vocabulary.json").write_text(json.dumps({"tokens": TOKENS}))
    line = music_lstm.use(tmp_path, ["A4_1.5"], {"length": 4, "out": tmp_path / "t.mid", "temperature": 2.0})
    assert line.startswith(f"{tmp_path / 't.mid'}: 5 notes, ") and "by the LSTM" in line
    assert read_notes(tmp_path / "t.mid")[0].pitch == "A4"

    convgru_frames.build({"height": 8, "width": 8}).save(tmp_path / convgru_frames.MODEL_FILE)
    frames = [str(tryfiles.write_gray(tmp_path / f"f{t}.png", np.eye(8) * t / 2)) for t in range(3)]
    line = convgru_frames.use(tmp_path, frames, {"out": tmp_path / "next.png"})
    assert line.startswith(f"{tmp_path / 'next.png'}: the ConvGRU's next frame (8x8)")
    assert tryfiles.read_gray(tmp_path / "next.png").shape == (8, 8)
    with pytest.raises(DataError, match="a 32x32 image, but the ConvGRU takes 8x8 images"):
        convgru_frames.use(tmp_path, [*frames[:2], moving_square(tmp_path)[0]], {})
