"""Image filters applied to the test set, in numpy (no scipy).

Every filter maps a stack of grayscale images ``(N, H, W)`` in [0, 1] to a
stack of the same shape in [0, 1]; random filters take a numpy Generator.
Sizes (blur width, block size) scale with the image side, so one setting
works for 8x8 and 28x28 digits.
"""
from __future__ import annotations

from typing import Callable

import numpy as np


def _stack(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise ValueError(f"images must be a (N, H, W) stack, got shape {images.shape}")
    return images


def gaussian_kernel(sigma: float) -> np.ndarray:
    radius = max(1, int(np.ceil(3 * sigma)))
    x = np.arange(-radius, radius + 1)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return (k / k.sum()).astype(np.float32)


def _convolve_axis(images: np.ndarray, kernel: np.ndarray, axis: int) -> np.ndarray:
    """1-D convolution along ``axis`` (1 = rows, 2 = columns), edges reflected."""
    r = len(kernel) // 2
    pad = [(0, 0)] * 3
    pad[axis] = (r, r)
    padded = np.pad(images, pad, mode="reflect" if images.shape[axis] > r else "edge")
    n = images.shape[axis]
    out = np.zeros_like(images)
    for i, w in enumerate(kernel):
        out += w * np.take(padded, np.arange(i, i + n), axis=axis)
    return out


def blur(images: np.ndarray, sigma: float = 1.0 / 28) -> np.ndarray:
    """Gaussian blur; ``sigma`` as a share of the image side (1 px on 28x28)."""
    images = _stack(images)
    k = gaussian_kernel(max(sigma * images.shape[2], 0.3))
    return np.clip(_convolve_axis(_convolve_axis(images, k, 1), k, 2), 0.0, 1.0)


def sharpen(images: np.ndarray, amount: float = 1.5, sigma: float = 1.0 / 28) -> np.ndarray:
    """Unsharp masking: x + amount (x - blur(x))."""
    images = _stack(images)
    return np.clip(images + amount * (images - blur(images, sigma)), 0.0, 1.0)


def gaussian_noise(images: np.ndarray, rng: np.random.Generator, std: float = 0.3) -> np.ndarray:
    images = _stack(images)
    return np.clip(images + rng.normal(0.0, std, images.shape).astype(np.float32), 0.0, 1.0)


def salt_and_pepper(images: np.ndarray, rng: np.random.Generator, amount: float = 0.1) -> np.ndarray:
    """A share ``amount`` of the pixels set to 0 or 1 (half each)."""
    out = _stack(images).copy()
    hit = rng.random(out.shape) < amount
    out[hit] = (rng.random(int(hit.sum())) < 0.5).astype(np.float32)
    return out


def invert(images: np.ndarray) -> np.ndarray:
    return 1.0 - _stack(images)


def rotate(images: np.ndarray, degrees: float | np.ndarray) -> np.ndarray:
    """Rotation about the centre by inverse mapping with bilinear interpolation; outside is 0.

    ``degrees`` is one angle or one per image (counter-clockwise)."""
    images = _stack(images)
    N, H, W = images.shape
    theta = np.deg2rad(np.broadcast_to(np.asarray(degrees, dtype=np.float64), (N,)))[:, None, None]
    cy, cx = (H - 1) / 2, (W - 1) / 2
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    # the source of output pixel (y, x): rotate it back by -theta
    dy, dx = yy - cy, xx - cx
    sy = cy + np.cos(theta) * dy - np.sin(theta) * dx
    sx = cx + np.sin(theta) * dy + np.cos(theta) * dx
    return _bilinear(images, sy, sx)


def _bilinear(images: np.ndarray, sy: np.ndarray, sx: np.ndarray) -> np.ndarray:
    """Sample images[n] at real coordinates (sy[n], sx[n]); samples outside the image are 0."""
    N, H, W = images.shape
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))  # a zero frame: outside reads 0
    sy, sx = np.clip(sy + 1, 0, H + 0.999), np.clip(sx + 1, 0, W + 0.999)
    y0, x0 = np.floor(sy).astype(int), np.floor(sx).astype(int)
    fy, fx = sy - y0, sx - x0
    n = np.arange(N)[:, None, None]
    y1, x1 = np.minimum(y0 + 1, H + 1), np.minimum(x0 + 1, W + 1)
    out = ((1 - fy) * (1 - fx) * padded[n, y0, x0] + (1 - fy) * fx * padded[n, y0, x1]
           + fy * (1 - fx) * padded[n, y1, x0] + fy * fx * padded[n, y1, x1])
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def resize(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of square images to ``size`` x ``size`` (pixel centres aligned)."""
    images = _stack(images)
    N, H, W = images.shape
    c = (np.arange(size) + 0.5) * (H / size) - 0.5
    sy, sx = np.meshgrid(np.clip(c, 0, H - 1), np.clip(c * W / H, 0, W - 1), indexing="ij")
    return _bilinear(images, np.broadcast_to(sy, (N, size, size)), np.broadcast_to(sx, (N, size, size)))


def occlude(images: np.ndarray, rng: np.random.Generator, share: float = 0.35) -> np.ndarray:
    """A random square block, ``share`` of the side, set to 0 in each image."""
    out = _stack(images).copy()
    N, H, W = out.shape
    s = max(1, int(round(share * H)))
    ys, xs = rng.integers(0, H - s + 1, N), rng.integers(0, W - s + 1, N)
    for i in range(N):
        out[i, ys[i]:ys[i] + s, xs[i]:xs[i] + s] = 0.0
    return out


def small_rotation(images: np.ndarray, rng: np.random.Generator, degrees: float = 15.0) -> np.ndarray:
    """Rotation by +-``degrees`` (the sign drawn per image)."""
    return rotate(images, degrees * rng.choice([-1.0, 1.0], len(images)))


#: name -> filter(images, rng); the order of the report.
FILTERS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "blur": lambda x, rng: blur(x),
    "noise": gaussian_noise,
    "salt_pepper": salt_and_pepper,
    "invert": lambda x, rng: invert(x),
    "rotate": small_rotation,
    "occlude": occlude,
    "sharpen": lambda x, rng: sharpen(x),
}
