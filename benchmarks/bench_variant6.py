"""Variant 6 on its default (non-quick) data: each metric next to its bar, and the wall time.

Run: .venv/bin/python benchmarks/bench_variant6.py [--task N] [--seed S] [--out DIR]
Target: the whole variant within 10 minutes on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rnnsuite.manager import Manager
from rnnsuite.runner import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", type=int, action="append", help="assignment number (repeatable); default all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    manager = Manager().load()
    variant = manager.registry.variant(6)
    chosen = [a for a in variant.assignments if not args.task or a.number in args.task]
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-v6-"))
    started = time.perf_counter()
    results = run(manager, variant, chosen, out_dir=out, seed=args.seed)
    total = time.perf_counter() - started
    for a, r in zip(chosen, results):
        error = f"  ERROR {r.error}" if r.error else ""
        print(f"\n{a.id} {a.network} ({a.kind}): {r.status}, {r.seconds:.1f} s{error}")
        for name in a.metrics:
            if name in r.metrics:
                print(f"  {name:18} {r.metrics[name]:10.4f}")
        for check in r.bars:
            target = "-" if check.target is None else f"{check.target:.4f}"
            value = "-" if check.value is None else f"{check.value:.4f}"
            print(f"  bar {check.metric} {check.label:22} value {value:>9}  target {target:>9}  "
                  f"{'PASS' if check.passed else 'FAIL'}")
    print(f"\nvariant 6, {len(chosen)} assignments: {total:.1f} s wall (out: {out})")


if __name__ == "__main__":
    main()
