"""The import graph: the host never reaches into the datasets plugin's internals, and nothing imports in a loop."""
from __future__ import annotations

import ast
import collections
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"rnnsuite": "rnnsuite", "plugins": "rnnsuite.plugins", "graders": "rnnsuite.graders",
           "datasets": "rnnsuite.datasets"}
HOST_ONLY = ("rnnsuite.plugins", "rnnsuite.graders", "rnnsuite.datasets")


def modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = [p for p in path.relative_to(ROOT / folder).with_suffix("").parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


def graph(known: dict[str, Path], everywhere: bool = False) -> dict[str, set[str]]:
    """Module -> the known modules it imports (module level only, unless ``everywhere``)."""
    edges = collections.defaultdict(set)
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in (ast.walk(tree) if everywhere else tree.body):
            targets = []
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")
                if node.level:
                    base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
                subs = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in known]
                targets = subs or [module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            edges[name] |= {t for t in targets if t in known and t != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(u: str, stack: list[str]) -> None:
        state[u] = 1
        stack.append(u)
        for v in sorted(edges[u]):
            if state.get(v) == 1:
                found.append(stack[stack.index(v):] + [v])
            elif not state.get(v):
                visit(v, stack)
        stack.pop()
        state[u] = 2

    for u in sorted(edges):
        if not state.get(u):
            visit(u, [])
    return found


def test_no_module_imports_in_a_loop():
    assert cycles(graph(modules())) == []
    assert cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]  # the check finds one


def test_the_host_never_imports_the_datasets_plugin():
    edges = graph(modules(), everywhere=True)  # function-level imports too
    host = [m for m in edges if m.startswith("rnnsuite.") and not m.startswith(HOST_ONLY)]
    reaching = sorted((m, t) for m in host for t in edges[m] if t.startswith("rnnsuite.datasets"))
    assert reaching == []
