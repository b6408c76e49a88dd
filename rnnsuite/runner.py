"""The runner: assignment -> data -> model -> training -> evaluation -> artifacts.

Every step's events go through the run hooks, so reporters (console, JSON)
are plugins like any other.  One assignment that raises is recorded as an
error and the next one runs; results already finished are never lost.
"""
from __future__ import annotations

import random
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from rnnsuite.context import RunContext
from rnnsuite.errors import UserError, one_line
from rnnsuite.types import Assignment, RunResult, Variant


def default_out_dir(variant: Variant, root: Path = Path("runs")) -> Path:
    """``runs/<time>-v5``; a suffix keeps two runs in the same second apart."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = root / f"{stamp}-v{variant.number}"
    n = 1
    while out.exists():
        n += 1
        out = root / f"{stamp}-v{variant.number}-{n}"
    return out


def seed_everything(seed: int) -> None:
    """Python, numpy and Keras seeds (Keras is seeded on import if not imported yet)."""
    from rnnsuite.kerasutil import seed_keras

    random.seed(seed)
    np.random.seed(seed % 2**32)
    seed_keras(seed)


def run_assignment(ctx: RunContext) -> RunResult:
    """Run one assignment and return its result (errors included, never raised)."""
    a = ctx.assignment
    started = time.perf_counter()
    result = RunResult(assignment=a.id, status="error", seed=ctx.seed, quick=ctx.quick, full=ctx.full)
    try:
        seed_everything(ctx.seed)
        if ctx.hook is not None:
            ctx.hook.rnnsuite_assignment_started(assignment=a, epochs=ctx.epochs)
        split = a.prepare(ctx)
        model = ctx.registry.model(a.model).build(split.spec)
        model = a.train(ctx, model, split.train)
        predictions = a.predict(ctx, model, split.test_inputs)
        metrics = {k: float(v) for k, v in a.evaluate(ctx, split, predictions).items()}
        result.metrics = metrics
        result.info = {**split.info, **ctx.info}
        if a.artifacts is not None:
            paths = a.artifacts(ctx, split, predictions, model) or {}
            result.artifacts = {name: str(Path(p)) for name, p in paths.items()}
        result.bars = [bar.check(metrics) for bar in a.bars]
        result.status = "passed" if all(b.passed for b in result.bars) else "failed"
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - recorded, the next assignment runs
        result.error = one_line(exc)
        result.input_error = isinstance(exc, UserError)
        if not isinstance(exc, UserError):
            ctx.out_dir.mkdir(parents=True, exist_ok=True)
            (ctx.out_dir / "error.log").write_text(traceback.format_exc())
    result.seconds = round(time.perf_counter() - started, 3)
    return result


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
            result = run_assignment(ctx)
            results.append(result)
            hook.rnnsuite_assignment_finished(result=result)
    finally:
        hook.rnnsuite_run_finished(results=results, out_dir=out_dir)
    return results
