"""The child process: one submission x one assignment, in its own working folder.

``python -m rnnsuite.grading.child FOLDER [JOB]`` reads ``JOB/job.pkl``
(see ``protocol``; JOB is a read-only folder holding the submission too,
FOLDER by default), loads the submission's factory, answers the scratch probe
(``probe.ask``), then builds, trains and predicts through the same pipeline
as ``rnnsuite run`` (``pipeline.fit``) and writes its answers into FOLDER:
predictions, the trained model's structure and, for a scratch model, its
trained parameters.  It never sees the test targets: the parent scores the
predictions.  Each stage is written to ``stage.json`` first, so the parent
can say where a child died.
"""
from __future__ import annotations

import importlib.util
import json
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from rnnsuite.grading import protocol


def load_submission(path: Path) -> Any:
    """Import a submission (a .py file, a package folder or a notebook) as the module ``submission``."""
    if path.suffix == ".ipynb":
        import types

        from rnnsuite.grading import notebook

        module = types.ModuleType("submission")
        module.__file__ = str(path)
        sys.modules["submission"] = module
        notebook.execute(path, module.__dict__)
        return module
    init = path / "__init__.py" if path.is_dir() else path
    locations = [str(path)] if path.is_dir() else None
    spec = importlib.util.spec_from_file_location("submission", init, submodule_search_locations=locations)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path.name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["submission"] = module
    spec.loader.exec_module(module)
    return module


def find_factory(module: Any, name: str):
    from rnnsuite.types import ModelFactory

    hook = getattr(module, "rnnsuite_add_models", None)
    factories = [f for f in (hook() or []) if isinstance(f, ModelFactory)] if callable(hook) else []
    for f in factories:
        if f.name == name:
            return f
    have = ", ".join(f.name for f in factories) or "none"
    raise LookupError(f"the submission has no model factory named {name!r} (it has: {have})")


def answer_probe(folder: Path, job: dict, assignment, factory, split) -> None:
    """Question a fresh model of the student's (see ``probe``) and save the answers for the parent."""
    from rnnsuite.grading import probe

    try:
        student = factory.build(split.spec)
        shapes = probe.shapes_of(student)
        cases = probe.plan(job["probe_seed"], shapes, assignment.scratch, split.spec["n"], split.spec["m"])
        answers, cost = probe.ask(student, cases)
    except Exception as exc:  # noqa: BLE001 - the parent scores the lost items; training goes on
        protocol.write_json(folder, protocol.PROBE, {"error": " ".join(f"{type(exc).__name__}: {exc}".split())[:500]})
        return
    rows, arrays = probe.encode(answers)
    protocol.write_arrays(folder, protocol.PROBE, arrays)
    protocol.write_json(folder, protocol.PROBE, {"shapes": {k: list(v) for k, v in shapes.items()},
                                                 "answers": rows, "backward_cost": cost})


def run(folder: Path, job_folder: Path) -> None:
    from rnnsuite import pipeline
    from rnnsuite.context import RunContext
    from rnnsuite.graders.structure import describe
    from rnnsuite.manager import Manager

    def stage(name: str) -> None:
        protocol.write_json(folder, protocol.STAGE, {"stage": name})

    stage("loading")
    job = protocol.read_job(job_folder)
    registry = Manager().load(tuple(job["plugins"])).registry
    assignment = registry.assignment(job["assignment"])
    factory = find_factory(load_submission(job_folder / job["submission"]), assignment.model)
    split = job["split"]
    if assignment.kind == "scratch":
        stage("answering the gradient check")
        answer_probe(folder, job, assignment, factory, split)
    ctx = RunContext(assignment=assignment, out_dir=folder / "out", seed=job["seed"], quick=job["quick"],
                     epochs_override=job.get("epochs"), registry=registry)
    fitted = pipeline.fit(ctx, factory, split, stage=stage)
    header, arrays = protocol.encode_predictions(fitted.predictions)
    if arrays:
        protocol.write_arrays(folder, protocol.PREDICTIONS, arrays)
    protocol.write_json(folder, protocol.PREDICTIONS, header)  # written last: the commit mark
    stage("describing")
    protocol.write_json(folder, protocol.STRUCTURE, list(describe(fitted.model)))
    if assignment.kind == "scratch":  # the parameters of the very object that predicted
        params = getattr(fitted.built, "params", None)
        if isinstance(params, dict):
            protocol.write_arrays(folder, protocol.TRAINED, {str(k): np.asarray(v) for k, v in params.items()})
    stage("done")


def _last_stage(folder: Path) -> str:
    try:
        return str(json.loads((folder / f"{protocol.STAGE}.json").read_text()).get("stage", "loading"))
    except (OSError, ValueError, AttributeError):
        return "loading"


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else ".").resolve()
    try:
        run(folder, Path(argv[1]).resolve() if len(argv) > 1 else folder)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent in one line
        if isinstance(exc, SystemExit):
            exc = RuntimeError(f"the submission called sys.exit({exc.code!r})")
        message = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
        try:
            protocol.write_json(folder, protocol.STAGE, {"stage": _last_stage(folder), "error": message})
        except BaseException:  # noqa: BLE001 - e.g. the file-size cap is reached
            pass
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
