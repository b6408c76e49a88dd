"""Notebook submissions: a Jupyter or Colab notebook's code cells, run in order as the submission module.

Only code runs: markdown is skipped, and lines Python cannot run outside
IPython are dropped with a note for the student's report: line magics
(``%timeit``), cell magics (a cell starting with ``%%``, dropped whole) and
shell escapes (``!pip install ...``, ``x = !ls``).  Each cell is compiled
with its own file name, ``alice.ipynb, cell 3``, so a syntax error or a
traceback names the cell and the student's own line in it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 20 * 2**20  # a notebook larger than this is refused, not parsed
#: a line IPython would treat as a magic or a shell escape (also ``x = !ls``)
IPYTHON_LINE = re.compile(r"^\s*(%|!)|^\s*[\w.,\s]+=\s*[!%]")


class NotebookError(Exception):
    """The notebook cannot be read (one line)."""


@dataclass
class Cell:
    number: int  # 1-based, counting every cell of the notebook (as Jupyter shows them)
    source: str  # runnable Python, IPython lines blanked (line numbers kept)
    dropped: list[str] = field(default_factory=list)  # notes: what was not run, and why


def read(path: Path) -> Any:
    """The notebook (nbformat v4), validated; one line on any problem."""
    try:
        import nbformat
    except ImportError:
        raise NotebookError('reading notebooks needs nbformat: pip install "rnnsuite[notebook]"') from None
    if path.stat().st_size > MAX_BYTES:
        raise NotebookError(f"{path.name} is larger than {MAX_BYTES // 2**20} MiB")
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception as exc:  # noqa: BLE001 - JSON errors, schema errors, encodings
        raise NotebookError(f"{path.name} is not a readable notebook ({type(exc).__name__}: "
                            f"{' '.join(str(exc).split())[:200]})") from None


def code_cells(path: Path) -> list[Cell]:
    """The code cells of the notebook, in order, with IPython-only lines dropped (and noted)."""
    cells = []
    for number, cell in enumerate(read(path).cells, 1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if source.lstrip().startswith("%%"):
            first = source.lstrip().splitlines()[0]
            cells.append(Cell(number, "", [f"cell {number}: the cell magic {first.split()[0]} was not run"]))
            continue
        lines, dropped = [], []
        for i, line in enumerate(source.splitlines(), 1):
            if IPYTHON_LINE.match(line) and not _is_python(line):
                what = "shell escape" if "!" in line.split("%")[0] else "magic"
                dropped.append(f"cell {number}, line {i}: the {what} {line.strip()[:60]!r} was not run")
                lines.append("")  # keep the numbering of the student's lines
            else:
                lines.append(line)
        cells.append(Cell(number, "\n".join(lines), dropped))
    return cells


def _is_python(line: str) -> bool:
    """``a = b % c`` or ``x != y`` are Python, not IPython."""
    try:
        compile(line.strip(), "<line>", "exec")
        return True
    except SyntaxError:
        return False


def notes_of(submission: Path) -> list[str]:
    """What of a submission was not run, for the student's report: a notebook's magics and shell escapes.

    [] for a .py file or a package, and for a notebook that cannot be read
    (running it fails, and that failure is the report).
    """
    if submission.suffix != ".ipynb":
        return []
    try:
        return [note for cell in code_cells(submission) for note in cell.dropped]
    except NotebookError:
        return []


def source(path: Path) -> str:
    """The notebook's runnable code as one Python text (for reading, e.g. the provenance check)."""
    return "\n\n".join(cell.source for cell in code_cells(path))


def execute(path: Path, namespace: dict[str, Any]) -> None:
    """Run the code cells in ``namespace``, each compiled as ``NAME.ipynb, cell N``.

    :raises SyntaxError: with the cell in its file name and the student's line.
    """
    cells = code_cells(path)
    if not any(cell.source.strip() for cell in cells):
        raise NotebookError(f"{path.name} has no code to run")
    for cell in cells:
        exec(compile(cell.source, f"{path.name}, cell {cell.number}", "exec"), namespace)  # noqa: S102
