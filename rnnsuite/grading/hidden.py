"""The instructor's hidden test data, which replaces an assignment's test split.

Format (see docs/grading.md): one file per assignment in the hidden-data
folder, named after its id:

* ``v5.1.npz`` with arrays ``test_inputs`` and ``test_targets`` (numbers or
  strings; read with ``allow_pickle=False``); a test input that is a tuple,
  e.g. ``(X, mask)``, is stored as ``test_inputs_0``, ``test_inputs_1``, ...
* or ``v5.1.pkl``: a pickled dict with the same two keys, for data that is
  not arrays (lists of sentences).  It is the instructor's own file.

The training data still comes from ``prepare``.  Only the parent reads these
files; keep the folder unreadable to others (``chmod 700``): children run as
``nobody`` and are never told the path.
"""
from __future__ import annotations

import os
import pickle
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rnnsuite.errors import DataError
from rnnsuite.types import Split


def hidden_file(folder: Path, assignment_id: str) -> Path | None:
    for suffix in (".npz", ".pkl"):
        path = folder / f"{assignment_id}{suffix}"
        if path.is_file():
            return path
    return None


def _inputs(npz) -> Any:
    if "test_inputs" in npz.files:
        return npz["test_inputs"]
    parts = sorted((k for k in npz.files if k.startswith("test_inputs_")), key=lambda k: int(k.rsplit("_", 1)[1]))
    if not parts:
        raise KeyError("test_inputs")
    return tuple(npz[k] for k in parts)


def load_hidden(path: Path) -> tuple[Any, Any]:
    """(test_inputs, test_targets) from one hidden-data file."""
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as npz:
                return _inputs(npz), npz["test_targets"]
        with open(path, "rb") as f:
            data = pickle.load(f)
        return data["test_inputs"], data["test_targets"]
    except KeyError as exc:
        raise DataError(f"{path.name}: no {exc.args[0]!r} in the hidden data file") from None
    except (OSError, ValueError, EOFError, pickle.UnpicklingError) as exc:
        # numpy's own message for a non-npz file suggests loading it with pickle: don't relay that
        kind = "an .npz of plain arrays" if path.suffix == ".npz" else "a pickled dict"
        raise DataError(f"{path.name}: not a readable hidden-data file ({type(exc).__name__}); "
                        f"write {kind} with test_inputs and test_targets") from None


def _count(x: Any) -> int:
    return len(x[0]) if isinstance(x, tuple) else len(x)


def with_hidden(split: Split, folder: Path, assignment_id: str) -> Split:
    """The split with its test block replaced by the hidden file's.

    :raises DataError: the folder has no file for the assignment, or the file's
        inputs and targets do not pair up (the instructor's data, not a student's fault).
    """
    path = hidden_file(folder, assignment_id)
    if path is None:
        raise DataError(f"{folder} has no {assignment_id}.npz or {assignment_id}.pkl; add one for every "
                        "graded assignment, or choose the assignments with --task")
    inputs, targets = load_hidden(path)
    if _count(inputs) != len(targets) or len(targets) == 0:
        raise DataError(f"{path.name}: {_count(inputs)} test inputs but {len(targets)} test targets")
    return replace(split, test_inputs=inputs, test_targets=targets, info={**split.info, "hidden_data": path.name})


def exposed(folder: Path) -> bool:
    """Whether others could read the hidden folder (a warning, not an error)."""
    return bool(os.stat(folder).st_mode & (stat.S_IROTH | stat.S_IXOTH))
