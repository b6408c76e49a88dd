"""Every loaded built-in assignment, run quick through the one pipeline, returns exactly what it declares.

The pipeline refuses a mismatch at run time (a ``PluginBug``, status
"error"); this reads a quick run of every assignment of every built-in variant
that is loaded (the session's shared runs, ``quick_runs`` in conftest),
whoever adds one, so a declaration that drifts from its routine fails here
before a student meets it.  tests/test_plugins.py breaks each
declaration on purpose and checks that it is caught.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnsuite.manager import Manager
from rnnsuite.pipeline import HISTORY

REGISTRY = Manager().load().registry  # the built-ins only (conftest disables autoloading)
BUILTIN = [a.id for number in sorted(REGISTRY.variants) for a in REGISTRY.variant(number).assignments]


def test_the_builtins_are_loaded():
    assert {"v5.1", "v5.2", "v5.3", "v6.1", "v6.2", "v6.3"} <= set(BUILTIN)


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize("ident", BUILTIN)
def test_every_builtin_assignment_returns_its_declared_metrics_and_artifacts(ident, quick_runs):
    a = REGISTRY.assignment(ident)
    result = json.loads((quick_runs(int(ident[1:].split(".")[0])) / ident / "result.json").read_text("utf-8"))
    assert result["status"] != "error", result["error"]
    assert list(result["metrics"]) == list(a.metrics)
    assert set(result["artifacts"]) == set(a.artifact_names)
    for name, path in result["artifacts"].items():  # a file, or a folder of files (a model with its codecs)
        files = [Path(path)] if Path(path).is_file() else [p for p in Path(path).rglob("*") if p.is_file()]
        assert files and all(f.stat().st_size > 0 for f in files), name
    recorded = any(result["history"].get(curve) for curve in ("loss", "val_loss"))
    assert (HISTORY in a.artifact_names) == recorded  # declared exactly when train recorded the loss curves
    assert [b["metric"] for b in result["bars"]] == [b.metric for b in a.bars]
