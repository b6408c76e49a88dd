"""A variant's default (non-quick) runs: each metric next to its bar, over one seed or several, and the wall time.

Run: .venv/bin/python benchmarks/bench_variants.py --variant 5 [--task N] [--seeds 0-4] [--out DIR]
                                                      [--data NAME=PATH]
Target: the whole variant within 10 minutes on 2 CPU cores, every bar met on every seed with a margin.

With several seeds it prints, per assignment, min / median / max of every
metric over the seeds, each bar with how many seeds met it and the smallest
margin (how far past its target the worst seed got: positive is met), and the
wall time of each seed's run.  The machine's load average is printed next to
the times, and the CPU seconds the run used: on a shared machine the wall time
grows with the load, while on an idle 2-core machine it would lie between
half the CPU time (both cores busy) and the CPU time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RNNSUITE_QUIET", "1")


def seed_list(text: str) -> list[int]:
    """'0-4' -> [0, 1, 2, 3, 4]; '0,3,7' -> [0, 3, 7]; '2' -> [2]."""
    seeds: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise argparse.ArgumentTypeError(f"seeds must look like 0-4 or 0,3,7, not {text!r}")
        seeds.extend(range(int(first), int(last) + 1) if dash else [int(first)])
    return seeds


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def margin(check) -> float | None:
    """How far past its target a bar's value is (positive: met), in the metric's own direction."""
    if check.value is None or check.target is None:
        return None
    return check.value - check.target if check.label.startswith(">") else check.target - check.value


def report(assignment, runs: list) -> None:
    """Every metric's min / median / max over the seeds, and each bar's record."""
    errors = [r for r in runs if r.error]
    print(f"\n{assignment.id} {assignment.network} ({assignment.kind}): seeds {[r.seed for r in runs]}, "
          f"{sum(r.status == 'passed' for r in runs)}/{len(runs)} passed every bar, "
          f"seconds {' '.join(f'{r.seconds:.0f}' for r in runs)}")
    for r in errors:
        print(f"  seed {r.seed}: ERROR {r.error}")
    done = [r for r in runs if not r.error]
    if not done:
        return
    print(f"  {'metric':28s} {'min':>9s} {'median':>9s} {'max':>9s}   bar (met on seeds; smallest margin)")
    for name in done[0].metrics:
        values = [r.metrics[name] for r in done]
        bars = []
        for i, bar in enumerate(assignment.bars):
            if bar.metric != name:
                continue
            checks = [r.bars[i] for r in done]
            margins = [m for m in map(margin, checks) if m is not None]
            targets = sorted({round(c.target, 4) for c in checks if c.target is not None})
            target = f"{targets[0]:.4f}" if len(targets) == 1 else f"{targets[0]:.4f}..{targets[-1]:.4f}"
            bars.append(f"{bar.label()} ({target}): {sum(c.passed for c in checks)}/{len(checks)}; "
                        f"margin {min(margins):+.4f}" if margins else f"{bar.label()}: no value")
        print(f"  {name:28s} {min(values):9.4f} {statistics.median(values):9.4f} {max(values):9.4f}   "
              + "; ".join(bars))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variant", type=int, action="append", required=True, help="variant number (repeatable)")
    parser.add_argument("--task", type=int, action="append", help="assignment number (repeatable); all by default")
    parser.add_argument("--seed", type=int, default=None, help="one seed (default 0); see --seeds")
    parser.add_argument("--seeds", type=seed_list, default=None, help="several seeds: 0-4 or 0,3,7")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--data", action="append", default=[], metavar="NAME=PATH",
                        help="a data set from your own file, as rnnsuite run --data (repeatable)")
    args = parser.parse_args()
    data = {name: Path(path) for name, _, path in (d.partition("=") for d in args.data)}
    seeds = args.seeds or [args.seed or 0]

    from rnnsuite.manager import Manager
    from rnnsuite.runner import run

    manager = Manager().load()
    print(f"{os.cpu_count()} CPUs, {load()}" + "".join(f"; --data {k}={v}" for k, v in data.items()))
    for number in args.variant:
        variant = manager.registry.variant(number)
        chosen = [a for a in variant.assignments if not args.task or a.number in args.task]
        by_assignment: dict[str, list] = {a.id: [] for a in chosen}
        walls, cpus = [], []
        for seed in seeds:
            out = (args.out / f"v{number}-seed{seed}" if args.out
                   else Path(tempfile.mkdtemp(prefix=f"bench-v{number}-s{seed}-")))
            started, cpu = time.perf_counter(), cpu_seconds()
            results = run(manager, variant, chosen, out_dir=out, seed=seed, data_paths=data)
            walls.append(time.perf_counter() - started)
            cpus.append(cpu_seconds() - cpu)
            for a, r in zip(chosen, results):
                by_assignment[a.id].append(r)
            print(f"v{number} seed {seed}: {walls[-1]:.1f} s wall, {cpus[-1]:.1f} s CPU, "
                  f"{' '.join(f'{a.id} {r.status}' for a, r in zip(chosen, results))} ({load()}); out: {out}",
                  flush=True)
        for a in chosen:
            report(a, by_assignment[a.id])
        print(f"\nvariant {number}, {len(chosen)} assignments, seeds {seeds}: wall per seed "
              f"{' '.join(f'{w:.0f}' for w in walls)} s, max {max(walls):.0f} s (target <= 600 s on 2 idle cores); "
              f"CPU per seed {' '.join(f'{c:.0f}' for c in cpus)} s; {load()}")


if __name__ == "__main__":
    main()
