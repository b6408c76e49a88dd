import os
import sys
import textwrap
from pathlib import Path

import pytest

from rnnsuite.kerasutil import quiet_tensorflow

# Tests see the built-in plugins only, whatever else is installed; the
# entry-point path itself is tested in test_plugins.py.
os.environ.setdefault("RNNSUITE_DISABLE_PLUGIN_AUTOLOAD", "1")
quiet_tensorflow()

PYTHON = sys.executable


@pytest.fixture
def write_plugin(tmp_path):
    """Write a plugin file from source text and return its path."""

    def write(source: str, name: str = "plugin_under_test.py") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source))
        return path

    return write


#: A small, complete variant plugin: fits y = w x on its own data.
LINE_PLUGIN = """
    import numpy as np
    from rnnsuite import hookimpl
    from rnnsuite.types import Assignment, Bar, ModelFactory, Split, Variant

    def prepare(ctx):
        rng = ctx.rng()
        x = rng.normal(size=40)
        y = 3 * x + rng.normal(scale=0.1, size=40)
        return Split(train=(x[:28], y[:28]), test_inputs=x[28:], test_targets=y[28:], spec={"n": 1})

    def train(ctx, model, data):
        x, y = data
        for e in range(ctx.epochs):
            model["w"] += 0.5 * float(((y - model["w"] * x) * x).mean())
            ctx.epoch_ended(e + 1, ctx.epochs, {"loss": float(((y - model["w"] * x) ** 2).mean())})
        return model

    def predict(ctx, model, x):
        return model["w"] * x

    def evaluate(ctx, split, pred):
        return {"mae": float(np.abs(pred - split.test_targets).mean()),
                "zero_mae": float(np.abs(split.test_targets).mean())}

    def broken_prepare(ctx):
        raise RuntimeError("this assignment is broken on purpose")

    @hookimpl
    def rnnsuite_add_models():
        return [ModelFactory("line", "custom", lambda spec: {"w": 0.0})]

    @hookimpl
    def rnnsuite_add_variants():
        common = dict(kind="custom", network="line", task_en="fit a line", task_ru="подогнать прямую",
                      datasets=(), model="line", train=train, predict=predict, evaluate=evaluate,
                      metrics=("mae", "zero_mae"), epochs=20, quick_epochs=2)
        return [Variant(97, "throwaway", (
            Assignment("v97.1", prepare=prepare,
                       bars=(Bar("mae", "zero_mae", higher_is_better=False),), **common),
            Assignment("v97.2", prepare=broken_prepare, **common),
            Assignment("v97.3", prepare=prepare, bars=(Bar("mae", 0.0001, higher_is_better=False),), **common),
        ))]
"""


@pytest.fixture(scope="session")
def quick_runs(tmp_path_factory):
    """``quick_runs(5)``: the folder of ``rnnsuite run --variant 5 --quick`` (seed 0, every assignment),
    made once per test session and shared by the tests that only read a finished run (the declarations,
    ``rnnsuite try``): a quick run of every assignment takes minutes of the suite."""
    from try_helpers import quick_run

    from rnnsuite.manager import Manager

    made: dict[int, Path] = {}

    def get(variant: int) -> Path:
        if variant not in made:
            tasks = tuple(a.number for a in Manager().load().registry.variant(variant).assignments)
            made[variant] = quick_run(tmp_path_factory.mktemp(f"quick-v{variant}"), variant, tasks)
        return made[variant]

    return get
