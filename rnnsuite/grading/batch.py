"""Grading a batch: every submission x assignment in its own limited child, in parallel.

The parent prepares each assignment's data once (``pipeline.prepare``),
hands each child only ``Split.public()``, and builds each grader's
:class:`~rnnsuite.types.Outcome` from what it checks itself: the
predictions scored against the (possibly hidden) test targets
(``pipeline.evaluate``); for a scratch model, the probe's answers checked
against the parent's reference FRNN, and the metrics of the course's FRNN
holding the trained parameters.  Nothing a child does raises here: a child
that hangs, crashes or floods its output costs only its own items, each
with a one-line reason.

Each job has two sides (``jobs``): a worker's, which runs the sandboxed
child and sends back the files it wrote as bytes (``jobs.run_job``), and
the parent's, which reads them with the protocol's checks and scores them
(``Batch.score``).  Grading here runs both in this process; on a Dask
cluster (``cluster``) the workers run the first and this process scores
every job itself, so the results are the same and the targets stay here.
"""
from __future__ import annotations

import contextlib
import secrets
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rnnsuite import __version__, pipeline
from rnnsuite.context import RunContext
from rnnsuite.errors import UserError, one_line
from rnnsuite.grading import jobs, notebook, probe, protocol, provenance, sandbox
from rnnsuite.grading.hidden import with_hidden
from rnnsuite.grading.results import AssignmentResult, SubmissionResult
from rnnsuite.grading.scoring import grade_items
from rnnsuite.paths import data_dir
from rnnsuite.types import Assignment, Outcome, Split


@dataclass
class Settings:
    jobs: int = 1
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    hidden_data: Path | None = None  # a folder of v5.1.npz ... (test arrays per assignment)
    hidden_paths: dict[str, Path] = field(default_factory=dict)  # data set -> the instructor's raw test file
    quick: bool = False
    seed: int = 0
    epochs: int | None = None
    full: bool = False  # the full-size canonical data sets (--full), prepared in the parent
    plugins: tuple[str, ...] = ()  # the parent's -p plugins: the child loads them too
    data_paths: dict[str, Path] = field(default_factory=dict)
    sandboxed: bool = True  # False: --no-sandbox, children run unconfined (results marked so)
    secrets: tuple[Path, ...] = ()  # more folders to hide from children (the output folder)
    isolation: str | None = None  # how children are confined where they run: a cluster's workers say; None: here


#: a submission is one of these files, or a package folder with __init__.py
SUBMISSION_FILES = (".py", ".ipynb")


def is_submission(path: Path) -> bool:
    return (path.is_file() and path.suffix in SUBMISSION_FILES) or (path.is_dir() and (path / "__init__.py").is_file())


def not_submissions(paths: list[Path]) -> list[Path]:
    """What a folder of submissions holds that will not be graded (worth a warning)."""
    return [p for path in paths if path.is_dir() and not is_submission(path) for p in sorted(path.iterdir())
            if not p.name.startswith((".", "_")) and not is_submission(p)]


def discover(paths: list[Path]) -> list[tuple[str, Path]]:
    """(student, path) pairs: a PATH that is a submission is one; a folder of them is one each."""
    found: list[tuple[str, Path]] = []
    for path in paths:
        if not path.exists():
            raise UserError(f"no such file or folder: {path}")
        if is_submission(path):
            found.append((path.stem if path.is_file() else path.name, path))
        elif path.is_dir():
            found += [(p.stem if p.is_file() else p.name, p) for p in sorted(path.iterdir())
                      if is_submission(p) and not p.name.startswith((".", "_"))]
        else:
            raise UserError(f"{path} is not a submission (.py or .ipynb file, or package folder) nor a folder of them")
    names = [n for n, _ in found]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UserError(f"two submissions share the student name {dupes[0]!r}")
    if not found:
        raise UserError("no submissions found (each is a .py or .ipynb file, or a folder with __init__.py)")
    return found


class Batch:
    """One grading session: the assignments' data, prepared once, and the children."""

    def __init__(self, registry, assignments: list[Assignment], settings: Settings):
        self.registry, self.assignments, self.settings = registry, assignments, settings
        if settings.isolation is None:  # the children run here
            sandbox.require(settings.sandboxed)
            self.isolation = sandbox.describe(settings.sandboxed)
            self.warning = sandbox.warning(settings.sandboxed)
        else:  # on a cluster's workers, each checked there (jobs.run_job)
            self.isolation, self.warning = settings.isolation, None
        # hidden even where a folder mounted for the child (the interpreter's, say) holds them
        self.secrets = tuple(p for p in (settings.hidden_data, *settings.hidden_paths.values(), data_dir(),
                                         *settings.secrets) if p is not None)
        unused = sorted(set(settings.hidden_paths) - {name for a in assignments for name in a.datasets})
        if unused:
            raise UserError(f"--hidden-data {unused[0]}: no graded assignment uses this data set")
        self.info = self.grading_info()
        self.splits: dict[str, Split] = {}
        self.broken: dict[str, str] = {}  # assignments whose data could not be prepared
        for a in assignments:
            try:
                split = pipeline.prepare(self._ctx(a))
            except UserError:
                raise  # the instructor's data or arguments: stop before grading anyone
            except Exception as exc:  # noqa: BLE001 - the suite's own bug costs no student points
                self.broken[a.id] = f"the assignment could not be prepared: {one_line(exc)}"
                continue
            if settings.hidden_data is not None:
                split = with_hidden(split, settings.hidden_data, a.id)
            self.splits[a.id] = split
        self.public = {ident: split.public() for ident, split in self.splits.items()}  # what workers get

    def _ctx(self, a: Assignment) -> RunContext:
        s = self.settings
        return RunContext(assignment=a, out_dir=Path(tempfile.gettempdir()) / "rnnsuite-grade-parent",
                          seed=s.seed, quick=s.quick, epochs_override=s.epochs, full=s.full,
                          data_paths=dict(s.data_paths), registry=self.registry,
                          hidden_paths={k: v for k, v in s.hidden_paths.items() if k in a.datasets})

    def grading_info(self) -> dict:
        """How this batch grades (goes with every result: the gradebook shows it per assignment)."""
        from datetime import datetime

        s = self.settings
        hidden = bool(s.hidden_data or s.hidden_paths)
        return {"date": datetime.now().strftime("%Y-%m-%d %H:%M"), "seed": s.seed, "quick": s.quick, "full": s.full,
                "epochs": s.epochs, "hidden": hidden,
                "test_data": ("hidden: " + ", ".join([*([s.hidden_data.name] if s.hidden_data else []),
                                                      *sorted(s.hidden_paths)]) if hidden else
                              "public: the test split of public data"),
                "sandbox": self.isolation, "rnnsuite": __version__}

    # -- one job: the worker's side runs the child, the parent's side scores it --------------
    def job(self, submission: Path, a: Assignment) -> jobs.Job:
        """What a worker gets to grade ``submission`` on ``a``: no test targets, no hidden paths' contents."""
        plugins = tuple(jobs.Files.read(Path(spec)) if spec.endswith(".py") and Path(spec).is_file() else spec
                        for spec in self.settings.plugins)
        return jobs.Job(
            assignment=a.id, submission=jobs.Files.read(submission), plugins=plugins, seed=self.settings.seed,
            quick=self.settings.quick, epochs=self.settings.epochs,
            probe_seed=secrets.randbits(31) if a.kind == "scratch" else None,  # new questions for every submission
            limits=self.settings.limits, sandboxed=self.settings.sandboxed, secrets=tuple(map(str, self.secrets)))

    def grade_one(self, submission: Path, a: Assignment) -> AssignmentResult:
        """Both sides in this process: the child run here (``jobs.run_job``), then scored (``score``)."""
        if a.id in self.broken:  # not the student's fault: no items, no points lost
            return AssignmentResult(a.id, "error", self.broken[a.id])
        job = self.job(submission, a)
        return self.score(submission, a, job, jobs.run_job(job, self.public[a.id]))

    def score(self, submission: Path, a: Assignment, job: jobs.Job, answers: jobs.Answers) -> AssignmentResult:
        """The parent's side: a job's answers, from this machine or a worker's, scored against the targets."""
        started = time.perf_counter()
        with answers.unpacked() as got:
            result = self._score(got, answers.child, submission, a, self.splits[a.id], job.probe_seed)
        result.seconds = round(answers.seconds + time.perf_counter() - started, 3)
        result.graded = dict(self.info)
        return result

    def _score(self, got: jobs.Unpacked, child: sandbox.ChildRun, submission: Path, a: Assignment, split: Split,
               probe_seed: int | None) -> AssignmentResult:
        result = AssignmentResult(a.id, output=(child.stdout + child.stderr)[-2000:])
        try:
            stage = got.json(protocol.STAGE)
            stage = stage if isinstance(stage, dict) else {}
        except protocol.AnswerError:
            stage = {}
        where = str(stage.get("stage", "starting"))[:40]
        error = str(stage.get("error") or "")[:500]
        killed = child.reason(self.settings.limits.timeout)
        if child.timed_out:
            result.status, result.reason = "timeout", f"{killed} (while {where})"
        elif "MemoryError" in error or child.oom_killed or (child.returncode is not None and child.returncode < 0):
            result.status = "memory" if "MemoryError" in error or child.oom_killed else "crashed"
            result.reason = f"{error or killed} (while {where}; memory cap {self.settings.limits.memory_mb} MB)"
        elif error:
            result.status, result.reason = "error", f"{error} (while {where})"
        elif killed or where != "done":
            result.status, result.reason = "crashed", f"{killed or 'stopped'} while {where}"
        outcome = Outcome(assignment=a, reason=result.reason)
        ctx = self._ctx(a)
        try:
            predictions = got.predictions(split.test_inputs)
        except Exception as exc:  # noqa: BLE001 - a malformed answer is a zero item, never a crash
            predictions = None
            if not result.reason:
                result.status, result.reason = "error", f"predictions rejected: {one_line(exc)}"
        if a.kind == "scratch":  # scored: the course's FRNN holding the trained parameters
            outcome.scratch = self._evidence(got, submission, ctx, split, probe_seed, predictions)
            predictions = outcome.scratch.reference_predictions
            if outcome.scratch.trained is None and not result.reason:
                result.status = "error"
                result.reason = outcome.reason = f"the trained model cannot be re-run: {outcome.scratch.trained_error}"
        if predictions is not None:
            try:
                result.metrics = outcome.metrics = pipeline.evaluate(ctx, split, predictions)
            except pipeline.PluginBug as exc:  # the plugin's fault: no items, no points lost
                return AssignmentResult(a.id, "error", f"grading failed: {exc}")
            except Exception as exc:  # noqa: BLE001 - answers the routine cannot score
                if not result.reason:
                    result.status, result.reason = "error", f"predictions rejected: {one_line(exc)}"
        try:
            classes = got.json(protocol.STRUCTURE)
            if isinstance(classes, list) and all(isinstance(c, str) for c in classes):
                outcome.structure = tuple(c[:200] for c in classes[:200])
        except protocol.AnswerError:
            pass
        result.items = grade_items(self.registry, outcome)
        result.probe_seed = probe_seed
        result.notes = notebook.notes_of(submission)
        return result

    def _evidence(self, got: jobs.Unpacked, submission: Path, ctx: RunContext, split: Split, seed: int | None,
                  predictions) -> probe.ScratchEvidence:
        """The child's probe answers checked against the parent's cases, and the trained model re-run."""
        a = ctx.assignment
        n, m = int(split.spec["n"]), int(split.spec["m"])
        with jobs.PARSING:  # scored in threads: see jobs.PARSING
            borrowed = provenance.engine_imports(submission)
        evidence = probe.ScratchEvidence(a.scratch, int(seed or 0), borrowed=borrowed)
        try:
            answer = got.json(protocol.PROBE)
            if not isinstance(answer, dict) or "error" in answer:
                raise probe.ProbeError(str((answer or {}).get("error", "no answer"))[:300]
                                       if isinstance(answer, dict) else "no answer")
            evidence.cases = probe.plan(evidence.seed, answer.get("shapes"), a.scratch, n, m)
            evidence.answers = probe.decode(answer.get("answers"), got.arrays(protocol.PROBE),
                                            evidence.cases, a.scratch)
            cost = answer.get("backward_cost")
            evidence.backward_cost = float(cost) if isinstance(cost, (int, float)) and cost >= 0 else None
        except (protocol.AnswerError, probe.ProbeError) as exc:
            evidence.error = str(exc)
        try:
            params = got.arrays(protocol.TRAINED)
        except protocol.AnswerError as exc:
            evidence.trained_error = str(exc)
            return evidence
        probe.rerun(evidence, ctx, split, params, predictions, missing="no trained parameters came back")
        return evidence

    # -- the batch ---------------------------------------------------------------
    def run(self, submissions: list[tuple[str, Path]],
            on_done: Callable[[SubmissionResult], None] | None = None, cluster=None) -> list[SubmissionResult]:
        """Grade every submission; ``on_done`` gets each student as soon as all their assignments are.

        The children run here, ``jobs`` at once, or on ``cluster`` (a
        ``cluster.Cluster``: its workers run them, this process scores them).
        Ctrl-C (or SIGTERM turned into KeyboardInterrupt) kills every running
        child's process tree at once, starts no other, and re-raises: the
        students ``on_done`` got are the finished ones.
        """
        results = {student: SubmissionResult(student, sandboxed=self.settings.sandboxed)
                   for student, _ in submissions}
        pending = {student: len(self.assignments) for student, _ in submissions}
        tasks = {(student, i): (path, a) for student, path in submissions for i, a in enumerate(self.assignments)}
        order = [a.id for a in self.assignments]
        with contextlib.closing(cluster.grade(self, tasks) if cluster else self._grade_here(tasks)) as graded:
            for (student, _), part in graded:
                r = results[student]
                r.assignments.append(part)
                r.seconds += part.seconds
                pending[student] -= 1
                if pending[student] == 0:
                    r.assignments.sort(key=lambda x: order.index(x.assignment))
                    if on_done:
                        on_done(r)
        return [results[s] for s, _ in submissions]

    def _grade_here(self, tasks: dict[tuple[str, int], tuple[Path, Assignment]]):
        """(task, result) pairs as the children of this machine finish, ``jobs`` at once."""
        with ThreadPoolExecutor(max_workers=max(1, self.settings.jobs)) as pool, _stop_children_on_interrupt(pool):
            futures = {pool.submit(self.grade_one, path, a): key for key, (path, a) in tasks.items()}
            for future in as_completed(futures):
                try:
                    part = future.result()
                except Exception as exc:  # noqa: BLE001 - a grading bug must not stop the batch
                    part = AssignmentResult(tasks[futures[future]][1].id, "error", f"grading failed: {one_line(exc)}")
                yield futures[future], part


@contextlib.contextmanager
def _stop_children_on_interrupt(pool: ThreadPoolExecutor):
    try:
        yield
    except BaseException:
        sandbox.stop_all()  # every running child's tree, now; the runs raise sandbox.Interrupted
        pool.shutdown(wait=True, cancel_futures=True)  # their threads clean up their folders
        sandbox.reopen()
        raise

