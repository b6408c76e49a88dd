"""rnnsuite from Python, e.g. a Jupyter or Colab notebook: the command line's own implementation.

    from rnnsuite import api
    results = api.run(variant=5, task=1, quick=True)   # list of RunResult: metrics, bars, artifacts
    api.info("v5.2")                                   # the document of `rnnsuite info v5.2 --json`
    api.list()                                         # the document of `rnnsuite list --json`

``run`` shows the same progress and table as ``rnnsuite run`` (rich renders
them in Jupyter, plain text elsewhere) and, in a notebook, displays the
run's plots inline.  Bad arguments raise :class:`rnnsuite.errors.UserError`
with the one-line message the command line prints.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from rnnsuite.types import RunResult

Warn = Callable[[str], None]


def _manager(plugins: Iterable[str] = (), warn: Warn | None = None):
    from rnnsuite.kerasutil import quiet_tensorflow
    from rnnsuite.manager import Manager

    quiet_tensorflow()
    return Manager(warn=warn).load(tuple(plugins))


def list(plugins: Iterable[str] = ()) -> dict[str, Any]:  # noqa: A001 - the command's name
    """Every variant, assignment, data set, model and grader the installed plugins contribute."""
    from rnnsuite.cli.catalog import catalog

    return catalog(_manager(plugins).registry)


def info(ident: str, plugins: Iterable[str] = ()) -> dict[str, Any]:
    """One assignment (``"v5.2"``): its task in English and Russian, data, model, metrics, bars."""
    from rnnsuite.cli.catalog import assignment_info
    from rnnsuite.cli.common import parse_assignment_id

    registry = _manager(plugins).registry
    return assignment_info(registry, *parse_assignment_id(ident, registry))


def run(variant: int, task: int | Iterable[int] = (), *, quick: bool = False, seed: int = 0,
        epochs: int | None = None, full: bool = False, data: Mapping[str, str | Path] | Iterable[str] = (),
        out: str | Path | None = None, plugins: Iterable[str] = (), manager: Any = None,
        warn: Warn | None = None, show: bool | None = None,
        created: Callable[[Path], None] | None = None) -> list[RunResult]:
    """Train and evaluate a variant's assignments, as ``rnnsuite run`` does; returns their results.

    ``task`` picks assignments (all by default); ``data`` maps data set names
    to your own files (or is a list of ``"NAME=PATH"``, as ``--data`` takes);
    ``out`` is a new or empty run folder (default ``runs/<time>-v<N>``),
    reported to ``created`` once it exists.  ``show`` displays the plots
    inline (default: when running in a notebook).
    """
    from rnnsuite import runner
    from rnnsuite.cli.common import new_output_folder, parse_data_paths, select_assignments

    if seed < 0:
        from rnnsuite.errors import UserError

        raise UserError(f"seed must be a non-negative integer, got {seed}")
    manager = manager or _manager(plugins, warn)
    registry = manager.registry
    tasks = (task,) if isinstance(task, int) else tuple(task)
    v, chosen = select_assignments(registry, variant, tasks)
    items = tuple(f"{k}={p}" for k, p in data.items()) if isinstance(data, Mapping) else tuple(data)
    data_paths = parse_data_paths(items, set(registry.datasets))
    used = {name for a in chosen for name in a.datasets}
    for name in sorted(set(data_paths) - used):
        if warn:
            warn(f"--data {name}: no chosen assignment uses this data set; ignored (rnnsuite info shows each "
                 "assignment's data)")
    out_dir = new_output_folder(Path(out) if out is not None else None, lambda: runner.default_out_dir(v))
    if created:
        created(out_dir)
    results = runner.run(manager, v, chosen, out_dir=out_dir, seed=seed, quick=quick, epochs=epochs, full=full,
                         data_paths=data_paths)
    if show if show is not None else in_notebook():
        display_plots(results)
    return results


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (Colab included)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ in ("ZMQInteractiveShell", "Shell")


def display_plots(results: list[RunResult]) -> None:
    """Every PNG artifact of the results, inline in the notebook, under its assignment and name."""
    from IPython.display import Image, Markdown, display

    for r in results:
        for name, path in r.artifacts.items():
            if str(path).endswith(".png") and Path(path).is_file():
                display(Markdown(f"**{r.assignment}**: {name}"), Image(filename=str(path)))
