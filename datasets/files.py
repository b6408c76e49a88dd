"""Reading user and cached files, turning every problem into a one-line DataError."""
from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
from pathlib import Path
from typing import Iterable

from rnnsuite.errors import DataError

_OPENERS = {".bz2": bz2.open, ".gz": gzip.open, ".xz": lzma.open}


def existing(path: Path | str) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; check the path given with --data")
    return path


def read_text(path: Path) -> str:
    """A whole (possibly .bz2/.gz/.xz) UTF-8 file, BOM stripped; never empty."""
    opener = _OPENERS.get(path.suffix.lower())
    try:
        raw = opener(path, "rb").read() if opener else path.read_bytes()
    except (OSError, EOFError, ValueError) as exc:
        raise DataError(f"{path}: cannot read it ({type(exc).__name__}: {exc}); "
                        "is it a complete, uncorrupted file?") from None
    encoding = _other_encoding(raw)
    if encoding:
        raise DataError(f"{path}: looks like {encoding}, not UTF-8; save it as UTF-8 and try again")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again") from None
    if not text.strip():
        raise DataError(f"{path}: the file is empty; give a file with data")
    return text


#: byte-order marks of the encodings people save text in by mistake (UTF-32 first: it starts like UTF-16)
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def _other_encoding(raw: bytes) -> str | None:
    """'UTF-16 text (it starts with a byte-order mark)' and the like, or None for UTF-8 and unknown bytes."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return f"{name} text (it starts with a {name} byte-order mark)"
    head = raw[:4096]
    # UTF-16 without a mark: ASCII text with a zero byte beside every character.
    if len(head) >= 4 and (head[1::2].count(0) > 0.9 * len(head[1::2]) or head[0::2].count(0) > 0.9 * len(head[0::2])):
        return "UTF-16 text (every other byte is zero)"
    return None


def csv_rows(path: Path, delimiter: str = ",") -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of a CSV; an empty file or one without rows is an error."""
    text = read_text(path)
    csv.field_size_limit(1 << 30)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = list(reader)
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise DataError(f"{path}: not a readable CSV ({exc}); check the file's format") from None
    if not rows:
        raise DataError(f"{path}: no data rows under the header; give a file with data")
    return header, rows


def pick(header: Iterable[str], candidates: Iterable[str]) -> str | None:
    """The first header name matching one of the candidates, ignoring case."""
    lower = {h.strip().lower(): h for h in header if h}
    for c in candidates:
        if c in lower:
            return lower[c]
    return None


def require(path: Path, header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Map each role (e.g. "text") to a column, or raise naming the expected columns."""
    found = {role: pick(header, names) for role, names in wanted.items()}
    missing = [role for role, col in found.items() if col is None]
    if missing:
        expect = "; ".join(f"{role}: one of {', '.join(wanted[role])}" for role in missing)
        raise DataError(f"{path}: wrong columns {', '.join(header) or '(none)'}; expected {expect}")
    return found  # type: ignore[return-value]
