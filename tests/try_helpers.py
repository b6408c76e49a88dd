"""Shared pieces of the ``rnnsuite try`` tests: a quick run to try, and ``try`` in a fresh process."""
import os
import subprocess
import sys
from pathlib import Path


def quick_run(out: Path, variant: int, tasks: tuple[int, ...], seed: int = 0, epochs: int | None = None) -> Path:
    """``rnnsuite run --variant N --quick`` of some of its assignments into ``out``; asserts each one finished.

    ``epochs=0`` saves the model as built, untrained (the API allows it, the command line does not): what
    turns input into the model's input and back is the same, in seconds instead of a minute.
    """
    import json

    from rnnsuite.manager import Manager
    from rnnsuite.runner import run

    manager = Manager().load()
    v = manager.registry.variant(variant)
    run(manager, v, tuple(v.assignment(t) for t in tasks), out_dir=out, seed=seed, quick=True, epochs=epochs)
    for t in tasks:
        result = json.loads((out / f"v{variant}.{t}" / "result.json").read_text())
        assert result["status"] in ("passed", "failed"), result.get("error")
    return out


def try_in_fresh_process(run_dir: Path, ident: str, *args: str, cwd: Path | None = None,
                         timeout: float = 120) -> subprocess.CompletedProcess:
    """``rnnsuite try RUN_DIR ID ARGS...`` in a new Python process: nothing trained in this one leaks into it."""
    env = dict(os.environ, RNNSUITE_DISABLE_PLUGIN_AUTOLOAD="1", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "rnnsuite.cli", "try", str(run_dir), ident, *args],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """Asserts ``proc`` failed with exit 2 and one line on stderr, no traceback; returns that line."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]
