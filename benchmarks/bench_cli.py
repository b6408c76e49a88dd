"""Wall time of `rnnsuite --help` and `rnnsuite list`, next to a bare interpreter start.

Run: .venv/bin/python benchmarks/bench_cli.py [--runs N]
The issue's target: `rnnsuite list` under 1 s on a 2-core machine, with no
TensorFlow import.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "rnnsuite"


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("rnnsuite --help", [str(BIN), "--help"]),
        ("rnnsuite list", [str(BIN), "list"]),
        ("rnnsuite list --json", [str(BIN), "list", "--json"]),
    ]
    base = None
    print(f"{'command':24} {'median s':>9} {'max s':>7} {'x python':>9}")
    for name, cmd in rows:
        med, worst = timed(cmd, runs)
        base = base or med
        print(f"{name:24} {med:9.3f} {worst:7.3f} {med / base:9.1f}")


if __name__ == "__main__":
    main()
