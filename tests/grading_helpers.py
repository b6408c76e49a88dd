"""Shared pieces of the grading tests: a fast test variant and submission writers."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from conftest import LINE_PLUGIN

import rnnsuite.grading
from rnnsuite.grading import batch, sandbox
from rnnsuite.manager import Manager

#: CI (``.ci/run``) installs bubblewrap and sets this: there a missing sandbox fails the tests, never skips them
SANDBOX_REQUIRED = os.environ.get("RNNSUITE_REQUIRE_SANDBOX", "") not in ("", "0")
if SANDBOX_REQUIRED and sandbox.problem():
    raise RuntimeError(f"RNNSUITE_REQUIRE_SANDBOX is set but {sandbox.problem()}")
requires_sandbox = pytest.mark.skipif(sandbox.problem() is not None, reason=f"no sandbox: {sandbox.problem()}")

#: the line task again as variant 98, whose first bar gives partial credit (mae 1.5 -> 0.2)
LINE_98 = (LINE_PLUGIN.replace("Variant(97", "Variant(98").replace('"v97.', '"v98.')
           .replace('bars=(Bar("mae", "zero_mae", higher_is_better=False),)',
                    'bars=(Bar("mae", 0.2, higher_is_better=False, floor=1.5), '
                    'Bar("mae", "zero_mae", higher_is_better=False))'))
assert LINE_98.count("floor=1.5") == 1

GOOD_LINE = """
    from rnnsuite.types import ModelFactory

    def rnnsuite_add_models():
        return [ModelFactory("line", "custom", lambda spec: {"w": 0.0})]
"""


STUDENT_FRNN = (Path(rnnsuite.grading.__file__).with_name("student_frnn.py")).read_text()


def student_submission(model: str, body: str = "", hidden: int = 16, output: str = "last", loss: str = "ce") -> str:
    """A scratch submission: an honest student's FRNN (no rnnsuite.scratch import), ``body`` after it.

    ``body`` may redefine ``Model`` (a subclass of StudentFRNN with a bug);
    the factory named ``model`` builds ``Model`` for the spec's n and m with
    the assignment's ``output`` and ``loss`` (its ScratchSpec).
    """
    return STUDENT_FRNN + textwrap.dedent(f"""

        Model = StudentFRNN
        {textwrap.indent(textwrap.dedent(body), "        ").strip()}

        from rnnsuite.types import ModelFactory

        def build(spec):
            return Model(spec["n"], {hidden}, spec["m"], output={output!r}, loss={loss!r}, seed=spec.get("seed", 0))

        def rnnsuite_add_models():
            return [ModelFactory({model!r}, "scratch", build)]
    """)


def write(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def line_batch(tmp_path: Path, number: int = 97, tasks=(1,), **settings) -> batch.Batch:
    """A Batch over the test variants, loading the line plugin (also in the children)."""
    plugin = write(tmp_path / "plugins", f"line{number}.py", LINE_PLUGIN if number == 97 else LINE_98)
    registry = Manager().load((str(plugin),)).registry
    v = registry.variant(number)
    limits = settings.pop("limits", sandbox.Limits(timeout=30, memory_mb=1024))
    s = batch.Settings(plugins=(str(plugin),), limits=limits, **settings)
    return batch.Batch(registry, [a for a in v.assignments if a.number in tasks], s)


def grade(b: batch.Batch, folder: Path, name: str, source: str):
    """Grade one submission written from source; returns its SubmissionResult."""
    path = write(folder, name, source)
    return b.run([(path.stem, path)])[0]
