"""How many threads numpy's BLAS may use while assignments run.

The scratch engine multiplies small matrices (a batch of 64 by 64 hidden
units) thousands of times per epoch.  On such products a BLAS thread pool
costs more in waking and syncing its threads than it saves, and on a machine
whose cores are shared it oversubscribes them: one FRNN forward and backward
pass at B=64, T=50, k=64 took 174-264 ms with numpy's default pool against
3.7 ms on one thread (2 shared cores; ``benchmarks/bench_scratch.py``
measures it).  So ``rnnsuite run`` holds the BLAS pool to one thread, as the
grading sandbox does through ``OPENBLAS_NUM_THREADS``.

Only BLAS is limited (threadpoolctl's ``user_api="blas"``): TensorFlow keeps
its own thread pools, so Keras is not slowed.  ``RNNSUITE_BLAS_THREADS``
sets another count.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

ENV = "RNNSUITE_BLAS_THREADS"


def blas_threads() -> int:
    """The BLAS thread count for runs: ``RNNSUITE_BLAS_THREADS``, else 1."""
    value = os.environ.get(ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1


@contextmanager
def limited_blas(threads: int | None = None) -> Iterator[None]:
    """Hold numpy's BLAS pool to ``threads`` (default :func:`blas_threads`) inside the block."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads or blas_threads(), user_api="blas"):
        yield
