"""The child process: one submission x one assignment, in its own working folder.

``python -m rnnsuite.grading.child FOLDER`` reads ``FOLDER/job.pkl`` (see
``protocol``), loads the submission's factory, answers the scratch probe,
trains, predicts and writes its answers into FOLDER.  It never sees the test
targets: the parent scores the predictions.  Each stage is written to
``stage.json`` first, so the parent can say where a child died.
"""
from __future__ import annotations

import importlib.util
import json
import sys
import traceback
from pathlib import Path
from typing import Any

from rnnsuite.grading import protocol


def load_submission(path: Path) -> Any:
    """Import a submission (a .py file or a package folder) as the module ``submission``."""
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


def answer_probe(folder: Path, job: dict, assignment, factory, registry) -> None:
    """Run the graders' model checks against a Recorder of a fresh model; save the record."""
    from rnnsuite.grading import probe

    student = probe.protocol_object(factory.build(job["split"].spec))
    shapes, modes = probe.choose_modes(student, job["probe_seed"])
    params, X, targets = probe.base_point(job["probe_seed"], shapes, modes)
    output, loss_name = getattr(student, "output", None), getattr(student, "loss_name", None)
    recorder = probe.Recorder(student, params, output if isinstance(output, str) else None,
                              loss_name if isinstance(loss_name, str) else None)
    outcome = {"assignment": assignment, "metrics": {}, "model": recorder, **probe.outcome_data(X, targets)}
    for name in job["graders"]:
        grader = registry.graders.get(name)
        if grader is not None:
            try:
                grader.value.grade(outcome)
            except Exception:  # noqa: BLE001 - the parent replays and scores
                pass
    rows, arrays = recorder.dump()
    protocol.write_arrays(folder, protocol.PROBE, arrays)
    protocol.write_json(folder, protocol.PROBE, {
        "shapes": {k: list(v) for k, v in shapes.items()}, "modes": modes, "records": rows,
        "output": getattr(recorder, "output", None), "loss_name": getattr(recorder, "loss_name", None)})


def run(folder: Path) -> None:
    from rnnsuite.context import RunContext
    from rnnsuite.graders.structure import describe
    from rnnsuite.manager import Manager
    from rnnsuite.runner import seed_everything

    def stage(name: str) -> None:
        protocol.write_json(folder, protocol.STAGE, {"stage": name})

    stage("loading")
    job = protocol.read_job(folder)
    registry = Manager().load(tuple(job["plugins"])).registry
    assignment = registry.assignment(job["assignment"])
    factory = find_factory(load_submission(folder / job["submission"]), assignment.model)
    split = job["split"]
    if job.get("probe_seed") is not None:
        stage("probe")
        try:
            answer_probe(folder, job, assignment, factory, registry)
        except Exception as exc:  # noqa: BLE001 - the probe items are lost, training goes on
            protocol.write_json(folder, protocol.PROBE, {"error": f"{type(exc).__name__}: {exc}"[:500]})
    stage("building")
    seed_everything(job["seed"])
    model = factory.build(split.spec)
    ctx = RunContext(assignment=assignment, out_dir=folder / "out", seed=job["seed"], quick=job["quick"],
                     epochs_override=job.get("epochs"), registry=registry)
    stage("training")
    model = assignment.train(ctx, model, split.train)
    stage("predicting")
    header, arrays = protocol.encode_predictions(assignment.predict(ctx, model, split.test_inputs))
    if arrays:
        protocol.write_arrays(folder, protocol.PREDICTIONS, arrays)
    protocol.write_json(folder, protocol.PREDICTIONS, header)  # written last: the commit mark
    stage("describing")
    protocol.write_json(folder, protocol.STRUCTURE, describe(model))
    stage("done")


def _last_stage(folder: Path) -> str:
    try:
        return str(json.loads((folder / f"{protocol.STAGE}.json").read_text()).get("stage", "loading"))
    except (OSError, ValueError, AttributeError):
        return "loading"


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else ".").resolve()
    try:
        run(folder)
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
