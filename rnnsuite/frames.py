"""Next-frame prediction: windows of frames, the two baselines, MSE and SSIM, strips and roll-outs.

Shared by every assignment that predicts the next frame of a clip from the
frames before it (v4.1's FRNN, v4.3's ConvGRU).  Frames are float arrays
(..., H, W) in [0, 1].

Baselines, computed on the same test windows as the model:

* ``copy_last``: the next frame is the last one (nothing moves);
* ``shift_last``: the last frame moved once more by the object's last
  displacement, the shift of the intensity centroid between the last two
  frames (bilinear interpolation, zero outside the frame).  It knows that
  objects keep moving, but not that they bounce, turn or grow.

SSIM is scikit-image's ``structural_similarity`` (Wang et al. 2004) on each
frame with ``data_range=1``, averaged over the frames.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from rnnsuite.prep import windows

#: frames a prediction reads (3 frames -> the 4th)
STEPS = 3


def frame_windows(clips: np.ndarray, steps: int = STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Every run of ``steps`` consecutive frames of every clip (N, T, H, W) and the frame after it.

    Returns inputs (M, steps, H, W) and targets (M, H, W), clip by clip, in time order.
    """
    clips = np.asarray(clips)
    if clips.ndim != 4:
        raise ValueError(f"clips must be (N, T, H, W), got shape {clips.shape}")
    if clips.shape[1] <= steps:
        raise ValueError(f"clips of {clips.shape[1]} frames have no window of {steps} frames and a next one")
    pairs = [windows(clip, steps) for clip in clips]
    return np.concatenate([x for x, _ in pairs]), np.concatenate([y for _, y in pairs])


def mse(predicted, true) -> float:
    """Mean squared error per pixel."""
    predicted, true = np.asarray(predicted, np.float64), np.asarray(true, np.float64)
    if predicted.shape != true.shape:
        raise ValueError(f"predicted frames have shape {predicted.shape}, expected {true.shape}")
    return float(np.mean((predicted - true) ** 2))


def ssim(predicted, true) -> float:
    """Mean SSIM over the frames (scikit-image, data range 1, the largest odd window up to 7 that fits)."""
    from skimage.metrics import structural_similarity

    predicted, true = np.asarray(predicted, np.float64), np.asarray(true, np.float64)
    if predicted.shape != true.shape:
        raise ValueError(f"predicted frames have shape {predicted.shape}, expected {true.shape}")
    side = min(true.shape[-2:])
    win = min(7, side if side % 2 else side - 1)
    if win < 3:
        raise ValueError(f"frames of {true.shape[-2]}x{true.shape[-1]} are too small for SSIM (3x3 at least)")
    flat_p, flat_t = predicted.reshape(-1, *true.shape[-2:]), true.reshape(-1, *true.shape[-2:])
    return float(np.mean([structural_similarity(p, t, data_range=1.0, win_size=win) for p, t in zip(flat_p, flat_t)]))


def centroid(frames: np.ndarray) -> np.ndarray:
    """The intensity centroid (row, column) of each frame (..., H, W); the frame's centre when it is empty."""
    frames = np.asarray(frames, np.float64)
    H, W = frames.shape[-2:]
    rows, cols = np.arange(H) + 0.0, np.arange(W) + 0.0
    mass = frames.sum(axis=(-2, -1))
    empty = mass <= 1e-9
    safe = np.where(empty, 1.0, mass)
    r = np.where(empty, (H - 1) / 2, (frames.sum(axis=-1) * rows).sum(axis=-1) / safe)
    c = np.where(empty, (W - 1) / 2, (frames.sum(axis=-2) * cols).sum(axis=-1) / safe)
    return np.stack([r, c], axis=-1)


def copy_last(inputs: np.ndarray) -> np.ndarray:
    """The copy-last-frame baseline: inputs (B, T, H, W) -> (B, H, W)."""
    return np.asarray(inputs)[:, -1]


def shift_last(inputs: np.ndarray) -> np.ndarray:
    """The displacement baseline: the last frame shifted by the centroid's last move (bilinear, zero fill)."""
    from scipy.ndimage import shift  # scipy comes with scikit-image

    inputs = np.asarray(inputs, np.float64)
    moves = centroid(inputs[:, -1]) - centroid(inputs[:, -2])
    return np.stack([shift(frame, move, order=1, mode="constant", cval=0.0)
                     for frame, move in zip(inputs[:, -1], moves)]).astype(np.float32)


BASELINES: dict[str, Callable[[np.ndarray], np.ndarray]] = {"copy": copy_last, "shift": shift_last}


def scores(predicted, true, inputs, prefix: str = "") -> dict[str, float]:
    """MSE and SSIM of the predictions and of each baseline, plus the MSE ratios to copying.

    Keys: ``mse``, ``ssim``, ``copy_mse``, ``copy_ssim``, ``shift_mse``,
    ``shift_ssim``, ``mse_vs_copy`` (model MSE / copy MSE) and
    ``shift_vs_copy``, each after ``prefix``.
    """
    out = {f"{prefix}mse": mse(predicted, true), f"{prefix}ssim": ssim(predicted, true)}
    for name, baseline in BASELINES.items():
        guess = baseline(inputs)
        out[f"{prefix}{name}_mse"] = mse(guess, true)
        out[f"{prefix}{name}_ssim"] = ssim(guess, true)
    copy = max(out[f"{prefix}copy_mse"], 1e-12)
    out[f"{prefix}mse_vs_copy"] = out[f"{prefix}mse"] / copy
    out[f"{prefix}shift_vs_copy"] = out[f"{prefix}shift_mse"] / copy
    return out


def roll_forward(next_frames: Callable[[np.ndarray], np.ndarray], first: np.ndarray, frames: int) -> np.ndarray:
    """Start from ``first`` (B, steps, H, W) true frames and predict ``frames`` more, each from the
    model's own last ``steps`` frames; returns (B, frames, H, W)."""
    window = np.asarray(first, np.float32)
    steps = window.shape[1]
    out = []
    for _ in range(frames):
        nxt = np.clip(np.asarray(next_frames(window), np.float32), 0.0, 1.0)
        out.append(nxt)
        window = np.concatenate([window[:, 1:], nxt[:, None]], axis=1)[:, -steps:]
    return np.stack(out, axis=1)


def strips(path: Path, inputs: np.ndarray, true: np.ndarray, predicted: np.ndarray, *, title: str,
           labels: Sequence[str] | None = None) -> Path:
    """One row per example: the input frames | the true next frame | the predicted one | |error|."""
    from rnnsuite.plots import image_grid

    steps = inputs.shape[1]
    captions = [*(f"t-{steps - 1 - i}" if i < steps - 1 else "t" for i in range(steps)),
                "true t+1", "predicted", "|error|"]
    rows = []
    for i in range(len(inputs)):
        err = np.abs(np.asarray(predicted[i], np.float64) - true[i])
        caption = [*captions[:-1], f"|error|, MSE {float(np.mean(err ** 2)):.4f}"]
        images = np.stack([*inputs[i], true[i], np.clip(predicted[i], 0, 1), err])
        rows.append((labels[i] if labels is not None else f"#{i}", images, caption))
    return image_grid(path, rows, title=title)


def side_by_side(true: np.ndarray, predicted: np.ndarray, gap: int = 1) -> np.ndarray:
    """Movie frames (T, H', W') showing clips (B, T, H, W): a row per clip, true | predicted, gray gaps."""
    true, predicted = np.asarray(true, np.float32), np.asarray(predicted, np.float32)
    B, T, H, W = true.shape
    movie = np.full((T, B * (H + gap) - gap, 2 * W + gap), 0.5, np.float32)
    for b in range(B):
        top = b * (H + gap)
        movie[:, top:top + H, :W] = true[b]
        movie[:, top:top + H, W + gap:] = np.clip(predicted[b], 0.0, 1.0)
    return movie


def dihedral(inputs: np.ndarray, targets: np.ndarray, copies: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Training windows with their mirror images and (square frames) transposes: up to 8 copies.

    A shape moving right mirrored is a shape moving left, so every copy is a
    clip the generator could have drawn: more data for nothing.  Copies come
    in a fixed order (identity, left-right, up-down, both, then transposed).
    """
    def flips(x):
        return [x, x[..., ::-1], x[..., ::-1, :], x[..., ::-1, ::-1]]

    xs, ys = flips(inputs), flips(targets)
    if inputs.shape[-1] == inputs.shape[-2]:
        xs += flips(np.swapaxes(inputs, -1, -2))
        ys += flips(np.swapaxes(targets, -1, -2))
    copies = max(1, min(copies, len(xs)))
    return (np.ascontiguousarray(np.concatenate(xs[:copies])), np.ascontiguousarray(np.concatenate(ys[:copies])))


def animation(path: Path, movie: np.ndarray, *, scale: int = 4, milliseconds: int = 400) -> Path:
    """An animated GIF, looping, of gray frames (T, H, W) in [0, 1], each pixel drawn ``scale`` x ``scale``."""
    from PIL import Image  # Pillow comes with matplotlib

    movie = np.clip(np.asarray(movie, np.float64), 0.0, 1.0)
    pictures = [Image.fromarray((frame * 255).round().astype(np.uint8).repeat(scale, 0).repeat(scale, 1), mode="L")
                for frame in movie]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=milliseconds, loop=0)
    return path
