"""Temperatures as ``Series`` in date order.

Defaults: vega_datasets' Seattle weather (daily maximum, °C, NOAA) and
Seattle hourly temperatures (°F in the file, converted to °C).  A user's CSV
needs a date column and a numeric column (``temp_max``, ``temp``, ``value``
or the first numeric one), e.g. Kaggle's ``daily-min-temperatures.csv``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnsuite.errors import DataError

from . import files, sources
from .fetch import ensure
from .records import Series

DATE_COLUMNS = ("date", "datetime", "time", "timestamp", "dt", "day")
VALUE_COLUMNS = ("temp_max", "temp", "temperature", "tmax", "value", "averagetemperature")


def read_series(path: Path | str, name: str = "", unit: str = "", value: str | None = None,
                fahrenheit: bool = False) -> Series:
    path = files.existing(path)
    header, rows = files.csv_rows(path)
    date_col = files.pick(header, DATE_COLUMNS) or (header[0] if _date(rows[0].get(header[0])) else None)
    value_col = files.pick([h for h in header if h != date_col], (value,) if value else VALUE_COLUMNS)
    if value_col is None:
        value_col = next((h for h in header if h != date_col and _numeric(rows[0].get(h))), None)
    if date_col is None or value_col is None:
        raise DataError(f"{path}: {_columns_wanted(header)}")
    times, values = [], []
    for n, row in enumerate(rows, 2):
        raw_t, raw_v = (row.get(date_col) or "").strip(), (row.get(value_col) or "").strip()
        if not raw_v:
            continue  # a gap
        try:
            times.append(np.datetime64(raw_t.replace("/", "-").replace(" ", "T")))
            values.append(float(raw_v))
        except ValueError:
            raise DataError(f"{path}: line {n}: cannot read date {raw_t!r} / value {raw_v!r}") from None
    if not values:
        raise DataError(f"{path}: column {value_col!r} holds no values; {_columns_wanted(header)}")
    t = np.asarray(times)
    v = np.asarray(values, dtype=np.float64)
    order = np.argsort(t, kind="stable")
    v = (v[order] - 32.0) * 5.0 / 9.0 if fahrenheit else v[order]
    return Series(t[order], v, name or f"{path.stem} {value_col}", unit or ("°C" if fahrenheit else ""))


def _columns_wanted(header: list[str]) -> str:
    """What the file has and what a series needs, for the one-line error."""
    return (f"found columns {', '.join(header) or '(none)'}; a series needs a date column "
            f"(one of {', '.join(DATE_COLUMNS)}, or dates in the first column) and a numeric column "
            f"(one of {', '.join(VALUE_COLUMNS)}, or the first numeric one)")


def _date(text: str | None) -> bool:
    try:
        np.datetime64((text or "").strip().replace("/", "-").replace(" ", "T"))
    except ValueError:
        return False
    return bool(text and not _numeric(text))  # numpy reads "1" as the year 1


def _numeric(text: str | None) -> bool:
    try:
        float(text or "")
        return True
    except ValueError:
        return False


def temperatures(path: Path | None = None, full: bool = False) -> Series:
    """Seattle daily maximum temperature, 2012-2015, °C (1,461 days)."""
    if path is not None:
        return read_series(path)
    folder = ensure(sources.VEGA)
    return read_series(folder / sources.VEGA.members[0], "Seattle daily maximum temperature", "°C",
                       value="temp_max")


def temperatures_hourly(path: Path | None = None, full: bool = False) -> Series:
    """Seattle hourly temperature, 2010, converted from °F to °C (8,759 hours)."""
    if path is not None:
        return read_series(path)
    folder = ensure(sources.VEGA)
    return read_series(folder / sources.VEGA.members[1], "Seattle hourly temperature", "°C",
                       value="temp", fahrenheit=True)
