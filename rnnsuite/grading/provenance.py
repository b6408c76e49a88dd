"""Where a submission's code comes from: does it borrow the suite's own scratch engine?

A scratch assignment asks for the student's own forward pass and BPTT; a
submission that imports ``rnnsuite.scratch`` (the reference FRNN, its
losses, its gradient check) would get the gradient items for code it did
not write.  The parent reads the submission's source files as text (it
never imports them) and reports every import of the engine it finds.
Obfuscated imports (a module name built at run time) are not found: that
is plain cheating, for a human to see in the code.
"""
from __future__ import annotations

import ast
from pathlib import Path

ENGINE = "rnnsuite.scratch"
MAX_FILES = 200
MAX_BYTES = 2 * 2**20


def _sources(path: Path) -> list[Path]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in (".py", ".ipynb"))
    return [p for p in files[:MAX_FILES] if p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_BYTES]


def _borrowings(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and f"{node.value.id}.{node.attr}" == ENGINE:
            names = [ENGINE]
        found += [(name, getattr(node, "lineno", 0)) for name in names
                  if name == ENGINE or name.startswith(ENGINE + ".")]
    return found


def _text(source: Path) -> bytes | str:
    """A Python file's bytes, or a notebook's runnable code cells."""
    if source.suffix != ".ipynb":
        return source.read_bytes()
    from rnnsuite.grading import notebook

    try:
        return notebook.source(source)
    except notebook.NotebookError:
        return ""


def engine_imports(path: Path) -> str:
    """'' when the submission does not use ``rnnsuite.scratch``, else where it does (one line)."""
    hits = []
    for source in _sources(path):
        try:
            tree = ast.parse(_text(source), filename=source.name)
        except (SyntaxError, ValueError):
            continue  # a file that does not parse cannot import anything
        hits += [f"{name} ({source.name}, line {line})" for name, line in _borrowings(tree)]
    return ", ".join(dict.fromkeys(hits))[:300]
