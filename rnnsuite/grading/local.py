"""``rnnsuite check``: a student grades their own submission, in this process, as grading would.

The same pipeline (``pipeline.prepare`` / ``fit`` / ``evaluate``), the same
questions to a scratch model (``probe``), the same re-run of the trained
parameters and the same graders as ``rnnsuite grade``; what differs is that
the submission runs here, unsandboxed (it is the student's own code on the
student's own machine), on the public test split, quick by default.
"""
from __future__ import annotations

import secrets
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from rnnsuite import pipeline
from rnnsuite.context import RunContext
from rnnsuite.errors import one_line
from rnnsuite.grading import notebook, probe, provenance
from rnnsuite.grading.results import AssignmentResult
from rnnsuite.grading.scoring import grade_items
from rnnsuite.types import Assignment, Outcome


def check_assignment(registry: Any, a: Assignment, module: Any, path: Path, *, seed: int = 0, quick: bool = True,
                     epochs: int | None = None, data_paths: dict[str, Path] | None = None,
                     hook: Any = None) -> AssignmentResult:
    """Train, predict and grade one assignment of a submission module; never raises for the submission."""
    from rnnsuite.graders.structure import describe
    from rnnsuite.grading.child import find_factory

    started = time.perf_counter()
    result = AssignmentResult(a.id)
    outcome = Outcome(assignment=a)
    stage_name = ["loading"]

    def stage(name: str) -> None:
        stage_name[0] = name

    with tempfile.TemporaryDirectory(prefix="rnnsuite-check-") as out:
        ctx = RunContext(assignment=a, out_dir=Path(out), seed=seed, quick=quick, epochs_override=epochs,
                         data_paths=dict(data_paths or {}), registry=registry, hook=hook)
        split = pipeline.prepare(ctx)  # the suite's data: an error here is not the submission's
        try:
            factory = find_factory(module, a.model)
            if a.kind == "scratch":
                stage("answering the gradient check")
                outcome.scratch = probe.question(factory.build(split.spec), a.scratch, secrets.randbits(31),
                                                 int(split.spec["n"]), int(split.spec["m"]))
                outcome.scratch.borrowed = provenance.engine_imports(path)
            fitted = pipeline.fit(ctx, factory, split.public(), stage=stage)
            predictions = fitted.predictions
            if a.kind == "scratch":  # scored as grading scores it: the trained parameters re-run
                probe.rerun(outcome.scratch, ctx, split, getattr(fitted.built, "params", None), predictions)
                predictions = outcome.scratch.reference_predictions
                if outcome.scratch.trained is None:
                    raise probe.ProbeError(f"the trained model cannot be re-run: {outcome.scratch.trained_error}")
            result.metrics = outcome.metrics = pipeline.evaluate(ctx, split, predictions)
            outcome.structure = describe(fitted.model)
        except pipeline.PluginBug:
            raise
        except Exception as exc:  # noqa: BLE001 - the submission's error, reported like grading reports it
            result.status = "error"
            result.reason = outcome.reason = f"{one_line(exc)} (while {stage_name[0]})"
            result.output = traceback.format_exc()[-2000:]
    result.items = grade_items(registry, outcome)
    result.notes = notebook.notes_of(path)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def check(registry: Any, assignments: list[Assignment], path: Path, *,
          on_start: Callable[[Assignment], None] | None = None, **settings: Any) -> list[AssignmentResult]:
    """Every chosen assignment of the submission at ``path``, in order."""
    from rnnsuite.grading.child import load_submission

    module = load_submission(path)
    results = []
    for a in assignments:
        if on_start:
            on_start(a)
        results.append(check_assignment(registry, a, module, path, **settings))
    return results
