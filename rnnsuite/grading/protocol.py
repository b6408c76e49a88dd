"""The files a child and its parent exchange, and how the parent reads them safely.

Parent -> child, in the child's working folder: ``job.pkl``, holding the
job settings and ``Split.public()`` (training data, test inputs, spec: never
the test targets).  Pickle is fine in that direction: the child trusts its
parent.

Child -> parent: never pickle.  ``<name>.json`` for metadata and strings,
``<name>.npz`` (read with ``allow_pickle=False``) for arrays.  Every file is
opened without following links, must be a regular file with one link owned
by the child's user, and is size-capped: a child cannot point the parent at
a file it could not read itself.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import stat
from pathlib import Path
from typing import Any

import numpy as np

JOB = "job.pkl"
STAGE = "stage"  # stage.json: the child's last stage ("loading", "probe", "training", ...)
PROBE = "probe"  # probe.json + probe.npz: answers to the parent's gradient/forward queries
PREDICTIONS = "predictions"  # predictions.json (+ .npz for arrays)
STRUCTURE = "structure"  # structure.json: class names of the trained model's layers
MAX_READ = 256 * 2**20


class AnswerError(Exception):
    """A file from the child is missing, unsafe or malformed (one line)."""


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
def _read_bytes(path: Path, owner: int | None) -> bytes:
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
        if st.st_size > MAX_READ:
            raise AnswerError(f"{path.name} is larger than {MAX_READ // 2**20} MiB")
        return f.read(MAX_READ + 1)


def read_json(folder: Path, name: str, owner: int | None = None) -> Any:
    try:
        return json.loads(_read_bytes(folder / f"{name}.json", owner))
    except (ValueError, RecursionError) as exc:
        raise AnswerError(f"{name}.json is not valid JSON: {exc}") from None


def read_arrays(folder: Path, name: str, owner: int | None = None) -> dict[str, np.ndarray]:
    data = _read_bytes(folder / f"{name}.npz", owner)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
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
    return {by_name[e["key"]]: _decode_one(e, arrays, test_inputs[by_name[e["key"]]]) for e in entries}
