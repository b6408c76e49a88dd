"""The files a child and its parent exchange, and how the parent reads them safely.

Parent -> child: ``job.pkl``, holding the job settings and
``Split.public()`` (training data, test inputs, spec: never the test
targets), in a job folder the sandbox mounts read-only, apart from the
child's writable work folder.  Pickle is fine in that direction: the child
trusts its parent, and no child can replace the file (nor see another's).
The parent never reads it back.

Child -> parent: never pickle, and everything is hostile.  ``<name>.json``
for metadata and strings, ``<name>.npz`` for arrays.  Every file is opened
without following links, must be a regular file with one link owned by the
child's user, and is size-capped before it is read.  Each ``.npy`` inside an
archive has its header checked before its data is decompressed: a plain
numeric dtype (never widened), the expected number of rows, and a bounded
size in all.  Every string is cleaned of invalid Unicode and control
characters (``clean_text``) before it can reach a report.
"""
from __future__ import annotations

import io
import json
import math
import os
import pickle
import stat
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from rnnsuite.grading.cleantext import clean_strings, clean_text

JOB = "job.pkl"
STAGE = "stage"  # stage.json: the child's last stage ("loading", "probe", "training", ...)
PROBE = "probe"  # probe.json + probe.npz: answers to the parent's gradient/forward queries
PREDICTIONS = "predictions"  # predictions.json (+ .npz for arrays)
STRUCTURE = "structure"  # structure.json: class names of the trained model's layers
TRAINED = "trained"  # trained.npz: a scratch model's trained parameters
MAX_JSON = 8 * 2**20  # the largest .json read (a parsed JSON file takes many times its size)
MAX_NPZ = 64 * 2**20  # the largest .npz read, compressed
MAX_ARRAY_BYTES = 64 * 2**20  # the most an .npz may unpack to, all arrays together
MAX_ARRAYS = 10_000  # arrays in one .npz
MAX_NPY_HEADER = 10_000


class AnswerError(Exception):
    """A file from the child is missing, unsafe or malformed (one line)."""

    def __init__(self, message: str):
        super().__init__(clean_text(" ".join(message.split()))[:500])


# -- child side -------------------------------------------------------------
def write_job(folder: Path, job: dict[str, Any]) -> Path:
    path = folder / JOB
    with open(path, "wb") as f:
        pickle.dump(job, f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def read_job(folder: Path) -> dict[str, Any]:
    with open(folder / JOB, "rb") as f:
        return pickle.load(f)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_json(folder: Path, name: str, value: Any) -> None:
    _atomic_write(folder / f"{name}.json", json.dumps(value).encode())


def write_arrays(folder: Path, name: str, arrays: dict[str, np.ndarray]) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    _atomic_write(folder / f"{name}.npz", buf.getvalue())


# -- parent side ------------------------------------------------------------
def _read_bytes(path: Path, owner: int | None, limit: int) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise AnswerError(f"no {path.name}") from None
    except OSError as exc:
        raise AnswerError(f"{path.name} cannot be opened safely ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            raise AnswerError(f"{path.name} is not a plain file")
        if owner is not None and st.st_uid != owner:
            raise AnswerError(f"{path.name} is not owned by the submission's user")
        if st.st_size > limit:
            raise AnswerError(f"{path.name} is larger than {limit // 2**20} MiB")
        data = f.read(st.st_size + 1)  # (read(limit) would allocate the whole limit up front)
        if len(data) > st.st_size:
            raise AnswerError(f"{path.name} grew while it was read")
        return data


def read_json(folder: Path, name: str, owner: int | None = None) -> Any:
    """A JSON file from the child, its strings cleaned (``clean_text``)."""
    try:
        return clean_strings(json.loads(_read_bytes(folder / f"{name}.json", owner, MAX_JSON)))
    except (ValueError, RecursionError) as exc:
        raise AnswerError(f"{name}.json is not valid JSON: {exc}") from None


def _npy_header(f, key: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran order, dtype) from a .npy header, refusing anything but plain numbers."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=MAX_NPY_HEADER)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=MAX_NPY_HEADER)
    else:
        raise AnswerError(f"{key}: unsupported .npy version {version}")
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize > 8:
        raise AnswerError(f"{key} holds {dtype} values, not plain numbers")
    return shape, fortran, dtype


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, rows: int | None) -> np.ndarray:
    key = info.filename.removesuffix(".npy")
    with archive.open(info) as f:
        shape, fortran, dtype = _npy_header(f, key)
        if rows is not None and (len(shape) == 0 or shape[0] != rows):
            raise AnswerError(f"{key} has shape {shape}, expected {rows} rows")
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > info.file_size:  # the archive declares less than the header claims
            raise AnswerError(f"{key} is shorter than its shape {shape}")
        data = f.read(nbytes)  # zipfile never unpacks more than the declared size
    if len(data) != nbytes:
        raise AnswerError(f"{key} is shorter than its shape {shape}")
    return np.frombuffer(bytearray(data), dtype=dtype).reshape(shape, order="F" if fortran else "C")


def read_arrays(folder: Path, name: str, owner: int | None = None,
                rows: Mapping[str, int | None] | None = None) -> dict[str, np.ndarray]:
    """The arrays of ``<name>.npz``, checked before anything is decompressed.

    The archive's declared sizes must add up to at most ``MAX_ARRAY_BYTES``;
    every member's .npy header must give a plain numeric dtype and, where
    ``rows`` names the member, that many rows (``None``: any).  With
    ``rows``, a member it does not name is refused.
    """
    data = _read_bytes(folder / f"{name}.npz", owner, MAX_NPZ)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ARRAYS:
                raise AnswerError(f"{name}.npz holds {len(infos)} arrays, more than {MAX_ARRAYS}")
            if sum(i.file_size for i in infos) > MAX_ARRAY_BYTES:
                raise AnswerError(f"{name}.npz would unpack to more than {MAX_ARRAY_BYTES // 2**20} MiB")
            arrays = {}
            for info in infos:
                key = info.filename.removesuffix(".npy")
                if not info.filename.endswith(".npy") or key in arrays or (rows is not None and key not in rows):
                    raise AnswerError(f"{name}.npz holds an unexpected member {key!r}")
                arrays[key] = _read_member(archive, info, rows.get(key) if rows is not None else None)
            return arrays
    except AnswerError:
        raise
    except Exception as exc:  # noqa: BLE001 - any malformed archive
        raise AnswerError(f"{name}.npz is not a valid array archive: {type(exc).__name__}: {exc}") from None


# -- predictions ------------------------------------------------------------
def _encode_one(pred: Any, name: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    if isinstance(pred, (list, tuple)) and pred and all(isinstance(p, str) for p in pred):
        return {"kind": "texts", "texts": list(pred)}, {}
    arr = np.asarray(pred)
    if arr.dtype.kind in "US":
        return {"kind": "texts", "texts": [str(s) for s in arr.reshape(-1)]}, {}
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"predictions must be numbers or strings, got {arr.dtype} values")
    return {"kind": "array", "name": name}, {name: arr}


def encode_predictions(pred: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Predictions as (JSON header, arrays): numbers go as arrays, texts as JSON lists.

    A dict of predictions (one per test stack, e.g. per image filter) goes entry by entry.
    """
    if not isinstance(pred, dict):
        return _encode_one(pred, "predictions")
    entries, arrays = [], {}
    for i, (key, value) in enumerate(pred.items()):
        header, more = _encode_one(value, f"p{i}")
        entries.append({"key": str(key), **header})
        arrays.update(more)
    return {"kind": "dict", "entries": entries}, arrays


def rows(inputs: Any) -> int | None:
    """How many predictions a test input asks for: its first dimension ((X, mask) tuples: X's)."""
    if isinstance(inputs, tuple) and inputs:
        return rows(inputs[0])
    try:
        return len(inputs)
    except TypeError:
        return None


def _decode_one(header: Any, arrays: dict[str, np.ndarray], inputs: Any) -> Any:
    if not isinstance(header, dict) or header.get("kind") not in ("array", "texts"):
        raise AnswerError("predictions.json has no valid 'kind'")
    if header["kind"] == "texts":
        texts = header.get("texts")
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise AnswerError("text predictions must be a list of strings")
        value, n = texts, len(texts)
    else:
        value = arrays.get(str(header.get("name", "predictions")))
        if value is None:
            raise AnswerError("predictions.npz has no 'predictions' array")
        if value.dtype.kind not in "biuf" or value.ndim == 0:
            raise AnswerError(f"predictions must be a numeric array, got {value.dtype} of shape {value.shape}")
        if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            raise AnswerError("predictions contain NaN or infinity")
        n = value.shape[0]
    expected = rows(inputs)
    if expected is not None and n != expected:
        raise AnswerError(f"{n} predictions for {expected} test inputs")
    return value


def decode_predictions(header: Any, arrays: dict[str, np.ndarray], test_inputs: Any) -> Any:
    """Validate what came back: the right kind, finite numbers, one prediction per test input."""
    if not (isinstance(header, dict) and header.get("kind") == "dict"):
        if isinstance(test_inputs, dict):
            raise AnswerError(f"expected a dict of predictions for {', '.join(map(str, test_inputs))}")
        return _decode_one(header, arrays, test_inputs)
    entries = header.get("entries")
    if not isinstance(test_inputs, dict) or not isinstance(entries, list):
        raise AnswerError("a dict of predictions where one set was expected")
    keys = [e.get("key") if isinstance(e, dict) else None for e in entries]
    if sorted(map(str, keys)) != sorted(map(str, test_inputs)):
        raise AnswerError(f"predictions for {keys}, expected {list(test_inputs)}")
    by_name = {str(k): k for k in test_inputs}
    return {by_name[str(e["key"])]: _decode_one(e, arrays, test_inputs[by_name[str(e["key"])]]) for e in entries}


def _expected_rows(header: Any, test_inputs: Any) -> dict[str, int | None]:
    """The arrays a predictions header announces, each with the rows its test input asks for."""
    if not isinstance(header, dict):
        return {}
    if header.get("kind") == "array":
        return {str(header.get("name", "predictions")): rows(test_inputs)}
    entries = header.get("entries") if header.get("kind") == "dict" else None
    if not isinstance(entries, list) or not isinstance(test_inputs, dict):
        return {}
    by_name = {str(k): v for k, v in test_inputs.items()}
    return {str(e.get("name")): rows(by_name[str(e.get("key"))]) for e in entries
            if isinstance(e, dict) and e.get("kind") == "array" and str(e.get("key")) in by_name}


def read_predictions(folder: Path, test_inputs: Any, owner: int | None = None) -> Any:
    """The child's predictions, validated (``decode_predictions``); arrays of the wrong shape are never unpacked."""
    header = read_json(folder, PREDICTIONS, owner)
    expected = _expected_rows(header, test_inputs)
    arrays = read_arrays(folder, PREDICTIONS, owner, rows=expected) if expected else {}
    return decode_predictions(header, arrays, test_inputs)
