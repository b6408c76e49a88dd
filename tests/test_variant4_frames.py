"""Variant 4, frames: the split, scores per data set, the FRNN's gradients, the ConvGRU cell, bad input,
and v4.1/v4.3 end to end in quick mode and through grading (rnnsuite.frames: tests/test_frames.py)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from grading_helpers import grade, requires_sandbox, student_submission, write
from rnnsuite.datasets.records import Frames
from rnnsuite.plugins.variant4 import convgru_frames, frnn_frames, next_frame
from test_frames import square_clip

from rnnsuite import frames
from rnnsuite.errors import DataError
from rnnsuite.scratch import FRNN, check_gradients

# -- the task's data -------------------------------------------------------------------

def fake_ctx(shapes: Frames, sprites: Frames, quick=False, seed=0, hidden: dict | None = None, tmp=None):
    from rnnsuite.context import RunContext

    sets = {"shapes": shapes, "sprites": sprites}
    hidden = hidden or {}

    def dataset(name):
        return SimpleNamespace(load=lambda path=None, full=False: hidden[name] if path is not None else sets[name])

    registry = SimpleNamespace(datasets=sets, dataset=dataset)
    return RunContext(frnn_frames.ASSIGNMENT, Path(tmp or "."), seed=seed, quick=quick, registry=registry,
                      hidden_paths={name: Path(f"{name}.hidden") for name in hidden})


def clips(n: int, T: int = 6, size: int = 12, value: float = 1.0) -> Frames:
    c = np.stack([square_clip(T, size, top=1 + i % 6) * value for i in range(n)])
    return Frames(c, [f"c{i}" for i in range(n)])


def test_shape_clips_split_in_order_and_each_test_clip_gives_its_last_frame():
    shapes, sprites = clips(20), clips(2, T=5, size=8, value=0.5)
    split = next_frame.prepare(fake_ctx(shapes, sprites))
    # 20 clips: 11 fit + 3 validation (15%) + 6 test (30%); 3 windows per clip of 6 frames
    assert len(split.train.val) == 3 * 3 and split.test_inputs["shapes"].shape == (6, 3, 12, 12)
    assert (split.test_inputs["shapes"] == shapes.clips[14:, 2:5]).all()
    assert (split.test_targets["shapes"] == shapes.clips[14:, 5]).all()
    # sprites: centred on the 12x12 canvas, their windows before the last frame train
    assert split.spec["sprite_region"] == [2, 2, 8, 8]
    assert split.test_inputs["sprites"].shape == (2, 3, 12, 12)
    R = next_frame.REPEAT_SPRITES  # the sprites' one training window each, repeated
    assert len(split.train.fit) == 11 * 3 + 2 * 1 * R
    sprite_fit = split.train.fit.targets[-2 * R::R]
    assert next_frame.crop(sprite_fit, [2, 2, 8, 8]) == pytest.approx(sprites.clips[:, 3])
    assert split.spec["n"] == split.spec["m"] == 144
    assert split.spec["mean"] == pytest.approx(split.train.fit.inputs.mean())


def test_hidden_clips_are_the_test_block_and_everything_loaded_trains():
    shapes, sprites = clips(10), clips(2, T=5, size=8)
    hidden = {"shapes": clips(3, T=7)}
    split = next_frame.prepare(fake_ctx(shapes, sprites, hidden=hidden))
    assert (split.test_targets["shapes"] == hidden["shapes"].clips[:, -1]).all()
    assert len(split.train.fit) + len(split.train.val) == 10 * 3 + 2 * next_frame.REPEAT_SPRITES  # all loaded


def test_large_sprites_are_pooled_down_onto_the_canvas():
    placed, region = next_frame.place(np.ones((1, 4, 40, 20), np.float32), (12, 12))
    assert region == (1, 3, 10, 5) and placed.shape == (1, 4, 12, 12) and placed.sum() == 4 * 50


def test_clips_too_short_or_tiny_are_one_line_errors():
    with pytest.raises(DataError, match="clips of 3 frames are too short.*at least 4"):
        next_frame.prepare(fake_ctx(clips(6, T=3), clips(2)))
    with pytest.raises(DataError, match="too small"):
        next_frame.check_clips(np.zeros((2, 5, 2, 2)), "sprites")


def test_predictions_are_scored_against_the_kept_frames_and_the_sprites_in_their_region():
    split = next_frame.prepare(fake_ctx(clips(20), clips(2, T=5, size=8, value=0.5)))
    copy = {name: frames.copy_last(x) for name, x in split.test_inputs.items()}
    m = next_frame.evaluate(None, split, copy)
    assert set(m) == set(next_frame.METRICS)
    assert m["mse"] == pytest.approx(m["copy_mse"]) and m["mse_vs_copy"] == pytest.approx(1.0)
    # the sprite's copy error counts over its 8x8 region only: 6 wrong pixels of 0.25 error each
    assert m["sprites_copy_mse"] == pytest.approx(6 * 0.25 / 64)


def write_clips(folder: Path, sizes: dict[str, list[tuple[int, int]]]) -> Path:
    """One sub-folder per clip, a PNG per frame of the given (width, height)."""
    from PIL import Image

    for clip, frame_sizes in sizes.items():
        (folder / clip).mkdir(parents=True)
        for t, (w, h) in enumerate(frame_sizes):
            Image.fromarray(np.full((h, w), 40 * t, np.uint8)).save(folder / clip / f"{clip}_walk{t}.png")
    return folder


@pytest.mark.parametrize("sizes, message", [
    ({"a": [(32, 32)] * 5, "b": [(32, 32)] * 2 + [(64, 48)] * 3},
     "frames differ in size: b_walk0.png is 32x32, b_walk2.png is 64x48"),
    ({"a": [(32, 32)] * 3, "b": [(32, 32)] * 3}, "clips of 3 frames are too short"),
    ({"a": [(32, 32)] * 5, "b": [(32, 32)] * 3}, "clips differ in frame count: a has 5 frames, b has 3"),
])
def test_bad_clips_are_one_line_and_exit_2(tmp_path, sizes, message):
    from click.testing import CliRunner

    from rnnsuite.cli import cli

    folder = write_clips(tmp_path / "clips", sizes)
    result = CliRunner().invoke(cli, ["run", "--variant", "4", "--task", "1", "--quick", "--data",
                                      f"sprites={folder}", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


# -- the FRNN of v4.1 ------------------------------------------------------------------

def test_the_v41_frnn_gradients_agree_with_finite_differences():
    """The v4.1 configuration: flat standardised frames in, the next frame out, squared error at the last step."""
    split = next_frame.prepare(fake_ctx(clips(8, size=6), clips(2, T=5, size=4)))
    spec = {**split.spec, "hidden": 5}
    predictor = next_frame.frame_predictor(spec, FRNN(spec["n"], 5, spec["m"], output="last", loss="mse", rng=1))
    X, D = predictor.inputs(split.train.fit.inputs[:4]), predictor.targets(split.train.fit.targets[:4])
    assert X.shape == (4, 3, 36) and D.shape == (4, 36)
    result = check_gradients(predictor.core, X, D)
    assert result.passed, result


def test_the_frame_predictor_brings_the_frnn_back_to_pixels():
    spec = {"height": 2, "width": 3, "mean": 0.25, "std": 0.5}

    class Identity:  # "predicts" its last input back
        def predict(self, X):
            return X[:, -1]

    p = next_frame.frame_predictor(spec, Identity())
    x = np.linspace(0, 1, 2 * 3 * 6).reshape(2, 3, 2, 3)
    assert p.inputs(x)[0, 0] == pytest.approx((x[0, 0].ravel() - 0.25) / 0.5)
    assert p.predict(x) == pytest.approx(x[:, -1])
    built = frnn_frames.build({"n": 6, "m": 6, "seed": 3})
    assert (built.n, built.k, built.m, built.output, built.loss_name) == (6, frnn_frames.HIDDEN, 6, "last", "mse")


# -- the ConvGRU cell of v4.3 (TensorFlow) ---------------------------------------------

def conv_same(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """A plain 'same' cross-correlation (B, H, W, c) * (kh, kw, c, f) -> (B, H, W, f), as Keras convolves."""
    kh, kw = kernel.shape[:2]
    padded = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    H, W = x.shape[1:3]
    out = np.zeros((x.shape[0], H, W, kernel.shape[-1]))
    for i in range(kh):
        for j in range(kw):
            out += padded[:, i:i + H, j:j + W, :] @ kernel[i, j]
    return out


@pytest.mark.slow
def test_convgru_with_zero_gate_kernels_reduces_to_the_expected_update():
    """Zero gate kernels and biases: z = r = 1/2, so h_t = h_{t-1}/2 + tanh(W_h * x_t + U_h * (h_{t-1}/2) + b_h)/2."""
    from rnnsuite.plugins.variant4.convgru import ConvGRUCell, k

    F, H, W = 2, 5, 4
    rng = np.random.default_rng(0)
    layer = k.layers.RNN(ConvGRUCell(F, (H, W, 1), kernel_size=3, recurrent_kernel_size=3), return_sequences=True)
    x = rng.normal(size=(2, 3, H * W)).astype(np.float32)
    layer(x)  # build
    cell = layer.cell
    W_k, U_k, b = (v.numpy().copy() for v in (cell.W, cell.U, cell.b))
    W_k[..., : 2 * F], U_k[..., : 2 * F], b[: 2 * F] = 0.0, 0.0, 0.0
    b[2 * F:] = rng.normal(size=F)
    cell.W.assign(W_k)
    cell.U.assign(U_k)
    cell.b.assign(b)
    got = layer(x).numpy().reshape(2, 3, H, W, F)
    h = np.zeros((2, H, W, F))
    for t in range(3):
        xt = x[:, t].reshape(2, H, W, 1).astype(np.float64)
        candidate = np.tanh(conv_same(xt, W_k[..., 2 * F:]) + conv_same(0.5 * h, U_k[..., 2 * F:]) + b[2 * F:])
        h = 0.5 * h + 0.5 * candidate
        assert got[:, t] == pytest.approx(h, abs=1e-5)
    cell.b.assign(b + np.r_[np.full(F, 50.0), np.zeros(2 * F)])  # z = 1: the state is the candidate alone
    h1 = layer(x).numpy().reshape(2, 3, H, W, F)[:, 0]
    assert h1 == pytest.approx(np.tanh(conv_same(x[:, 0].reshape(2, H, W, 1), W_k[..., 2 * F:]) + b[2 * F:]),
                               abs=1e-5)


@pytest.mark.slow
def test_the_convgru_model_saves_and_loads_with_identical_outputs(tmp_path):
    from rnnsuite.plugins.variant4 import convgru

    model = convgru_frames.build({"height": 8, "width": 6, "steps": 3})
    x = np.random.default_rng(1).random((4, 3, 8, 6)).astype(np.float32)
    before = model.predict(x, verbose=0)
    assert before.shape == (4, 8, 6) and ((0 <= before) & (before <= 1)).all()
    path = tmp_path / "convgru.keras"
    model.save(path)
    again = convgru.load(path)
    assert again.predict(x, verbose=0) == pytest.approx(before, abs=1e-7)
    assert type(again.get_layer("convgru").cell).__name__ == "ConvGRUCell"
    with pytest.raises(ValueError, match="frame_shape"):
        convgru.ConvGRUCell(4, (8, 6))


# -- end to end, quick, and grading ----------------------------------------------------

@pytest.fixture(scope="module")
def manager():
    from rnnsuite.manager import Manager

    return Manager().load()


def run_quick(manager, number: int, out: Path, seed: int = 0):
    from rnnsuite.runner import run

    variant = manager.registry.variant(4)
    [result] = run(manager, variant, [variant.assignment(number)], out_dir=out, seed=seed, quick=True)
    assert result.error is None, result.error
    return result


@pytest.mark.integration
def test_v41_quick_run_writes_every_artifact_and_repeats_itself(manager, tmp_path):
    first = run_quick(manager, 1, tmp_path / "a")
    assert set(first.metrics) == set(next_frame.METRICS)
    assert set(first.artifacts) == set(frnn_frames.ASSIGNMENT.artifact_names)
    assert first.metrics["copy_mse"] > first.metrics["shift_mse"] > 0
    assert Path(first.artifacts["rollout"]).read_bytes()[:6] == b"GIF89a"
    assert (Path(first.artifacts["model"]).parent / "frnn_frames.scaler.json").exists()
    again = run_quick(manager, 1, tmp_path / "b")
    assert again.metrics == first.metrics  # same seed, same metrics


@pytest.mark.slow
@pytest.mark.integration
def test_v43_quick_run_trains_the_convgru_and_saves_it(manager, tmp_path):
    from rnnsuite.plugins.variant4 import convgru

    result = run_quick(manager, 3, tmp_path)
    assert set(result.metrics) == set(next_frame.METRICS) and result.history["loss"]
    model = convgru.load(result.artifacts["model"])
    assert model.get_layer("convgru").cell.filters == convgru_frames.FILTERS


def frames_batch(registry, ident: str, **settings):
    from rnnsuite.grading import batch, sandbox

    limits = sandbox.Limits(timeout=300, memory_mb=4096)
    return batch.Batch(registry, [registry.assignment(ident)], batch.Settings(quick=True, limits=limits, **settings))


@requires_sandbox
@pytest.mark.integration
def test_grading_v41_gives_an_honest_student_frnn_every_model_check(manager, tmp_path):
    r = grade(frames_batch(manager.registry, "v4.1"), tmp_path / "subs", "honest.py",
              student_submission("frnn-frames", loss="mse", output="last"))
    assert r.status == "ok", r.errors
    checks = {i.name.split(" ", 1)[1]: i for i in r.items}
    for name in ("gradient W", "gradient U", "gradient V", "gradient b_h", "gradient b_y", "forward pass", "loss"):
        assert checks[name].passed and checks[name].score == checks[name].max_score, checks[name]
    assert set(r.assignments[0].metrics) == set(next_frame.METRICS)


@requires_sandbox
@pytest.mark.slow
@pytest.mark.integration
def test_grading_v43_runs_the_reference_and_an_untrained_model_fails_the_bars(manager, tmp_path):
    reference = write(tmp_path / "subs", "reference.py", """
        from rnnsuite.types import ModelFactory
        from rnnsuite.plugins.variant4.convgru_frames import build
        def rnnsuite_add_models():
            return [ModelFactory("convgru-frames", "custom", build)]
    """)
    blank = write(tmp_path / "subs", "blank.py", """
        import keras
        from rnnsuite.types import ModelFactory
        def build(spec):  # predicts a blank frame whatever it is shown
            frames = keras.Input((3, spec["height"], spec["width"]))
            return keras.Model(frames, keras.layers.Lambda(lambda x: 0.0 * x[:, -1])(frames))
        def rnnsuite_add_models():
            return [ModelFactory("convgru-frames", "custom", build)]
    """)
    ref, empty = frames_batch(manager.registry, "v4.3", epochs=2).run([("reference", reference), ("blank", blank)])
    assert ref.status == "ok", ref.errors
    assert ref.assignments[0].metrics["mse_vs_copy"] < 1.0  # two epochs on a slice already beat copying
    assert empty.status == "ok" and empty.score == 0, empty.items
