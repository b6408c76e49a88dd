"""One job as a worker runs it: the submission's files in, the sandboxed child's answers out, as bytes.

A job is one submission x one assignment.  The parent (``batch.Batch``)
builds the :class:`Job` -- the submission and ``-p`` plugin files as bytes,
the settings, the sandbox limits -- and the worker side, :func:`run_job`,
writes it into a fresh ``job/`` folder with ``Split.public()`` (never the
test targets), runs the child in the sandbox (``sandbox.run_limited``) and
collects what the child wrote in ``work/`` as :class:`Answers`: each file
read with the protocol's checks (no links, a plain file of the child's
uid, the size caps of ``protocol``), never decoded.  The parent scores
those answers itself (``batch.Batch.score``), so local grading (both sides
in one process) and a Dask worker on another machine (only this side) give
the same results, and the hidden labels never leave the parent.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from rnnsuite import __version__
from rnnsuite.grading import protocol, sandbox
from rnnsuite.paths import data_dir
from rnnsuite.types import Split

#: every file a child may write back, with the most the parent reads of it
ANSWER_FILES = {f"{protocol.STAGE}.json": protocol.MAX_JSON, f"{protocol.PROBE}.json": protocol.MAX_JSON,
                f"{protocol.PROBE}.npz": protocol.MAX_NPZ, f"{protocol.PREDICTIONS}.json": protocol.MAX_JSON,
                f"{protocol.PREDICTIONS}.npz": protocol.MAX_NPZ, f"{protocol.STRUCTURE}.json": protocol.MAX_JSON,
                f"{protocol.TRAINED}.npz": protocol.MAX_NPZ}


#: Held wherever the parent builds Python ASTs while jobs are scored in threads: numpy parses every .npy
#: header with ast.literal_eval, provenance parses the submission's source, and CPython 3.11's AST
#: conversion shares one recursion counter between threads (a SystemError, "AST constructor recursion
#: depth mismatch", for about 1 submission in 30 scored concurrently)
PARSING = threading.Lock()


class WorkerMismatch(RuntimeError):
    """This worker cannot run the job: another rnnsuite version, or no sandbox here (one line)."""


@dataclass(frozen=True)
class Files:
    """A submission (a .py file or a package folder) or a plugin file, as bytes.

    Links stay links and point where they pointed (inside the sandbox, that
    is the sandbox's view); anything but files, folders and links (a FIFO,
    a socket) is left out.
    """

    name: str  # the file or folder name, kept so that tracebacks name the student's own file
    entries: tuple[tuple[str, str, bytes], ...]  # (path relative to the parent, "file" | "dir" | "link", content)

    @classmethod
    def read(cls, path: Path) -> "Files":
        entries = []
        for p in [path, *_inside(path)]:
            rel, mode = str(p.relative_to(path.parent)), os.lstat(p).st_mode
            if stat.S_ISLNK(mode):
                entries.append((rel, "link", os.readlink(p).encode()))
            elif stat.S_ISDIR(mode):
                entries.append((rel, "dir", b""))
            elif stat.S_ISREG(mode):
                entries.append((rel, "file", p.read_bytes()))
        return cls(path.name, tuple(entries))

    def write(self, folder: Path) -> Path:
        """Lay the files out in ``folder``; returns the submission's (or plugin's) own path there."""
        for rel, kind, content in self.entries:
            target = folder / rel
            if kind == "dir":
                target.mkdir(parents=True, exist_ok=True)
            elif kind == "link":
                target.symlink_to(content.decode())
            else:
                target.write_bytes(content)
        return folder / self.name


@dataclass(frozen=True)
class Job:
    """What a worker needs for one submission x assignment; the split travels apart (``run_job``)."""

    assignment: str
    submission: Files
    plugins: tuple[str | Files, ...]  # the parent's -p plugins: module names, or files the child loads
    seed: int
    quick: bool
    epochs: int | None
    probe_seed: int | None
    limits: sandbox.Limits
    sandboxed: bool
    secrets: tuple[str, ...]  # the parent's paths to hide from the child (hidden data, results folder)
    version: str = __version__


@dataclass
class Answers:
    """What one child left: how it ended, and its answer files as bytes (or why each was refused)."""

    child: sandbox.ChildRun
    files: dict[str, bytes] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # file name -> the protocol's one-line reason
    seconds: float = 0.0  # the worker's wall time for the job

    @contextlib.contextmanager
    def unpacked(self) -> Iterator["Unpacked"]:
        """The answers in a fresh folder of the parent's, read through the protocol's readers."""
        folder = Path(tempfile.mkdtemp(prefix="rnnsuite-answers-"))
        try:
            for name, data in self.files.items():
                if name in ANSWER_FILES:
                    (folder / name).write_bytes(data)
            yield Unpacked(folder, self.refused)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Unpacked:
    """Reading the answers: the protocol's hostile-input checks, and the worker's refusals kept."""

    folder: Path
    refused: dict[str, str]

    def _check(self, *names: str) -> None:
        for name in names:
            if name in self.refused:
                raise protocol.AnswerError(self.refused[name])

    def json(self, name: str) -> Any:
        self._check(f"{name}.json")
        return protocol.read_json(self.folder, name)

    def arrays(self, name: str) -> dict[str, Any]:
        """The arrays of ``<name>.npz``; none when the child wrote none."""
        self._check(f"{name}.npz")
        if not (self.folder / f"{name}.npz").exists():
            return {}
        with PARSING:
            return protocol.read_arrays(self.folder, name)

    def predictions(self, test_inputs: Any) -> Any:
        self._check(f"{protocol.PREDICTIONS}.json", f"{protocol.PREDICTIONS}.npz")
        with PARSING:
            return protocol.read_predictions(self.folder, test_inputs)


def _inside(folder: Path) -> list[Path]:
    """Everything below a folder, links to folders not followed."""
    if folder.is_symlink() or not folder.is_dir():
        return []
    return sorted(Path(root) / name for root, dirs, files in os.walk(folder) for name in dirs + files)


def collect(work: Path, owner: int | None) -> tuple[dict[str, bytes], dict[str, str]]:
    """The child's answer files as bytes, each checked as ``protocol`` checks it; the others refused."""
    files, refused = {}, {}
    for name, limit in ANSWER_FILES.items():
        try:
            files[name] = protocol._read_bytes(work / name, owner, limit)  # the same checks as any read
        except protocol.AnswerError as exc:
            if str(exc) != f"no {name}":
                refused[name] = str(exc)
    return files, refused


def _write_job(job: Job, split: Split, folder: Path) -> None:
    (folder / "src").mkdir(parents=True)
    job.submission.write(folder / "src")
    plugins = []
    for i, plugin in enumerate(job.plugins):
        if isinstance(plugin, Files):
            (folder / "plugins" / f"p{i}").mkdir(parents=True)
            plugins.append(str(plugin.write(folder / "plugins" / f"p{i}")))
        else:
            plugins.append(plugin)
    protocol.write_job(folder, {
        "assignment": job.assignment, "submission": f"src/{job.submission.name}", "plugins": plugins,
        "seed": job.seed, "quick": job.quick, "epochs": job.epochs, "split": split, "probe_seed": job.probe_seed})


def run_job(job: Job, split: Split) -> Answers:
    """The worker's side of one job: the child run in the sandbox here, its answers as bytes.

    ``split`` must be ``Split.public()``.  Never raises for what the child
    does; raises :class:`WorkerMismatch` where this machine cannot grade.
    """
    if job.version != __version__:
        raise WorkerMismatch(f"this worker has rnnsuite {__version__}, the grading parent rnnsuite {job.version}: "
                             "install the same version on every worker")
    if split.test_targets is not None:
        raise ValueError("a job's split must be Split.public(): the test targets never leave the parent")
    if job.sandboxed and (why := sandbox.problem()):
        raise WorkerMismatch(f"no sandbox on this worker: {why}")
    started = time.perf_counter()
    base = Path(tempfile.mkdtemp(prefix="rnnsuite-child-"))
    try:
        folder, work = base / "job", base / "work"
        work.mkdir()
        _write_job(job, split, folder)
        cmd = [sys.executable, "-I", "-m", "rnnsuite.grading.child", str(work), str(folder)]
        child = sandbox.run_limited(cmd, work, job.limits, sandboxed=job.sandboxed, readonly=[folder],
                                    secrets=[*map(Path, job.secrets), data_dir()])
        files, refused = collect(work, child.owner)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return Answers(child, files, refused, round(time.perf_counter() - started, 3))
