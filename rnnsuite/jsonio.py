"""Result files as strict JSON: written atomically, NaN and infinities as null, nothing else converted silently."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


class NotJSON(TypeError):
    """A value JSON cannot hold; the message names where it is (``info.model``)."""


def finite(value: Any, where: str = "the value") -> Any:
    """The value as strict JSON data: non-finite floats become None, tuples lists, numpy scalars numbers.

    :raises NotJSON: any other object (a path, an array, a model, a date),
        naming its key, so that a plugin that put it there can be told where.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise NotJSON(f"{where} has the key {key!r}, a {type(key).__name__}; JSON keys are strings")
            out[str(key)] = finite(item, f"{where}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [finite(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():  # np.float64(2.5), np.int64(3)
        return finite(value.item(), where)
    raise NotJSON(f"{where} is a {type(value).__name__}, which JSON cannot hold; "
                  "store numbers, strings, lists and dicts (a path as str(path))")


def write_json(path: Path, data: Any) -> None:
    """Write atomically, so an interrupted run never leaves half a file.

    :raises NotJSON: ``data`` holds something JSON cannot (see :func:`finite`); nothing is written.
    """
    path = Path(path)
    text = json.dumps(finite(data), indent=2, ensure_ascii=False, allow_nan=False)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
