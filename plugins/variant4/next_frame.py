"""The next-frame task shared by v4.1 (FRNN) and v4.3 (ConvGRU): the 4th frame from the 3 before it.

    data         ``shapes`` (procedural clips: a square, disc or triangle that
                 moves, bounces, rotates or scales) and ``sprites`` (real
                 walk cycles), both float frames in [0, 1]
    canvas       every frame is drawn on the shapes' frame size (H x W); a
                 sprite is centred on it (pooled down first if it is larger),
                 and its scores are taken over its own region only
    windows      frames (t-2, t-1, t) -> frame t+1, inside each clip
    split        shapes: clips in order, the first 70% train (the last 15% of
                 all clips as validation), the last 30% test; sprites (six
                 clips): in time, each walk cycle's windows before its last
                 frame train.  A test clip gives one window, its last frame
                 from the 3 before it, so no test window shows another's
                 answer or a frame after it
    baselines    copy the last frame; shift it by the object's last
                 displacement (``rnnsuite.frames``)
    metrics      MSE per pixel and SSIM, the same for both baselines, and the
                 model's MSE as a share of copying's (``mse_vs_copy``); the
                 sprites' scores carry a ``sprites_`` prefix

A factory builds the network; v4.1's ``adapt`` puts its FRNN in a
:class:`FramePredictor` (frames in, frames out; flattened and standardised
with the training frames' mean and deviation).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnsuite import frames
from rnnsuite.errors import DataError
from rnnsuite.prep import chronological_split
from rnnsuite.types import Split

SETS = ("shapes", "sprites")
TEST, VAL = 0.3, 0.15
QUICK_CLIPS = 40  # shape clips in --quick
EXAMPLES = 6  # rows of each strip
ROLLOUT_CLIPS = 4
REPEAT_SPRITES = 20  # the sprites' training windows, repeated: gray textured figures are not like the shapes

METRICS = tuple(f"{prefix}{name}" for prefix in ("", "sprites_")
                for name in ("mse", "ssim", "copy_mse", "copy_ssim", "shift_mse", "shift_ssim",
                             "mse_vs_copy", "shift_vs_copy"))


@dataclass(frozen=True)
class Windows:
    """``inputs[i]`` (3 frames, H x W) precede ``targets[i]``."""

    inputs: np.ndarray  # (N, 3, H, W) float32
    targets: np.ndarray  # (N, H, W) float32

    def __len__(self) -> int:
        return len(self.inputs)

    @classmethod
    def of(cls, clips: np.ndarray) -> "Windows":
        if not len(clips):
            return cls.empty(())
        x, y = frames.frame_windows(clips)
        return cls(x.astype(np.float32), y.astype(np.float32))

    @classmethod
    def empty(cls, frame: tuple[int, ...]) -> "Windows":
        return cls(np.zeros((0, frames.STEPS, *frame), np.float32), np.zeros((0, *frame), np.float32))

    def __add__(self, other: "Windows") -> "Windows":
        if not len(other):
            return self
        if not len(self):
            return other
        return Windows(np.concatenate([self.inputs, other.inputs]), np.concatenate([self.targets, other.targets]))


@dataclass(frozen=True)
class TrainingData:
    """What a model may learn from: the fit block and the validation block."""

    fit: Windows
    val: Windows


# -- data ------------------------------------------------------------------------
def check_clips(clips: np.ndarray, name: str) -> np.ndarray:
    """Clips (N, T, H, W) long enough to hold 3 frames and a 4th (one-line DataError otherwise)."""
    clips = np.asarray(clips, np.float32)
    if clips.ndim != 4 or not len(clips):
        raise DataError(f"{name}: expected clips of frames (clips, frames, height, width), got shape {clips.shape}")
    if clips.shape[1] <= frames.STEPS:
        raise DataError(f"{name}: clips of {clips.shape[1]} frames are too short: predicting the 4th frame from "
                        f"the 3 before it needs clips of at least {frames.STEPS + 1} frames")
    if min(clips.shape[2:]) < 3:
        raise DataError(f"{name}: frames of {clips.shape[3]}x{clips.shape[2]} pixels are too small (3x3 at least)")
    return clips


def place(clips: np.ndarray, canvas: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Clips drawn centred on a canvas (zeros around); returns them and the region (top, left, h, w).

    Frames larger than the canvas are first pooled down by the smallest
    whole factor that makes them fit.
    """
    H, W = canvas
    h, w = clips.shape[-2:]
    factor = max(1, math.ceil(max(h / H, w / W)))
    if factor > 1:
        h, w = h // factor, w // factor
        clips = clips[..., : h * factor, : w * factor].reshape(*clips.shape[:2], h, factor, w, factor).mean(axis=(3, 5))
    top, left = (H - h) // 2, (W - w) // 2
    out = np.zeros((*clips.shape[:2], H, W), np.float32)
    out[..., top:top + h, left:left + w] = clips
    return out, (top, left, h, w)


def crop(frames_: np.ndarray, region) -> np.ndarray:
    top, left, h, w = (int(v) for v in region)
    return np.asarray(frames_)[..., top:top + h, left:left + w]


def last_windows(clips: np.ndarray) -> Windows:
    """The last window of each clip: its final frame from the 3 before it.

    One window per test clip, so no test window holds another's answer (nor a
    frame after it to interpolate from): the model must extrapolate.
    """
    return Windows(np.asarray(clips[:, -frames.STEPS - 1:-1], np.float32), np.asarray(clips[:, -1], np.float32))


def _split_clips(ctx, name: str, clips: np.ndarray, canvas) -> tuple[Windows, Windows, np.ndarray, dict]:
    """(fit windows, validation windows, test clips, facts) of one data set, by its split policy.

    The test clips' last windows are the test block; with the instructor's
    hidden clips, those are the test clips and every loaded clip trains.
    """
    hidden = ctx.load_hidden(name)
    if hidden is not None:
        test_clips, _ = place(check_clips(hidden.clips, f"{name} (hidden)"), canvas)
        if name == "shapes":  # every loaded clip trains, the last 15% of them as validation
            fit_idx, val_idx, _ = chronological_split(len(clips), test=0.0, val=VAL)
            fit, val = Windows.of(clips[fit_idx]), Windows.of(clips[val_idx])
        else:
            fit, val = Windows.of(clips), Windows.empty(canvas)
        return fit, val, test_clips, {
            f"{name}_split": "every loaded clip trains; the instructor's hidden clips test (the last window of each)"}
    if name == "shapes":
        fit_idx, val_idx, test_idx = chronological_split(len(clips), test=TEST, val=VAL)
        return Windows.of(clips[fit_idx]), Windows.of(clips[val_idx]), clips[test_idx], {
            "shapes_split": "clips in order: the first 70% train (the last 15% of all clips as validation), "
                            "the last 30% test, each by its last frame from the 3 before it",
            "shapes_clips": {"fit": len(fit_idx), "validation": len(val_idx), "test": len(test_idx)}}
    # A few clips: each trains on its early windows and tests on its last one (the frame no window trained on).
    return Windows.of(clips[:, :-1]), Windows.empty(canvas), clips, {
        f"{name}_split": f"in time inside each of the {len(clips)} clips: the windows before its last frame "
                         "train, its last frame from the 3 before it tests"}


def prepare(ctx) -> Split:
    loaded = {name: ctx.load(name) for name in SETS}
    shapes = check_clips(loaded["shapes"].clips, "shapes")
    if ctx.quick:
        shapes = shapes[:QUICK_CLIPS]
    canvas = tuple(int(d) for d in shapes.shape[-2:])
    sprites, region = place(check_clips(loaded["sprites"].clips, "sprites"), canvas)
    fit, val, inputs, targets, info = Windows.empty(canvas), Windows.empty(canvas), {}, {}, {}
    for name, clips in (("shapes", shapes), ("sprites", sprites)):
        f, v, test_clips, about = _split_clips(ctx, name, clips, canvas)
        test = last_windows(test_clips)
        if name == "sprites":  # a few dozen windows among thousands of shapes: seen REPEAT_SPRITES times as often
            f = Windows(np.repeat(f.inputs, REPEAT_SPRITES, axis=0), np.repeat(f.targets, REPEAT_SPRITES, axis=0))
        fit, val = fit + f, val + v
        inputs[name], targets[name] = test.inputs, test.targets
        if name == "shapes":
            targets["shapes_clips"] = np.asarray(test_clips, np.float32)  # whole, for the roll-out (never scored)
        info.update(about)
        info[f"{name}_windows"] = {"fit": len(f), "validation": len(v), "test": len(test)}
    mean, std = float(fit.inputs.mean()), float(fit.inputs.std()) or 1.0
    spec = {"n": canvas[0] * canvas[1], "m": canvas[0] * canvas[1], "height": canvas[0], "width": canvas[1],
            "steps": frames.STEPS, "mean": mean, "std": std, "sprite_region": list(region), "seed": ctx.seed}
    info.update({"frame": f"{canvas[0]}x{canvas[1]} (the shapes' size; sprites centred on it at "
                          f"{region[3]}x{region[2]})", "train_pixel_mean": round(mean, 4),
                 "train_pixel_std": round(std, 4)})
    return Split(train=TrainingData(fit, val), test_inputs=inputs, test_targets=targets, spec=spec, info=info)


# -- scores ----------------------------------------------------------------------
def evaluate(ctx, split: Split, predicted: dict) -> dict[str, float]:
    region = split.spec["sprite_region"]
    out = frames.scores(predicted["shapes"], split.test_targets["shapes"], split.test_inputs["shapes"])
    out.update(frames.scores(crop(predicted["sprites"], region), crop(split.test_targets["sprites"], region),
                             crop(split.test_inputs["sprites"], region), prefix="sprites_"))
    return out


# -- the FRNN around frames ------------------------------------------------------------
class FramePredictor:
    """Frames (B, 3, H, W) in, the next frames (B, H, W) out, around a network over flat frames.

    The network reads x_t = (frame_t - mean) / std flattened (n = H * W) and
    its output y (m = H * W) is the next frame in the same units; the
    prediction is brought back to pixels and clipped to [0, 1].
    """

    def __init__(self, core: Any, spec):
        self.core = core
        self.shape = (int(spec["height"]), int(spec["width"]))
        self.mean, self.std = float(spec["mean"]), float(spec["std"])

    @property
    def dtype(self):
        """The network's float type (a student's model without one computes in float64)."""
        return getattr(self.core, "dtype", np.float64)

    def inputs(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return ((x.reshape(*x.shape[:2], -1) - self.mean) / self.std).astype(self.dtype)

    def targets(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y)
        return ((y.reshape(len(y), -1) - self.mean) / self.std).astype(self.dtype)

    def predict(self, x: np.ndarray) -> np.ndarray:
        y = np.asarray(self.core.predict(self.inputs(x)), np.float64) * self.std + self.mean
        return np.clip(y, 0.0, 1.0).reshape(len(y), *self.shape).astype(np.float32)

    def save_scaler(self, path):
        path.write_text(json.dumps({"height": self.shape[0], "width": self.shape[1], "mean": self.mean,
                                    "std": self.std, "steps": frames.STEPS}, indent=1))
        return path


def frame_predictor(spec, core: Any) -> FramePredictor:
    """The factory's FRNN in pixels: flattened frames standardised with the training frames' statistics."""
    return FramePredictor(core, spec)


def predict_sets(next_frames, inputs: dict) -> dict[str, np.ndarray]:
    """The predicted next frame of every test window, per data set."""
    return {name: np.asarray(next_frames(x), np.float32) for name, x in inputs.items()}


# -- artifacts -------------------------------------------------------------------------
def artifacts(ctx, split: Split, predicted: dict, next_frames, network: str) -> dict[str, Any]:
    """Strips of examples (shapes and sprites) and a GIF of test clips rolled forward."""
    region = split.spec["sprite_region"]
    out = {}
    for key, name, cut in (("strips", "shapes", lambda a: a), ("sprite_strips", "sprites", lambda a: crop(a, region))):
        x, y, p = split.test_inputs[name], split.test_targets[name], predicted[name]
        shown = np.linspace(0, len(x) - 1, min(EXAMPLES, len(x))).astype(int)
        out[key] = frames.strips(ctx.path(f"{name}_strips.png"), cut(x[shown]), cut(y[shown]), cut(p[shown]),
                                 title=f"{network}: {name}, each test clip's last frame from the 3 before it",
                                 labels=[f"test clip {i}" for i in shown])
    clips = split.test_targets["shapes_clips"]
    clips = clips[np.linspace(0, len(clips) - 1, min(ROLLOUT_CLIPS, len(clips))).astype(int)]
    rolled = frames.roll_forward(next_frames, clips[:, : frames.STEPS], clips.shape[1] - frames.STEPS)
    predicted_clips = np.concatenate([clips[:, : frames.STEPS], rolled], axis=1)
    out["rollout"] = frames.animation(ctx.path("rollout.gif"), frames.side_by_side(clips, predicted_clips))
    return out


# -- rnnsuite try ----------------------------------------------------------------------
def use(options, inputs, next_frames, shape: tuple[int, int], network: str, name: str) -> str:
    """``Assignment.use`` of v4.1 and v4.3: the next frame after 3 image files of the frame size, as a PNG.

    The files are read as gray frames in [0, 1] (``rnnsuite.tryfiles``),
    oldest first; the predicted frame goes to ``out`` or to ``name`` in the
    current folder.
    """
    from rnnsuite.tryfiles import output_path, read_gray, write_gray

    H, W = shape
    if len(inputs) != frames.STEPS:
        raise DataError(f"give {frames.STEPS} image files of {W}x{H} pixels, the frames t-2, t-1, t in order; "
                        f"got {len(inputs)}")
    window = np.stack([read_gray(path, shape, f"the {network}") for path in inputs])[None]
    predicted = np.clip(np.asarray(next_frames(window), np.float64).reshape(H, W), 0.0, 1.0)
    path = write_gray(output_path(options, name), predicted)
    return (f"{path}: the {network}'s next frame ({W}x{H}) after {', '.join(inputs)}; it differs from the last "
            f"frame by MSE {frames.mse(predicted, window[0, -1]):.4f}")
