"""Variant 5 at its defaults: every metric next to its bar, and the wall time of each assignment.

    .venv/bin/python benchmarks/bench_variant5.py [--task N ...] [--seed S] [--out DIR]

Runs the default (non-quick) assignments on the real default data, exactly
as `rnnsuite run --variant 5` does, but prints a plain table instead of the
live console.  The target: the whole variant in at most 10 minutes on 2 CPU
cores.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", type=int, action="append", help="assignment number (repeatable); all by default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from rnnsuite.manager import Manager
    from rnnsuite.runner import run

    manager = Manager().load()
    variant = manager.registry.variant(5)
    chosen = [a for a in variant.assignments if not args.task or a.number in args.task]
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-v5-"))
    started = time.perf_counter()
    results = run(manager, variant, chosen, out_dir=out, seed=args.seed)
    total = time.perf_counter() - started

    for a, r in zip(chosen, results):
        print(f"\n{a.id} {a.network} ({a.kind}): {r.status}, {r.seconds:.1f} s"
              + (f"  ERROR {r.error}" if r.error else ""))
        for name, value in r.metrics.items():
            checks = [f"bar {c.label} ({c.target:.4f}): {'PASS' if c.passed else 'FAIL'}"
                      for c in r.bars if c.metric == name]
            print(f"  {name:28s} {value:8.4f}  " + "; ".join(checks))
    print(f"\ntotal wall time {total:.1f} s (target <= 600 s); results in {out}")


if __name__ == "__main__":
    main()
