"""Gradescope: the autograder bundle (``rnnsuite gradescope build``) and the grading it runs.

The bundle is the zip Gradescope asks for.  Gradescope unpacks it into
``/autograder/source``, runs ``setup.sh`` once while it builds the image
(network allowed), then ``run_autograder`` for every submission::

    setup.sh          a venv with rnnsuite from the wheel below; the data sets prefetched into the image
    run_autograder    grades /autograder/submission into /autograder/results/results.json
    rnnsuite-*.whl    this rnnsuite, built from its installed source (or given with --wheel)
    autograder.json   what to grade and how: variant, tasks, seed, quick, limits, visibility
    points.toml       the --points file, if given
    hidden/           the hidden test data, if given (never mounted for the submission's code)
    plugins/          -p plugin files, if given

``run_autograder`` runs ``python -m rnnsuite.grading.gradescope ROOT``
(``ROOT`` is ``/autograder``, or ``$AUTOGRADER_ROOT``): the same
``batch.Batch`` as ``rnnsuite grade`` -- the submission in its own child
process with the timeout and the memory cap, scored here against the
targets.  Gradescope's container is the sandbox between students; where
bubblewrap cannot run inside it (the usual case) the child has no nested
sandbox, and ``results.json``'s ``output`` says so.
"""
from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from rnnsuite import __version__
from rnnsuite.errors import UserError, one_line
from rnnsuite.grading.points import Points

SETTINGS = "autograder.json"
POINTS = "points.toml"
VENV = "rnnsuite-venv"  # below ROOT, made by setup.sh
DATA = "rnnsuite-data"  # the data cache below ROOT, filled by setup.sh
#: said in every results.json graded without a nested sandbox
CONTAINER = ("graded in Gradescope's container without a nested sandbox (bubblewrap cannot run there): the "
             "container keeps this submission from the others, not from the autograder's files")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (the network is there).
# rnnsuite needs Python 3.11 or newer: choose the Ubuntu 24.04 base image (Python 3.12).
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{RNNSUITE_BASE_PYTHON:-python3}}"
if command -v apt-get >/dev/null; then
  apt-get update -q >/dev/null && apt-get install -y -q python3-venv python3-pip bubblewrap >/dev/null \\
    || echo "setup.sh: apt-get could not install python3-venv/bubblewrap; going on"
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup.sh: rnnsuite needs Python 3.11 or newer ($PYTHON is older): choose Gradescope's Ubuntu 24.04 image" >&2
  exit 1
fi
"$PYTHON" -m venv "$ROOT/{venv}"
"$ROOT/{venv}/bin/pip" install -q "$ROOT/source/{wheel}"
export RNNSUITE_DATA_DIR="$ROOT/{data}"
{fetch}
"$ROOT/{venv}/bin/rnnsuite" --version
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: /autograder/submission -> /autograder/results/results.json.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
export RNNSUITE_DATA_DIR="${{RNNSUITE_DATA_DIR:-$ROOT/{data}}}"
exec "${{RNNSUITE_PYTHON:-$ROOT/{venv}/bin/python}}" -m rnnsuite.grading.gradescope "$ROOT"
"""


def with_visibility(points: Points, visibility: str | None) -> Points:
    """``points`` with the results' default visibility set (``--visibility``); single tests keep their own."""
    if visibility is None:
        return points
    return replace(points, visibility={**points.visibility, "default": visibility})


# -- building the bundle (the instructor's machine) ---------------------------------------
def source_root() -> Path | None:
    """The folder rnnsuite is installed from (editable or a checkout), where a wheel can be built."""
    import rnnsuite

    root = Path(rnnsuite.__file__).resolve().parent.parent
    pyproject = root / "pyproject.toml"
    return root if pyproject.is_file() and 'name = "rnnsuite"' in pyproject.read_text(encoding="utf-8") else None


def build_wheel(folder: Path) -> Path:
    """This rnnsuite as a wheel in ``folder`` (``pip wheel --no-deps`` from the installed source)."""
    root = source_root()
    if root is None:
        raise UserError("rnnsuite is not installed from a source folder, so no wheel can be built here; "
                        f"pass one with --wheel rnnsuite-{__version__}-py3-none-any.whl")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(root)],
                          capture_output=True, text=True)
    wheels = sorted(folder.glob(f"rnnsuite-{__version__}-*.whl"))
    if done.returncode != 0 or not wheels:
        said = (done.stderr.strip().splitlines() or ["no wheel was written"])[-1]
        raise UserError(f"pip wheel could not build rnnsuite from {root}: {said}")
    return wheels[0]


def check_wheel(path: Path) -> Path:
    if not (path.is_file() and path.name.startswith(f"rnnsuite-{__version__}-") and path.suffix == ".whl"):
        raise UserError(f"--wheel {path}: give this version's wheel, rnnsuite-{__version__}-*.whl")
    return path


def bundle(out: Path, *, settings: dict[str, Any], datasets: list[str], wheel: Path, points: Path | None = None,
           hidden_paths: dict[str, Path] | None = None, hidden_folder: Path | None = None,
           plugins: tuple[str, ...] = ()) -> Path:
    """Write the autograder zip to ``out``.

    ``settings`` holds variant, tasks, seed, quick, full, epochs, timeout,
    memory_mb, visibility, stdout_visibility; ``datasets`` are prefetched
    by ``setup.sh``.  Hidden data, the points file and plugin files go in
    the zip; their paths there are written into ``autograder.json``.
    """
    settings = dict(settings)
    members: dict[str, Path] = {wheel.name: wheel}
    if points is not None:
        members[POINTS] = points
    settings["hidden"] = {}
    for name, path in (hidden_paths or {}).items():
        for file in [path, *sorted(p for p in path.rglob("*") if p.is_file())] if path.is_dir() else [path]:
            members[f"hidden/{name}/{file.relative_to(path.parent)}"] = file
        settings["hidden"][name] = f"hidden/{name}/{path.name}"
    if hidden_folder is not None:
        for file in sorted(p for p in hidden_folder.iterdir() if p.is_file()):
            members[f"hidden/arrays/{file.name}"] = file
        settings["hidden_arrays"] = "hidden/arrays"
    settings["plugins"] = []
    for i, spec in enumerate(plugins):
        if spec.endswith(".py") and Path(spec).is_file():
            members[f"plugins/p{i}_{Path(spec).name}"] = Path(spec)
            settings["plugins"].append(f"plugins/p{i}_{Path(spec).name}")
        else:
            settings["plugins"].append(spec)  # a module name: install it in the image too
    full = " --full" if settings.get("full") else ""
    fetch = (f'"$ROOT/{VENV}/bin/rnnsuite" data fetch{full} {" ".join(map(shlex.quote, datasets))}' if datasets
             else "# no data set to prefetch")
    scripts = {"setup.sh": SETUP_SH.format(venv=VENV, wheel=wheel.name, data=DATA, fetch=fetch),
               "run_autograder": RUN_AUTOGRADER.format(venv=VENV, data=DATA)}
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in scripts.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16  # executable, as Gradescope runs them
            z.writestr(info, text)
        z.writestr(SETTINGS, json.dumps(settings, indent=2))
        for name, path in members.items():
            z.write(path, name)
    return out


# -- grading one submission (inside Gradescope's container) ---------------------------------
def find_submission(folder: Path, variant: int) -> Path:
    """The student's upload: ``variantN.py`` (or ``.ipynb``), the only submission there, or the folder itself."""
    from rnnsuite.grading import batch

    if batch.is_submission(folder):
        return folder
    found = sorted(p for p in folder.iterdir() if batch.is_submission(p) and not p.name.startswith((".", "_")))
    named = [p for p in found if p.stem in (f"variant{variant}", f"variant{variant}_reference")]
    if len(named) == 1 or len(found) == 1:
        return (named or found)[0]
    seen = ", ".join(p.name for p in found) or "nothing gradable"
    raise UserError(f"upload variant{variant}.py (or a package folder with __init__.py); found: {seen}")


def results(root: Path) -> dict[str, Any]:
    """Grade ``root/submission`` as ``root/source/autograder.json`` says; the results.json document."""
    from rnnsuite.grading import batch, formats, sandbox
    from rnnsuite.manager import Manager

    source = root / "source"
    settings = json.loads((source / SETTINGS).read_text(encoding="utf-8"))
    plugins = tuple(str(source / p) if p.endswith(".py") else p for p in settings.get("plugins", []))
    registry = Manager().load(plugins).registry
    variant = registry.variant(int(settings["variant"]))
    tasks = settings.get("tasks") or []
    chosen = [a for a in variant.assignments if not tasks or a.number in tasks]
    points = with_visibility(Points.load(source / POINTS if (source / POINTS).is_file() else None),
                             settings.get("visibility"))
    try:
        submission = find_submission(root / "submission", variant.number)
    except UserError as exc:
        return {"score": 0.0, "output": str(exc), "visibility": points.visibility_of(),
                "stdout_visibility": settings.get("stdout_visibility", "hidden"), "tests": []}
    sandboxed = sandbox.problem() is None
    hidden_paths = {name: source / path for name, path in settings.get("hidden", {}).items()}
    arrays = settings.get("hidden_arrays")
    grading = batch.Batch(registry, chosen, batch.Settings(
        limits=sandbox.Limits(timeout=float(settings.get("timeout", 600)), memory_mb=int(settings.get("memory_mb",
                                                                                                     4096))),
        hidden_data=source / arrays if arrays else None, hidden_paths=hidden_paths, quick=bool(settings.get("quick")),
        seed=int(settings.get("seed", 0)), epochs=settings.get("epochs"), full=bool(settings.get("full")),
        plugins=plugins, sandboxed=sandboxed, secrets=(source, root / "results")))
    result = grading.run([("submission", submission)])[0]
    warnings = [] if hidden_paths or arrays else [formats.PUBLIC_TEST]
    if not sandboxed:
        warnings.insert(0, CONTAINER)
    document = formats.gradescope(points.apply(formats.cleaned(result)), points, warnings)
    document["output"] = document["output"].removeprefix(f"{formats.UNSANDBOXED}; ")  # said in CONTAINER
    document["stdout_visibility"] = settings.get("stdout_visibility", "hidden")
    return document


def main(argv: list[str]) -> int:
    """``run_autograder``: grade ``ROOT/submission`` into ``ROOT/results/results.json``.

    0 when the submission was graded (whatever its score), 1 when the
    autograder itself failed (a results.json still says why).
    """
    from rnnsuite.jsonio import write_json

    root = Path(argv[0] if argv else "/autograder")
    code = 0
    try:
        document = results(root)
    except Exception as exc:  # noqa: BLE001 - Gradescope shows results.json: it must say what went wrong
        document = {"score": 0.0, "tests": [], "output": f"the autograder could not grade this submission: "
                                                         f"{one_line(exc)}; tell your instructor"}
        code = 1
    (root / "results").mkdir(parents=True, exist_ok=True)
    write_json(root / "results" / "results.json", document)
    print(document["output"])
    for test in document.get("tests", []):
        print(f"{test['name']}: {test['score']:g}/{test['max_score']:g} {test['output']}")
    return code


def unpack(bundle_path: Path, root: Path) -> Path:
    """Lay a bundle out as Gradescope does: ``root/source`` and ``root/run_autograder`` (for tests and trials)."""
    with zipfile.ZipFile(bundle_path) as z:
        z.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    for folder in ("submission", "results"):
        (root / folder).mkdir(exist_ok=True)
    return root


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
