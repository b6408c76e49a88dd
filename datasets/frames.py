"""Short animations as ``Frames`` (float32 (N, T, H, W) in [0, 1]).

``sprites``: arcade's real walk cycles (Kenney, CC0), six characters x eight
frames, grayscale and downscaled.  ``shapes``: a seeded generator of moving,
bouncing, rotating and scaling shapes, a larger set with known dynamics.
A user's folder for ``sprites``: one sub-folder per clip of same-size PNG frames.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rnnsuite.errors import DataError

from . import files, sources
from .fetch import ensure
from .images import read_png
from .records import Frames


def _shrink(img: np.ndarray, factor: int) -> np.ndarray:
    h, w = (img.shape[0] // factor) * factor, (img.shape[1] // factor) * factor
    return img[:h, :w].reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3))


def _frame_no(p: Path) -> int:
    m = re.search(r"(\d+)\D*$", p.stem)
    return int(m.group(1)) if m else 0


def _size(img: np.ndarray) -> str:
    return f"{img.shape[-1]}x{img.shape[-2]}"


def read_clips(folder: Path, pattern: str = "*.png", factor: int = 4) -> Frames:
    clips, names = [], []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        frames = sorted(sub.glob(pattern), key=_frame_no)
        if frames:
            images = [read_png(f) for f in frames]
            odd = next((i for i, img in enumerate(images) if img.shape != images[0].shape), None)
            if odd is not None:
                raise DataError(f"{sub}: frames differ in size: {frames[0].name} is {_size(images[0])}, "
                                f"{frames[odd].name} is {_size(images[odd])}; give frames of one size")
            clips.append(np.stack([_shrink(img, factor) for img in images]))
            names.append(sub.name)
    if not clips:
        raise DataError(f"{folder}: no sub-folders with {pattern} frames; give one folder per clip")
    for name, clip in zip(names, clips):
        if len(clip) != len(clips[0]):
            raise DataError(f"{folder}: clips differ in frame count: {names[0]} has {len(clips[0])} frames, "
                            f"{name} has {len(clip)}; give clips of equal length")
        if clip.shape != clips[0].shape:
            raise DataError(f"{folder}: clips differ in frame size: {names[0]} is {_size(clips[0][0])}, "
                            f"{name} is {_size(clip[0])} (after shrinking by {factor}); give equal clips")
    return Frames(np.stack(clips).astype(np.float32), names)


def sprites(path: Path | None = None, full: bool = False) -> Frames:
    """Six 8-frame walk cycles, 32x24 (from 128x96)."""
    if path is not None:
        return read_clips(files.existing(path))
    root = ensure(sources.ARCADE) / "arcade/resources/assets/images/animated_characters"
    return read_clips(root, "*_walk[0-7].png")


def shapes(path: Path | None = None, full: bool = False, n: int = 512, frames: int = 10,
           size: int = 32, seed: int = 0) -> Frames:
    """``n`` seeded clips of one shape (square, disc or triangle) that moves,
    bounces off the walls, rotates and/or scales; names say which."""
    if path is not None:
        return read_clips(files.existing(path))
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    clips = np.zeros((n, frames, size, size), dtype=np.float32)
    names = []
    for i in range(n):
        kind = ("square", "disc", "triangle")[rng.integers(3)]
        motion = ("move", "bounce", "rotate", "scale")[rng.integers(4)]
        r = rng.uniform(0.12, 0.2) * size
        pos = rng.uniform(r, size - r, 2)
        speed = rng.uniform(1.0, 2.5) * (1 if motion in ("move", "bounce") else 0.3)
        vel = speed * np.array([np.cos(a := rng.uniform(0, 2 * np.pi)), np.sin(a)])
        angle, spin = rng.uniform(0, np.pi), (rng.choice([-1, 1]) * rng.uniform(0.2, 0.5)
                                             if motion == "rotate" else 0.0)
        grow = rng.uniform(1.05, 1.12) ** rng.choice([-1, 1]) if motion == "scale" else 1.0
        for t in range(frames):
            clips[i, t] = _draw(kind, xx - pos[0], yy - pos[1], r, angle)
            pos = pos + vel
            if motion == "bounce":
                for k in range(2):
                    if not r <= pos[k] <= size - r:
                        vel[k] = -vel[k]
                        pos[k] = np.clip(pos[k], r, size - r)
            angle += spin
            r = float(np.clip(r * grow, 0.08 * size, 0.3 * size))
        names.append(f"{kind}-{motion}-{i:04d}")
    return Frames(clips, names)


def _draw(kind: str, dx: np.ndarray, dy: np.ndarray, r: float, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    u, v = c * dx + s * dy, -s * dx + c * dy
    if kind == "disc":
        inside = u * u + v * v <= r * r
    elif kind == "square":
        inside = (np.abs(u) <= r * 0.8) & (np.abs(v) <= r * 0.8)
    else:  # an equilateral triangle: inside all three half-planes
        inside = np.ones_like(u, dtype=bool)
        for k in range(3):
            a = angle * 0 + k * 2 * np.pi / 3
            inside &= (np.cos(a) * u + np.sin(a) * v) <= r * 0.5
    return inside.astype(np.float32)
