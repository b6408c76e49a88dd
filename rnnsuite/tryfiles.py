"""Files a person gives ``rnnsuite try`` or gets from it: images read as gray frames, outputs written.

Images are read with Pillow whatever their format (PNG, JPEG, BMP, ...) as
float32 (H, W) in [0, 1]: Pillow's luminance (ITU-R 601-2) times the alpha
channel, so a transparent background is black, as the datasets' PNG reader
reads it.  Every problem with a file is a one-line ``DataError``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from rnnsuite.errors import DataError

MAX_SIDE = 4096  # a larger image is refused before it is decoded


def read_gray(path: str | Path, size: tuple[int, int] | None = None, what: str = "the model") -> np.ndarray:
    """The image at ``path`` as gray float32 (H, W) in [0, 1]; ``size`` = (H, W) it must have."""
    from PIL import Image

    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"{path}: no such image file")
    try:
        with Image.open(path) as im:
            if max(im.size) > MAX_SIDE:
                raise DataError(f"{path}: a {im.size[0]}x{im.size[1]} image is too large ({MAX_SIDE} pixels a side "
                                "at most)")
            rgba = im.convert("RGBA")
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds (UnidentifiedImageError, OSError, bombs)
        raise DataError(f"{path}: not a readable image ({type(exc).__name__}); give a PNG or JPEG file") from None
    gray = np.asarray(rgba.convert("L"), np.float32) / 255 * (np.asarray(rgba.getchannel("A"), np.float32) / 255)
    if size is not None and gray.shape != tuple(size):
        raise DataError(f"{path}: a {gray.shape[1]}x{gray.shape[0]} image, but {what} takes "
                        f"{size[1]}x{size[0]} images (width x height)")
    return gray


def write_gray(path: Path, image: np.ndarray) -> Path:
    """A gray PNG of ``image`` (H, W) in [0, 1], one pixel per value."""
    from PIL import Image

    pixels = (np.clip(np.asarray(image, np.float64), 0.0, 1.0) * 255).round().astype(np.uint8)
    Image.fromarray(pixels, mode="L").save(path, format="PNG")
    return path


def output_path(options: Mapping[str, Any], name: str) -> Path:
    """Where to write what ``try`` makes: ``options["out"]`` if given (its folder must exist), else ``name``
    in the current folder, numbered (``name-2``, ...) rather than overwriting an earlier one."""
    out = options.get("out")
    if out is not None:
        out = Path(out).expanduser()
        if not out.parent.is_dir():
            raise DataError(f"--out {out}: no folder {out.parent} to write into")
        if out.is_dir():
            raise DataError(f"--out {out} is a folder; give a file name")
        return out
    path = Path.cwd() / name
    stem, suffix = path.stem, path.suffix
    number = 2
    while path.exists():
        path = path.with_name(f"{stem}-{number}{suffix}")
        number += 1
    return path


def saved(folder: Path, name: str) -> Path:
    """``folder / name``, a file the assignment's run saved for ``try`` (a one-line error where it is missing)."""
    path = Path(folder) / name
    if not path.is_file():
        raise DataError(f"{folder} holds no {name}: it was saved by an older rnnsuite or deleted; run the "
                        "assignment again")
    return path
