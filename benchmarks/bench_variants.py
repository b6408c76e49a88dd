"""A variant's default (non-quick) run: each metric next to its bar, and the wall time.

Run: .venv/bin/python benchmarks/bench_variants.py --variant 5 [--task N] [--seed S] [--out DIR]
Target: the whole variant within 10 minutes on 2 CPU cores, every bar met.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RNNSUITE_QUIET", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variant", type=int, action="append", required=True, help="variant number (repeatable)")
    parser.add_argument("--task", type=int, action="append", help="assignment number (repeatable); all by default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from rnnsuite.manager import Manager
    from rnnsuite.runner import run

    manager = Manager().load()
    for number in args.variant:
        variant = manager.registry.variant(number)
        chosen = [a for a in variant.assignments if not args.task or a.number in args.task]
        out = args.out / f"v{number}" if args.out else Path(tempfile.mkdtemp(prefix=f"bench-v{number}-"))
        started = time.perf_counter()
        results = run(manager, variant, chosen, out_dir=out, seed=args.seed)
        total = time.perf_counter() - started
        for a, r in zip(chosen, results):
            error = f"  ERROR {r.error}" if r.error else ""
            print(f"\n{a.id} {a.network} ({a.kind}): {r.status}, {r.seconds:.1f} s{error}")
            for name, value in r.metrics.items():
                checks = [
                    f"bar {c.label} ({'-' if c.target is None else f'{c.target:.4f}'}): "
                    f"{'PASS' if c.passed else 'FAIL'}"
                    for c in r.bars
                    if c.metric == name
                ]
                print(f"  {name:28s} {value:10.4f}  " + "; ".join(checks))
        print(f"\nvariant {number}, {len(chosen)} assignments: {total:.1f} s wall (target <= 600 s); out: {out}")


if __name__ == "__main__":
    main()
