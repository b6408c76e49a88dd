"""``rnnsuite new-variant --variant N``: a copy of the skeleton plugin package, ready to install and edit.

The skeleton is real code kept in rnnsuite (``rnnsuite/skeleton/``, linted
and tested with the rest, as pluggy's ``eggsample-spam`` is): three
assignments that meet their own bars on the next hour's temperature.  The
copy is that package renamed ``rnnsuite_variantN`` with ``variant.NUMBER =
N``, its tests (``test_variant.py``, collected by rnnsuite's own test run)
moved to ``tests/`` and pointed at the copy, and a small pyproject.toml and
README.  Only those two lines change, so what is
tested here is what the author gets.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from string import Template

from rnnsuite.errors import UserError

SKELETON = Path(__file__).with_name("skeleton")
SKELETON_TESTS = SKELETON / "test_variant.py"
NUMBER_LINE = re.compile(r"^NUMBER = \d+$", re.M)
PLUGIN_LINE = re.compile(r'^PLUGIN = "rnnsuite\.skeleton"$', re.M)

PYPROJECT = Template('''\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "rnnsuite-variant$n"
version = "0.1.0"
description = "rnnsuite plugin: lab 7, variant $n"
requires-python = ">=3.11"
dependencies = ["rnnsuite"]

[project.optional-dependencies]
dev = ["pytest>=8"]

# rnnsuite finds the plugin through this entry-point group.
[project.entry-points.rnnsuite]
variant$n = "rnnsuite_variant$n"

[tool.setuptools]
packages = ["rnnsuite_variant$n"]

[tool.pytest.ini_options]
testpaths = ["tests"]
markers = [
    "slow: imports TensorFlow or trains on real data",
    "integration: uses the real default data sets (fetched once into the cache)",
]

# Imports as in rnnsuite itself: the host's modules in a block of their own.
[tool.ruff]
line-length = 120

[tool.ruff.lint.isort]
section-order = ["future", "standard-library", "third-party", "rnnsuite", "first-party", "local-folder"]

[tool.ruff.lint.isort.sections]
rnnsuite = ["rnnsuite"]
''')

README = Template('''\
# rnnsuite-variant$n

Lab 7, variant $n, as an rnnsuite plugin: three assignments (a scratch FRNN,
a Keras GRU, a custom cell) that forecast the next hour's temperature. It is
rnnsuite's skeleton: replace the task, the data and the networks with your
variant's, keeping the layout and the tests.

    pip install -e ".[dev]"
    rnnsuite list                      # v$n.1, v$n.2, v$n.3
    rnnsuite run --variant $n --quick   # seconds; without --quick, the real run
    python -m pytest -m "not slow"     # the package's own tests

`rnnsuite_variant$n/variant.py` holds the number; each assignment is one module
(`frnn_hourly.py`, `gru_hourly.py`, `mgu_hourly.py`) defining `ASSIGNMENT` and
`FACTORY`; `__init__.py` collects them. rnnsuite's `docs/plugins.md` documents
every hook and field.
''')


def new_variant(number: int, parent: Path) -> Path:
    """Write ``rnnsuite-variant<N>/`` under ``parent`` and return its path; nothing is left half-written."""
    if number < 1:
        raise UserError(f"a variant number is a positive integer, got {number}")
    root = parent / f"rnnsuite-variant{number}"
    if root.exists():
        raise UserError(f"{root} already exists; choose another folder with --out or remove it")
    parent.mkdir(parents=True, exist_ok=True)
    draft = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=parent))
    try:
        write_package(draft, number)
        draft.rename(root)
    except BaseException:
        shutil.rmtree(draft, ignore_errors=True)
        raise
    return root


def write_package(root: Path, number: int) -> None:
    package = root / f"rnnsuite_variant{number}"
    package.mkdir()
    for source in sorted(set(SKELETON.glob("*.py")) - {SKELETON_TESTS}):
        text = source.read_text(encoding="utf-8")
        if source.name == "variant.py":
            text = _replace_once(NUMBER_LINE, f"NUMBER = {number}", text, source)
        (package / source.name).write_text(text, encoding="utf-8")
    (root / "tests").mkdir()
    text = _replace_once(PLUGIN_LINE, f'PLUGIN = "{package.name}"', SKELETON_TESTS.read_text(encoding="utf-8"),
                         SKELETON_TESTS)
    (root / "tests" / f"test_variant{number}.py").write_text(text, encoding="utf-8")
    (root / "pyproject.toml").write_text(PYPROJECT.substitute(n=number), encoding="utf-8")
    (root / "README.md").write_text(README.substitute(n=number), encoding="utf-8")


def _replace_once(line: re.Pattern, new: str, text: str, source: Path) -> str:
    text, count = line.subn(new, text)
    if count != 1:  # the skeleton changed without this copier: a bug of rnnsuite's, not the user's
        raise RuntimeError(f"{source} must hold exactly one line matching {line.pattern!r}, found {count}")
    return text
