"""The hooks of rnnsuite: everything a plugin can contribute or observe.

A plugin is a module (or object) with functions named like the hooks below,
decorated with ``rnnsuite.hookimpl``.  Built-in variants, datasets, graders
and reporters are plugins too, loaded through the same entry-point group
``rnnsuite`` as a third-party package::

    # pyproject.toml of a plugin package
    [project.entry-points.rnnsuite]
    variant7 = "rnnsuite_variant7"

    # rnnsuite_variant7/__init__.py
    from rnnsuite import hookimpl

    @hookimpl
    def rnnsuite_add_variants() -> list[Variant]:
        return [Variant(7, "...", assignments=(...))]

Contribution hooks (``rnnsuite_add_*``) return lists; the host calls them
through pluggy one plugin at a time, so one broken plugin is reported and
skipped without hiding the others (wrappers still wrap every call).
Lifecycle hooks are broadcast to every plugin that implements them
(reporters) in pluggy's usual order.  ``docs/plugins.md`` is the guide.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from rnnsuite.types import Assignment, Dataset, Grader, ModelFactory, RunResult, Variant

PROJECT = "rnnsuite"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def rnnsuite_add_datasets() -> list[Dataset]:
    """Contribute data sets.

    :return: a list of :class:`rnnsuite.types.Dataset`, each with its data
        card and loader.
    """


@hookspec
def rnnsuite_add_models() -> list[ModelFactory]:
    """Contribute model factories.

    :return: a list of :class:`rnnsuite.types.ModelFactory`.  An assignment
        names the factory it trains; a submission replaces it by providing a
        factory with the same name.
    """


@hookspec
def rnnsuite_add_variants() -> list[Variant]:
    """Contribute lab variants.

    :return: a list of :class:`rnnsuite.types.Variant`, each holding its
        assignments.  Variant numbers are unique across all plugins.
    """


@hookspec
def rnnsuite_add_graders() -> list[Grader]:
    """Contribute graders.

    :return: a list of :class:`rnnsuite.types.Grader`; every grader whose
        ``applies(assignment)`` is true grades that assignment.
    """


@hookspec
def rnnsuite_run_started(variant: Variant, assignments: list[Assignment], out_dir: Path, seed: int,
                         quick: bool) -> None:
    """A run of one or more assignments is about to start.

    :param variant: the :class:`~rnnsuite.types.Variant` being run.
    :param assignments: the assignments that will run, in order.
    :param out_dir: the run folder (a :class:`pathlib.Path`).
    :param seed: the run's seed.
    :param quick: whether this is a ``--quick`` smoke run.
    """


@hookspec
def rnnsuite_assignment_started(assignment: Assignment, epochs: int) -> None:
    """One assignment starts training.

    :param assignment: the :class:`~rnnsuite.types.Assignment`.
    :param epochs: the number of epochs it will train for (0 when the
        network is not trained epoch by epoch, e.g. Hopfield or ridge).
    """


@hookspec
def rnnsuite_batch_ended(assignment: str, batch: int, batches: int) -> None:
    """A mini-batch finished (for progress bars within an epoch).

    :param assignment: the assignment's id (``"v5.1"``).
    :param batch: batches done in this epoch, from 1.
    :param batches: batches per epoch.
    """


@hookspec
def rnnsuite_epoch_ended(assignment: str, epoch: int, epochs: int, logs: dict[str, float]) -> None:
    """An epoch finished.

    :param assignment: the assignment's id (``"v5.1"``).
    :param epoch: epochs done, from 1.
    :param epochs: the planned number of epochs (training may stop early).
    :param logs: a dict of floats, e.g. ``{"loss": 0.41, "val_loss": 0.45}``.
    """


@hookspec
def rnnsuite_assignment_finished(result: RunResult) -> None:
    """One assignment finished, passed, failed its bars or raised.

    :param result: the :class:`~rnnsuite.types.RunResult`.
    """


@hookspec
def rnnsuite_run_finished(results: list[RunResult], out_dir: Path) -> None:
    """The run is over.

    :param results: the list of :class:`~rnnsuite.types.RunResult`, in order.
    :param out_dir: the run folder.
    """
