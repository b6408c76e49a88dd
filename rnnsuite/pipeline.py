"""One assignment, stage by stage: prepare -> build -> train -> predict -> evaluate -> artifacts.

``rnnsuite run`` calls every stage in one process (``run_assignment``).
Grading splits the same functions between two processes: the parent
``prepare``-s the data once and ``evaluate``-s each student's predictions
against test targets the child never sees; the sandboxed child calls
``fit`` (build -> train -> predict) with the student's factory.  So a new
stage is added once, and a submission is trained exactly as ``run`` trains
the reference, seeded at the same point.

The stages also check the joins a plugin author could get wrong and no
load-time check can see: ``evaluate`` must return the declared metrics,
``artifacts`` the declared artifact names, a scratch assignment's spec must
hold its sizes, the facts in ``info`` must be JSON.  A mismatch raises
:class:`PluginBug`, naming the plugin.
"""
from __future__ import annotations

import random
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rnnsuite.context import RunContext
from rnnsuite.errors import UserError, one_line
from rnnsuite.types import ModelFactory, RunResult, Split

#: what each stage reports through ``stage`` (a child that dies is reported "while training")
STAGES = ("preparing", "building", "training", "predicting", "evaluating", "writing artifacts")
#: the artifact the pipeline writes itself when ``train`` recorded a history (``ctx.record_history``)
HISTORY = "history"

Stage = Callable[[str], None]


class PluginBug(Exception):
    """A plugin's routine broke its own declaration (one line naming the plugin)."""


def _no_stage(name: str) -> None:
    pass


def plugin_of(ctx: RunContext) -> str:
    """The plugin that contributed the assignment's variant (for messages)."""
    contribution = getattr(ctx.registry, "variants", {}).get(ctx.assignment.variant)
    return getattr(contribution, "plugin", "?")


def seed_everything(seed: int) -> None:
    """Python, numpy and Keras seeds (Keras is seeded on import if not imported yet)."""
    from rnnsuite.kerasutil import seed_keras

    random.seed(seed)
    np.random.seed(seed % 2**32)
    seed_keras(seed)


def prepare(ctx: RunContext, stage: Stage = _no_stage) -> Split:
    """The assignment's data in the course's split; a scratch spec must give n and m."""
    stage("preparing")
    split = ctx.assignment.prepare(ctx)
    if not isinstance(split, Split):
        raise PluginBug(f"plugin {plugin_of(ctx)!r}: {ctx.assignment.id}'s prepare returned a "
                        f"{type(split).__name__}, not a Split")
    if ctx.assignment.kind == "scratch":
        bad = [key for key in ("n", "m") if not isinstance(split.spec.get(key), (int, np.integer))
               or split.spec[key] < 1]
        if bad:
            raise PluginBug(f"plugin {plugin_of(ctx)!r}: {ctx.assignment.id} is a scratch assignment, but its "
                            f"spec has no positive integer {' and '.join(bad)} (the FRNN's input and output sizes)")
    return split


@dataclass
class Fitted:
    """What ``fit`` produced: the factory's own object, the model trained around it, its predictions."""

    built: Any  # what the factory returned (a scratch model: the object whose params were trained)
    model: Any  # what ``train`` returned: ``built``, or ``adapt(spec, built)`` trained
    predictions: Any


def fit(ctx: RunContext, factory: ModelFactory, split: Split, stage: Stage = _no_stage) -> Fitted:
    """build -> train -> predict, seeded here; ``split`` may be ``Split.public()`` (no targets needed)."""
    a = ctx.assignment
    seed_everything(ctx.seed)
    stage("building")
    built = factory.build(split.spec)
    model = a.adapt(split.spec, built) if a.adapt is not None else built
    stage("training")
    model = a.train(ctx, model, split.train)
    stage("predicting")
    predictions = a.predict(ctx, model, split.test_inputs)
    return Fitted(built, model, predictions)


def evaluate(ctx: RunContext, split: Split, predictions: Any, stage: Stage = _no_stage) -> dict[str, float]:
    """The declared metrics of the predictions, as floats, scored against ``split.test_targets``."""
    stage("evaluating")
    a = ctx.assignment
    metrics = {name: float(value) for name, value in a.evaluate(ctx, split, predictions).items()}
    _same(ctx, "evaluate", "metrics", set(metrics), set(a.metrics))
    return {name: metrics[name] for name in a.metrics}  # in the declared order


def artifacts(ctx: RunContext, split: Split, predictions: Any, model: Any,
              stage: Stage = _no_stage) -> dict[str, str]:
    """The assignment's artifacts plus the loss curves of ``ctx.history``, as {name: path}."""
    from rnnsuite.plots import history_plot

    stage("writing artifacts")
    a = ctx.assignment
    paths = dict(a.artifacts(ctx, split, predictions, model) or {}) if a.artifacts is not None else {}
    curves = {k: v for k, v in ctx.history.items() if k in ("loss", "val_loss") and len(v)}
    if curves and HISTORY not in paths:
        paths[HISTORY] = history_plot(ctx.path("history.png"), curves, title=f"{a.id} {a.network}: loss by epoch")
    declared = set(a.artifact_names)
    if HISTORY not in paths and ctx.epochs == 0:
        declared.discard(HISTORY)  # --epochs 0: nothing trained, no curve to draw
    _same(ctx, "artifacts", "artifact_names", set(paths), declared)
    return {name: str(Path(path)) for name, path in paths.items()}


def json_info(ctx: RunContext, info: dict[str, Any]) -> dict[str, Any]:
    """The facts for result.json (``Split.info`` and ``ctx.info``); a value JSON cannot hold is the plugin's bug."""
    from rnnsuite.jsonio import NotJSON, finite

    try:
        finite(info, "info")
    except NotJSON as exc:
        raise PluginBug(f"plugin {plugin_of(ctx)!r}: {ctx.assignment.id}'s {exc}") from None
    return info


def _same(ctx: RunContext, routine: str, field: str, returned: set[str], declared: set[str]) -> None:
    if returned == declared:
        return
    parts = []
    if returned - declared:
        parts.append(f"returned undeclared {', '.join(sorted(returned - declared))}")
    if declared - returned:
        parts.append(f"did not return declared {', '.join(sorted(declared - returned))}")
    raise PluginBug(f"plugin {plugin_of(ctx)!r}: {ctx.assignment.id}'s {routine} {' and '.join(parts)} "
                    f"(Assignment.{field}: {', '.join(sorted(declared)) or 'none'})")


def run_assignment(ctx: RunContext) -> RunResult:
    """Every stage of one assignment; the result records an error instead of raising it."""
    a = ctx.assignment
    started = time.perf_counter()
    result = RunResult(assignment=a.id, status="error", seed=ctx.seed, quick=ctx.quick, full=ctx.full)
    try:
        if ctx.hook is not None:
            ctx.hook.rnnsuite_assignment_started(assignment=a, epochs=ctx.epochs)
        seed_everything(ctx.seed)
        split = prepare(ctx)
        fitted = fit(ctx, ctx.registry.model(a.model), split)
        result.metrics = evaluate(ctx, split, fitted.predictions)
        result.info = json_info(ctx, {**split.info, **ctx.info})
        result.history = {k: [float(x) for x in v] for k, v in ctx.history.items()}
        result.artifacts = artifacts(ctx, split, fitted.predictions, fitted.model)
        result.bars = [bar.check(result.metrics) for bar in a.bars]
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

