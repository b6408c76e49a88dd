"""Grading beyond one machine: the jobs on a Dask cluster, the scoring here.

``rnnsuite grade ... --cluster ADDRESS`` sends every submission x
assignment job (``jobs.Job``: the submission's files, ``Split.public()``,
the sandbox limits) to Dask workers; each runs ``jobs.run_job`` -- the same
sandboxed child as local grading, on its own machine -- and sends back only
the child's answers as bytes.  This process scores every job itself
(``batch.Batch.score``): the test targets and hidden data never leave it.

ADDRESS is

* ``tcp://host:8786`` (or ``tls://``): an existing Dask scheduler and its workers;
* ``local:N``: a ``distributed.LocalCluster`` of N worker processes here;
* ``slurm`` or ``pbs``: workers started as batch jobs by ``dask-jobqueue``,
  with the settings of ``--cluster-config cluster.toml`` (``CONFIG_KEYS``).

Faults: a job whose worker raised is retried (Dask's ``retries``), one whose
worker died (killed, out of memory, machine lost) is run again on another
worker; after ``retries`` more tries it is graded as an error with the
reason (no items: the infrastructure's fault costs no points; grade that
student again).  The results already in this process are never lost.
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import os
import queue
import tomllib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from rnnsuite import __version__
from rnnsuite.errors import UserError, one_line
from rnnsuite.grading import jobs, sandbox
from rnnsuite.grading.results import AssignmentResult

INSTALL = 'pip install "rnnsuite[cluster]"'
#: batch systems and their dask-jobqueue class
SYSTEMS = {"slurm": "SLURMCluster", "pbs": "PBSCluster"}
#: --cluster-config keys: name -> (dask-jobqueue argument, type, what it is); ``jobs`` is how many to start
CONFIG_KEYS: dict[str, tuple[str | None, type, str]] = {
    "cores": ("cores", int, "cores per batch job (each runs that many children at once)"),
    "memory": ("memory", str, 'memory per batch job, e.g. "32GB" (cores x --memory must fit)'),
    "walltime": ("walltime", str, 'wall-clock limit per batch job, e.g. "04:00:00"'),
    "queue": ("queue", str, "the partition (Slurm) or queue (PBS)"),
    "account": ("account", str, "the account charged"),
    "jobs": (None, int, "how many batch jobs to start (default 1)"),
    "processes": ("processes", int, "Dask worker processes per batch job (default 1)"),
    "python": ("python", str, "the interpreter with rnnsuite installed on the compute nodes"),
    "interface": ("interface", str, 'the network interface the workers listen on, e.g. "ib0"'),
    "local_directory": ("local_directory", str, "the workers' scratch folder on the compute nodes"),
    "log_directory": ("log_directory", str, "where the batch jobs' logs go"),
    "job_name": ("job_name", str, "the batch jobs' name"),
    "job_extra": ("job_extra_directives", list, 'more #SBATCH/#PBS directives, e.g. ["--exclusive"]'),
    "prologue": ("job_script_prologue", list, 'shell lines run first, e.g. ["module load python/3.11"]'),
}
REQUIRED = ("cores", "memory")
CONNECT_TIMEOUT = 30  # seconds to reach a scheduler and see a first worker


def dask(module: str = "distributed", what: str = "--cluster") -> Any:
    """Import an optional dependency, or say in one line what to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserError(f"{what} needs {module.replace('_', '-')}, which is not installed: {INSTALL}") from None


@dataclass(frozen=True)
class Address:
    kind: str  # "scheduler", "local", "slurm", "pbs"
    where: str = ""  # the scheduler's address
    workers: int = 0  # local:N


def parse(address: str) -> Address:
    """``--cluster``'s value, checked; one line on anything else."""
    text = address.strip()
    if text.lower() in SYSTEMS:
        return Address(text.lower())
    if text.startswith(("tcp://", "tls://")) and text.split("://", 1)[1]:
        return Address("scheduler", text)
    if text.startswith("local:"):
        count = text.removeprefix("local:")
        if count.isdigit() and int(count) > 0:
            return Address("local", workers=int(count))
    raise UserError(f"--cluster {address!r}: give tcp://HOST:PORT (a Dask scheduler), local:N (N worker processes "
                    f"here), {' or '.join(SYSTEMS)}")


def load_config(path: Path | None, system: str) -> dict[str, Any]:
    """A ``--cluster-config`` TOML file, checked against ``CONFIG_KEYS``."""
    if path is None:
        raise UserError(f"--cluster {system} needs --cluster-config FILE (keys: {', '.join(CONFIG_KEYS)}; "
                        "see docs/grading.md)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path.name} is not valid TOML: {exc}") from None
    for key, value in data.items():
        if key not in CONFIG_KEYS:
            raise UserError(f"{path.name}: unknown key {key!r} (known: {', '.join(CONFIG_KEYS)})")
        kind = CONFIG_KEYS[key][1]
        wrong = (isinstance(value, bool) or not isinstance(value, int) or value < 1 if kind is int else
                 not (isinstance(value, list) and all(isinstance(v, str) for v in value)) if kind is list else
                 not isinstance(value, str) or not value.strip())
        if wrong:
            expected = {int: "a positive integer", list: "a list of strings", str: "a non-empty string"}[kind]
            raise UserError(f"{path.name}: {key} must be {expected}, got {value!r}")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise UserError(f"{path.name}: {missing[0]} is missing ({CONFIG_KEYS[missing[0]][2]})")
    return data


def jobqueue_arguments(config: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The dask-jobqueue class's keyword arguments for a checked config, and how many batch jobs to start."""
    kwargs = {CONFIG_KEYS[key][0]: value for key, value in config.items() if CONFIG_KEYS[key][0]}
    kwargs.setdefault("processes", 1)
    return kwargs, int(config.get("jobs", 1))


# -- on every worker ----------------------------------------------------------------
def worker_report(sandboxed: bool) -> dict[str, Any]:
    """What a worker says about itself before grading starts: its rnnsuite and its sandbox."""
    return {"version": __version__, "sandbox": sandbox.problem() if sandboxed else None,
            "isolation": sandbox.describe(sandboxed) if not sandboxed or not sandbox.problem() else ""}


def stop_children() -> int:
    """Kill every child this worker runs now (Ctrl-C in the parent); later jobs may start again."""
    stopped = sandbox.stop_all()
    sandbox.reopen()
    return stopped


@dataclass
class Cluster:
    """The Dask cluster a batch is graded on; ``with Cluster(...) as c: batch.run(..., cluster=c)``."""

    address: Address
    config: dict[str, Any] = field(default_factory=dict)
    retries: int = 2
    sandboxed: bool = True
    isolation: str = ""  # how the workers confine children, as they say (grading_info's "sandbox")
    _client: Any = None
    _cluster: Any = None

    @classmethod
    def from_options(cls, address: str, config: Path | None = None, retries: int = 2,
                     sandboxed: bool = True) -> "Cluster":
        """Checked options, nothing started (errors come before any work)."""
        where = parse(address)
        dask()
        if where.kind in SYSTEMS:
            dask("dask_jobqueue", f"--cluster {where.kind}")
            settings = load_config(config, where.kind)
        elif config is not None:
            raise UserError("--cluster-config goes with --cluster slurm or pbs")
        else:
            settings = {}
        return cls(where, settings, retries, sandboxed)

    def child_threads(self, cpus: int) -> int:
        """BLAS threads per child: this machine's cores shared by local:N workers, else one."""
        return max(1, cpus // self.address.workers) if self.address.kind == "local" else 1

    def describe(self) -> str:
        if self.address.kind == "local":
            return f"a local Dask cluster of {self.address.workers} worker processes"
        if self.address.kind == "scheduler":
            return f"the Dask scheduler at {self.address.where}"
        return f"{self.address.kind} batch jobs ({jobqueue_arguments(self.config)[1]}) through dask-jobqueue"

    def jobqueue(self):
        """The dask-jobqueue cluster (its scheduler starts here, no batch job yet) and how many jobs to scale to."""
        kwargs, count = jobqueue_arguments(self.config)
        return getattr(dask("dask_jobqueue"), SYSTEMS[self.address.kind])(**kwargs), count

    # -- starting and stopping ---------------------------------------------------------
    def __enter__(self) -> "Cluster":
        distributed = dask()
        import dask as dask_core

        # a worker that dies mid-job costs the job one try; Dask's scheduler counts them (ours, when started here).
        # Workers started here skip Dask's statistical profiler: it samples every thread 100 times a second,
        # CPU the children need (their workers only wait on them).
        with dask_core.config.set({"distributed.scheduler.allowed-failures": self.retries,
                                   "distributed.worker.profile.enabled": False}):
            try:
                if self.address.kind == "local":
                    self._cluster = distributed.LocalCluster(
                        n_workers=self.address.workers, threads_per_worker=1, processes=True,
                        dashboard_address=":0", memory_limit=0,  # any free port: clusters never collide
                        silence_logs=logging.ERROR)
                elif self.address.kind in SYSTEMS:
                    self._cluster, count = self.jobqueue()
                    self._cluster.scale(jobs=count)
                self._client = distributed.Client(self._cluster or self.address.where, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                self.close()
                raise UserError(f"cannot start or reach {self.describe()}: {one_line(exc)}") from None
        if self.address.kind in ("local", "scheduler"):  # batch jobs come later: run_job checks each worker
            self._check_workers()
        else:
            self.isolation = (f"on {self.describe()}: " + ("bubblewrap sandbox on every worker (checked per job)"
                                                           if self.sandboxed else "NOT SANDBOXED (--no-sandbox)"))
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for part in (self._client, self._cluster):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()
        self._client = self._cluster = None

    def _check_workers(self) -> None:
        """Every worker runs this rnnsuite and, unless --no-sandbox, can set up the sandbox; else one line."""
        try:
            self._client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
            reports = self._client.run(worker_report, self.sandboxed)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise UserError(f"no worker answered on {self.describe()}: {one_line(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - typically: the worker cannot unpickle rnnsuite's function
            self.close()
            raise UserError(f"a worker cannot run rnnsuite ({one_line(exc)}); install rnnsuite {__version__} "
                            "on every worker") from None
        for worker, report in sorted(reports.items()):
            if report["version"] != __version__:
                self.close()
                raise UserError(f"worker {worker} has rnnsuite {report['version']}, this is {__version__}: "
                                "install the same version on every worker")
            if report["sandbox"]:
                self.close()
                raise UserError(f"worker {worker} cannot sandbox students' code: {report['sandbox']}")
        self.isolation = f"on {self.describe()}: " + "; ".join(sorted({r["isolation"] for r in reports.values()}))

    @property
    def client(self):
        """The ``distributed.Client`` (None outside ``with``)."""
        return self._client

    def workers(self) -> dict[str, int]:
        """Each worker's address and process id (as the workers report them)."""
        return self._client.run(os.getpid)

    # -- grading ---------------------------------------------------------------------
    def grade(self, batch, tasks: dict) -> Iterator[tuple[Any, AssignmentResult]]:
        """(task, result) pairs as the workers finish; this process scores each one (``Batch.score``).

        Scoring runs in threads of this process, one per core, as each job's
        answers arrive.  On Ctrl-C (or when the caller stops early) the jobs
        not started are cancelled and every child the workers run is killed.
        """
        public: dict[str, Any] = {}  # assignment -> its Split.public(), sent to the workers once
        futures: dict[Any, tuple] = {}
        scored: queue.Queue = queue.Queue()
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as scorers:
            try:
                for key, (path, a) in tasks.items():
                    if a.id in batch.broken:  # not the student's fault: no items, no points lost
                        yield key, AssignmentResult(a.id, "error", batch.broken[a.id])
                        continue
                    if a.id not in public:
                        public[a.id] = self._client.scatter(batch.public[a.id], broadcast=True, hash=False)
                    job = batch.job(path, a)
                    future = self._client.submit(jobs.run_job, job, public[a.id], pure=False, retries=self.retries,
                                                 key=f"rnnsuite-{a.id}-{uuid.uuid4()}")
                    futures[future] = (key, path, a, job)
                    # called in the client's event loop: the scoring goes to a thread
                    future.add_done_callback(lambda f: scorers.submit(self._score, batch, f, futures[f], scored))
                for _ in range(len(futures)):
                    yield scored.get()
            except BaseException:
                self._client.cancel(list(futures))
                with contextlib.suppress(Exception):
                    self._client.run(stop_children)
                raise

    def _score(self, batch, future, task: tuple, scored: queue.Queue) -> None:
        """One finished job scored here (or graded as lost), always put on ``scored``."""
        key, path, a, job = task
        part = AssignmentResult(a.id, "error", "grading failed: no result")
        try:
            answers = future.result()
        except Exception as exc:  # noqa: BLE001 - tried everywhere it could be: an error, with why
            part = self._lost(a, exc)
        else:
            try:
                part = batch.score(path, a, job, answers)
            except Exception as exc:  # noqa: BLE001 - a grading bug must not stop the batch
                part = AssignmentResult(a.id, "error", f"grading failed: {one_line(exc)}")
        finally:
            with contextlib.suppress(Exception):
                future.release()
            scored.put((key, part))

    def _lost(self, a, exc: BaseException) -> AssignmentResult:
        """A job no worker could finish: graded as an error naming the reason (no items, no points lost)."""
        if type(exc).__name__ == "KilledWorker":  # a tcp:// scheduler counts the tries by its own settings
            tries = f" ({self.retries + 1})" if self.address.kind != "scheduler" else ""
            why = f"its worker died on every try{tries}: killed, out of memory or lost"
        else:
            why = f"it failed on {self.retries + 1} tries ({one_line(exc)})"
        return AssignmentResult(a.id, "error", f"not graded: {why}; grade this student again")
