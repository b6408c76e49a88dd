"""rnnsuite.frames: windows, the copy and displacement baselines, MSE and SSIM, augmentation and
roll-outs, on hand-made frames; the GIF and the curve panels they are shown in."""
from __future__ import annotations

import numpy as np
import pytest

from rnnsuite import frames
from rnnsuite.plots import curve_panels


def square_clip(T: int = 6, size: int = 12, side: int = 3, step: int = 1, top: int = 4) -> np.ndarray:
    """A bright side x side square moving ``step`` pixels right per frame: (T, size, size)."""
    clip = np.zeros((T, size, size), np.float32)
    for t in range(T):
        clip[t, top:top + side, 1 + step * t: 1 + step * t + side] = 1.0
    return clip


# -- windows, baselines, scores ------------------------------------------------------

def test_windows_are_three_frames_then_the_fourth_clip_by_clip():
    clips = np.arange(2 * 5 * 4, dtype=np.float32).reshape(2, 5, 2, 2)  # 2 clips of 5 frames
    x, y = frames.frame_windows(clips)
    assert x.shape == (4, 3, 2, 2) and y.shape == (4, 2, 2)
    assert (x[0] == clips[0, :3]).all() and (y[0] == clips[0, 3]).all()
    assert (x[1] == clips[0, 1:4]).all() and (y[1] == clips[0, 4]).all()
    assert (x[2] == clips[1, :3]).all()  # never a window across two clips
    with pytest.raises(ValueError, match="no window"):
        frames.frame_windows(clips[:, :3])


def test_baselines_on_a_moving_square():
    clip = square_clip()
    inputs, true = clip[None, :3], clip[None, 3]
    # copying the last frame misses the square's one-pixel move: 3 pixels too many, 3 too few
    assert frames.mse(frames.copy_last(inputs), true) == pytest.approx(6 / 144)
    # shifting by the last displacement (one pixel right) is exact here
    assert frames.shift_last(inputs) == pytest.approx(true, abs=1e-6)
    assert frames.centroid(clip[3]) == pytest.approx([5.0, 5.0])
    assert frames.centroid(np.zeros((4, 6))) == pytest.approx([1.5, 2.5])  # an empty frame: its centre
    s = frames.scores(frames.shift_last(inputs), true, inputs)
    assert s["mse"] == pytest.approx(0.0, abs=1e-12) and s["ssim"] == pytest.approx(1.0)
    assert s["copy_mse"] == pytest.approx(6 / 144) and s["copy_ssim"] < 0.9
    assert s["mse_vs_copy"] == pytest.approx(0.0, abs=1e-9) and s["shift_vs_copy"] == pytest.approx(0.0, abs=1e-9)


def test_half_pixel_moves_are_interpolated_and_ssim_prefers_the_right_frame():
    frame = np.zeros((1, 8, 8), np.float32)
    frame[0, 3, 3] = 1.0
    moved = frames.shift_last(np.stack([np.roll(frame, -1, axis=-1), frame], axis=1))  # moved one pixel right
    assert moved[0, 3, 4] == pytest.approx(1.0) and moved.sum() == pytest.approx(1.0)
    clip = square_clip(size=16)
    assert frames.ssim(clip[3:4], clip[3:4]) == pytest.approx(1.0)
    assert frames.ssim(clip[2:3], clip[3:4]) < frames.ssim(clip[3:4] * 0.9, clip[3:4])
    with pytest.raises(ValueError, match="shape"):
        frames.mse(clip[:2], clip[:3])
    with pytest.raises(ValueError, match="too small"):
        frames.ssim(np.zeros((1, 2, 2)), np.zeros((1, 2, 2)))


def test_mirrored_windows_are_still_a_square_moving():
    clip = square_clip()
    x, y = frames.dihedral(clip[None, :3], clip[None, 3], copies=8)
    assert x.shape == (8, 3, 12, 12) and y.shape == (8, 12, 12)
    for xi, yi in zip(x, y):  # every copy: the shift baseline still predicts it exactly
        assert frames.shift_last(xi[None]) == pytest.approx(yi[None], abs=1e-6)
    assert frames.dihedral(np.zeros((1, 3, 4, 6)), np.zeros((1, 4, 6)), copies=8)[0].shape[0] == 4  # no transpose


def test_roll_forward_feeds_the_model_its_own_frames():
    clip = square_clip(T=8, size=16)
    rolled = frames.roll_forward(frames.shift_last, clip[None, :3], 5)
    assert rolled.shape == (1, 5, 16, 16)
    assert rolled[0] == pytest.approx(clip[3:], abs=1e-5)  # the exact model keeps the square moving
    movie = frames.side_by_side(clip[None], clip[None])
    assert movie.shape == (8, 16, 33) and (movie[:, :, 16] == 0.5).all()


def test_the_gif_holds_every_frame_scaled(tmp_path):
    from PIL import Image

    movie = np.stack([np.eye(5) * t / 3 for t in range(4)])
    path = frames.animation(tmp_path / "m.gif", movie, scale=3)
    with Image.open(path) as gif:
        assert gif.n_frames == 4 and gif.size == (15, 15)
        gif.seek(3)
        assert np.asarray(gif.convert("L"))[0, 0] == 255 and np.asarray(gif.convert("L"))[0, 14] == 0


def test_curve_panels_draws_one_panel_per_entry(tmp_path):
    from PIL import Image

    panels = [("a", [1, 2, 3], {"up": [0.1, 0.5, 0.9]}, {"mark": 2.0}), ("b", [1, 2], {"down": [1, 0]}, {})]
    path = curve_panels(tmp_path / "c.png", panels, xlabel="P", ylabel="recall", ylim=(0, 1), hline=0.8)
    with Image.open(path) as png:
        assert png.size == (1100, 400)  # two 5.5-inch panels at 100 dpi
