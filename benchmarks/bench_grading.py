"""Grading throughput for scratch submissions: submissions per minute.

    .venv/bin/python benchmarks/bench_grading.py [--count 8] [--jobs 2] [--task v5.1] [--full]

Grades ``count`` copies of the suite's reference scratch solution (each in
its own child: data handed over, probe answered, trained, predicted, scored,
gradient and forward checks replayed) with ``jobs`` children at once.
``--quick`` data by default; ``--full`` trains on the full data with the full
epochs and prints the reference's score (the full-marks check).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RNNSUITE_DISABLE_PLUGIN_AUTOLOAD", "1")

from rnnsuite.grading import batch, sandbox, template  # noqa: E402
from rnnsuite.manager import Manager  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--task", default="v5.1")
    ap.add_argument("--full", action="store_true")
    args = ap.parse_args()
    registry = Manager().load().registry
    a = registry.assignment(args.task)
    v = registry.variant(a.variant)
    factories = {n: c.value for n, c in registry.models.items()}
    with tempfile.TemporaryDirectory() as tmp:
        subs = []
        for i in range(args.count):
            path = Path(tmp) / f"student{i:02d}.py"
            path.write_text(template.reference(v, factories))
            subs.append((path.stem, path))
        settings = batch.Settings(jobs=args.jobs, quick=not args.full,
                                  limits=sandbox.Limits(timeout=3600, threads=max(1, 2 // args.jobs)))
        started = time.perf_counter()
        grading = batch.Batch(registry, [a], settings)
        prepared = time.perf_counter()
        results = grading.run(subs)
        seconds = time.perf_counter() - started
    scores = {f"{r.score:g}/{r.max_score:g}" for r in results}
    print(f"{args.task} {'full' if args.full else 'quick'}: {args.count} submissions, jobs={args.jobs}, "
          f"{os.cpu_count()} CPUs: {seconds:.1f} s (data {prepared - started:.1f} s) -> "
          f"{60 * args.count / seconds:.1f} submissions/minute; scores {sorted(scores)}")
    for item in results[0].items:
        print(f"  {item.name}: {item.score:g}/{item.max_score:g} {item.message[:100]}")


if __name__ == "__main__":
    main()
