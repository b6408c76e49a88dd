"""The runner: a variant's assignments in order, each through the one pipeline.

Every step's events go through the run hooks, so reporters (console, JSON)
are plugins like any other.  One assignment that raises is recorded as an
error and the next one runs; results already finished are never lost.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from rnnsuite.context import RunContext
from rnnsuite.pipeline import run_assignment
from rnnsuite.threads import limited_blas
from rnnsuite.types import Assignment, RunResult, Variant


def default_out_dir(variant: Variant, root: Path = Path("runs")) -> Path:
    """A new, empty ``runs/<time>-v5``, created here; a suffix keeps runs in the same second apart.

    Creating it is what claims the name, so two runs started together never share a folder.
    """
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    root.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        out = root / (f"{stamp}-v{variant.number}" + (f"-{n}" if n > 1 else ""))
        try:
            out.mkdir()
            return out
        except FileExistsError:
            n += 1


def run(
    manager: Any,
    variant: Variant,
    assignments: Iterable[Assignment],
    *,
    out_dir: Path,
    seed: int = 0,
    quick: bool = False,
    epochs: int | None = None,
    full: bool = False,
    data_paths: dict[str, Path] | None = None,
) -> list[RunResult]:
    """Run assignments in order, broadcasting the run hooks."""
    assignments = list(assignments)
    hook = manager.hook
    out_dir.mkdir(parents=True, exist_ok=True)
    hook.rnnsuite_run_started(variant=variant, assignments=assignments, out_dir=out_dir, seed=seed, quick=quick)
    results: list[RunResult] = []
    try:
        for a in assignments:
            ctx = RunContext(
                assignment=a,
                out_dir=out_dir / a.id,
                seed=seed,
                quick=quick,
                epochs_override=epochs,
                full=full,
                data_paths=dict(data_paths or {}),
                registry=manager.registry,
                hook=hook,
            )
            with limited_blas():  # small numpy products run fastest on one BLAS thread (rnnsuite.threads)
                result = run_assignment(ctx)
            results.append(result)
            hook.rnnsuite_assignment_finished(result=result)
    finally:
        hook.rnnsuite_run_finished(results=results, out_dir=out_dir)
    return results
