"""What an assignment's routines get: the run's settings and its event relay."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from rnnsuite.types import Assignment


@dataclass
class RunContext:
    """Settings of one assignment's run, plus helpers the routines share.

    ``quick`` asks for a small slice of data and few epochs (seconds, for a
    smoke check); ``epochs`` overrides the assignment's default; ``full``
    asks for the full-size canonical data set; ``data_paths`` maps dataset
    names to files the user named with ``--data NAME=PATH``;
    ``hidden_paths`` (grading only) maps them to the instructor's hidden test
    files, read through ``load_hidden``.
    """

    assignment: Assignment
    out_dir: Path
    seed: int = 0
    quick: bool = False
    epochs_override: int | None = None
    full: bool = False
    data_paths: dict[str, Path] = field(default_factory=dict)
    hidden_paths: dict[str, Path] = field(default_factory=dict)  # grading: the instructor's hidden test files
    registry: Any = None  # rnnsuite.manager.Registry
    hook: Any = None  # pluggy hook relay, or None in unit tests
    info: dict[str, Any] = field(default_factory=dict)  # facts to put in result.json
    history: dict[str, list[float]] = field(default_factory=dict)  # per-epoch curves, see record_history

    @property
    def epochs(self) -> int:
        if self.epochs_override is not None:
            return self.epochs_override
        return self.assignment.quick_epochs if self.quick else self.assignment.epochs

    def rng(self, salt: int = 0) -> np.random.Generator:
        """A generator seeded from the run's seed (and a salt, for independent streams)."""
        return np.random.default_rng([self.seed, salt])

    def load(self, name: str) -> Any:
        """Load a data set by name, from the user's path, the cache or its default source."""
        if name not in self.registry.datasets:
            from rnnsuite.errors import DataError

            known = ", ".join(sorted(self.registry.datasets)) or "none"
            raise DataError(f"no loaded plugin provides the data set {name!r}; loaded: {known}")
        dataset = self.registry.dataset(name)
        path = self.data_paths.get(name)
        source = str(path) if path else "full" if self.full and dataset.full_source else "default"
        if self.full and not path and not dataset.full_source:
            source = "default (it has no full-size source)"
        self.info.setdefault("data", {})[name] = source  # goes into result.json
        return dataset.load(path=path, full=self.full)

    def load_hidden(self, name: str) -> Any | None:
        """The instructor's hidden test records for data set ``name``, or None.

        When grading with ``--hidden-data NAME=PATH``, the file is in the data
        set's own format (what ``--data`` takes) and is read by its own
        loader.  A ``prepare`` routine that gets records here trains on all
        of ``load(name)`` and encodes these records, with the training
        block's vocabulary and statistics, as the test block.  Students'
        children never see the file or its path.
        """
        path = self.hidden_paths.get(name)
        if path is None:
            return None
        self.info["hidden_data"] = sorted(self.hidden_paths)
        return self.registry.dataset(name).load(path=path, full=False)

    def path(self, name: str) -> Path:
        """A path for an artifact in this assignment's folder."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        return self.out_dir / name

    def record_history(self, history: Mapping[str, Sequence[float]]) -> None:
        """Keep the per-epoch curves of training (``loss``, ``val_loss``, Keras's other logs).

        They go into ``result.json``, and the pipeline plots ``loss`` and
        ``val_loss`` as the ``history`` artifact.
        """
        self.history = {str(k): [float(v) for v in values] for k, values in history.items()}

    # -- events (reporters listen) ------------------------------------------
    def epoch_ended(self, epoch: int, epochs: int, logs: dict[str, float]) -> None:
        if self.hook is not None:
            clean = {k: float(v) for k, v in logs.items()}
            self.hook.rnnsuite_epoch_ended(assignment=self.assignment.id, epoch=epoch, epochs=epochs, logs=clean)

    def batch_ended(self, batch: int, batches: int) -> None:
        if self.hook is not None:
            self.hook.rnnsuite_batch_ended(assignment=self.assignment.id, batch=batch, batches=batches)
