"""Result files are strict JSON: non-finite floats become null, anything else JSON cannot hold is refused by name."""
import json
from pathlib import Path

import numpy as np
import pytest

from rnnsuite.jsonio import NotJSON, finite, write_json


def test_numbers_of_every_kind_become_plain_json():
    data = {"nan": float("nan"), "inf": -float("inf"), "np_float": np.float32(0.5), "np_int": np.int64(3),
            "np_bool": np.bool_(True), "zero_d": np.array(2.5), "tuple": (1, (2, 3)), "7": None, 8: "eight"}
    out = finite(data)
    assert out == {"nan": None, "inf": None, "np_float": 0.5, "np_int": 3, "np_bool": True, "zero_d": 2.5,
                   "tuple": [1, [2, 3]], "7": None, "8": "eight"}
    assert type(out["np_int"]) is int and type(out["np_bool"]) is bool
    json.dumps(out, allow_nan=False)  # strict: raises on anything left over


@pytest.mark.parametrize("value, where, kind", [
    ({"info": {"scaler": Path("scaler.json")}}, "the value.info.scaler", "PosixPath"),
    ({"shapes": [(1, 2), np.zeros(3)]}, "the value.shapes[1]", "ndarray"),
    ({"first": np.datetime64("2010-01-01T00:00")}, "the value.first", "datetime"),
    ({"model": object()}, "the value.model", "object"),
])
def test_anything_else_is_refused_naming_its_key(value, where, kind):
    with pytest.raises(NotJSON) as info:
        finite(value)
    assert str(info.value).startswith(f"{where} is a {kind}, which JSON cannot hold")


def test_a_key_that_is_not_a_string_is_refused():
    with pytest.raises(NotJSON, match=r"info has the key \(1, 2\), a tuple; JSON keys are strings"):
        finite({(1, 2): 3}, "info")


def test_write_json_writes_strict_json_or_nothing(tmp_path):
    path = tmp_path / "result.json"
    write_json(path, {"metrics": {"mae": float("nan"), "skill": np.float64(0.5)}})
    assert json.loads(path.read_text()) == {"metrics": {"mae": None, "skill": 0.5}}
    with pytest.raises(NotJSON, match=r"the value\.info\.out is a PosixPath"):
        write_json(tmp_path / "other.json", {"info": {"out": tmp_path}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]  # no half file, no temporary one
