"""Grading throughput for scratch submissions: submissions per minute, here or on a Dask cluster.

    .venv/bin/python benchmarks/bench_grading.py [--count 8] [--jobs 2] [--task v5.1] [--full]
    .venv/bin/python benchmarks/bench_grading.py --count 100 --cluster local:2   # the engine's overhead

Grades ``count`` copies of the suite's reference scratch solution (each in
its own child: data handed over, probe answered, trained, predicted, scored,
gradient and forward checks replayed) with ``jobs`` children at once.
``--quick`` data by default; ``--full`` trains on the full data with the full
epochs and prints the reference's score (the full-marks check).

``--cluster ADDRESS`` grades the same batch twice: here with ``--jobs``
children, then on the cluster (``rnnsuite grade --cluster``), and prints the
cluster's time over the local one (the engine's overhead; the target is at
most 1.15x for ``local:2`` against ``--jobs 2``), ``--rounds`` times
alternated.  The cluster's start-up is timed apart: it is paid once per
grading, not per submission.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RNNSUITE_DISABLE_PLUGIN_AUTOLOAD", "1")

from rnnsuite.grading import batch, sandbox, template  # noqa: E402
from rnnsuite.manager import Manager  # noqa: E402

OVERHEAD_TARGET = 1.15


def timed(grading: batch.Batch, subs, cluster=None) -> tuple[float, list]:
    started = time.perf_counter()
    results = grading.run(subs, cluster=cluster)
    return time.perf_counter() - started, results


def line(label: str, count: int, seconds: float, results) -> str:
    scores = sorted({f"{r.score:g}/{r.max_score:g}" for r in results})
    errors = sorted({error for r in results for error in r.errors})
    return (f"{label}: {seconds:.1f} s -> {60 * count / seconds:.1f} submissions/minute; scores {scores}; "
            f"load {os.getloadavg()[0]:.1f}" + "".join(f"\n    error: {e}" for e in errors))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--task", default="v5.1")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--cluster", default=None, help="also grade on this cluster (local:N, tcp://HOST:PORT)")
    ap.add_argument("--rounds", type=int, default=1, help="with --cluster: alternate here/cluster this many times")
    args = ap.parse_args()
    registry = Manager().load().registry
    a = registry.assignment(args.task)
    v = registry.variant(a.variant)
    with tempfile.TemporaryDirectory() as tmp:
        subs = []
        reference = template.write(v, "student.py", registry, reference=True)  # (it prepares examples: once)
        for i in range(args.count):
            path = Path(tmp) / f"student{i:02d}.py"
            path.write_text(reference)
            subs.append((path.stem, path))
        settings = batch.Settings(jobs=args.jobs, quick=not args.full,
                                  limits=sandbox.Limits(timeout=3600, threads=max(1, 2 // args.jobs)))
        started = time.perf_counter()
        grading = batch.Batch(registry, [a], settings)
        prepared = time.perf_counter() - started
        print(f"{args.task} {'full' if args.full else 'quick'}: {args.count} submissions, {os.cpu_count()} CPUs, "
              f"load {os.getloadavg()[0]:.1f} (data {prepared:.1f} s)", flush=True)
        with contextlib.ExitStack() as stack:
            if args.cluster:
                from rnnsuite.grading.cluster import Cluster

                started = time.perf_counter()
                cluster = stack.enter_context(Cluster.from_options(args.cluster))
                print(f"  {args.cluster} started in {time.perf_counter() - started:.1f} s", flush=True)
            totals = {"here": 0.0, "there": 0.0}
            for _ in range(args.rounds):  # alternated, so that the machine's load weighs on both alike
                here, results = timed(grading, subs)
                totals["here"] += here
                print(line(f"  here, jobs={args.jobs}", args.count, here, results), flush=True)
                if args.cluster:
                    there, on_cluster = timed(grading, subs, cluster=cluster)
                    totals["there"] += there
                    print(line(f"  on {args.cluster}", args.count, there, on_cluster), flush=True)
            if args.cluster:
                print(f"  engine overhead: {totals['there'] / totals['here']:.2f}x the local time "
                      f"(target <= {OVERHEAD_TARGET}x)", flush=True)
    for item in results[0].items:
        print(f"  {item.name}: {item.score:g}/{item.max_score:g} {item.message[:100]}")


if __name__ == "__main__":
    main()
