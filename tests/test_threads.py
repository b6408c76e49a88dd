"""rnnsuite.threads: runs hold numpy's BLAS pool to one thread (or RNNSUITE_BLAS_THREADS), and let it go after."""
from __future__ import annotations

import numpy as np  # noqa: F401 - loads the BLAS library threadpoolctl reports on
from threadpoolctl import threadpool_info

from rnnsuite.threads import ENV, blas_threads, limited_blas


def blas_pool_sizes() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_one_thread_inside_the_block_and_the_old_count_after(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    before = blas_pool_sizes()
    with limited_blas():
        assert blas_pool_sizes() == {1}
    assert blas_pool_sizes() == before


def test_the_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(ENV, "2")
    assert blas_threads() == 2
    for bad in ("0", "many", ""):
        monkeypatch.setenv(ENV, bad)
        assert blas_threads() == 1
