"""Grading on Dask (issue 20): a real LocalCluster of 2 worker processes, faults, and the jobqueue settings.

The workers run the sandboxed children of the line task (seconds each); the
parent scores.  Slurm and PBS cannot run here: their config is parsed and
the dask-jobqueue class is checked with the arguments it gets (its job
script rendered, nothing submitted).
"""
from __future__ import annotations

import csv
import dataclasses
import importlib
import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import LINE_PLUGIN
from grading_helpers import GOOD_LINE, line_batch, requires_sandbox, write

from rnnsuite.cli import cli
from rnnsuite.errors import UserError
from rnnsuite.grading import batch, cluster, jobs, protocol, sandbox

try:
    import dask_jobqueue
    import distributed  # noqa: F401
except ImportError:
    dask_jobqueue = None
needs_dask = pytest.mark.skipif(dask_jobqueue is None, reason=f"Dask is not installed: {cluster.INSTALL}")

#: a good student whose model takes a while to build: jobs are running when a worker is killed
SLOW_LINE = GOOD_LINE.replace("from rnnsuite.types import ModelFactory", "import time\n    from rnnsuite.types "
                              "import ModelFactory").replace('lambda spec: {"w": 0.0}',
                                                             'lambda spec: time.sleep(2) or {"w": 0.0}')
#: three outcomes: full marks, a crash, a model that cannot predict
CLASS = {"good": GOOD_LINE,
         "exits": GOOD_LINE.replace('lambda spec: {"w": 0.0}', 'lambda spec: __import__("os")._exit(3)'),
         "short": GOOD_LINE.replace("import ModelFactory", "import ModelFactory\n    import numpy as np")
         .replace('lambda spec: {"w": 0.0}', 'lambda spec: {"w": np.zeros(3)}')}
assert SLOW_LINE != GOOD_LINE and len(set(CLASS.values())) == 3

CONFIG = """
cores = 4
memory = "16GB"
walltime = "02:00:00"
queue = "normal"
account = "course42"
jobs = 5
python = "/opt/venv/bin/python"
job_extra = ["--exclusive"]
prologue = ["module load python/3.11"]
"""


# -- addresses and settings (no Dask started) ---------------------------------------------
@pytest.mark.parametrize("text, kind, where, workers", [
    ("tcp://10.0.0.5:8786", "scheduler", "tcp://10.0.0.5:8786", 0), ("local:3", "local", "", 3),
    ("slurm", "slurm", "", 0), ("PBS", "pbs", "", 0)])
def test_cluster_addresses(text, kind, where, workers):
    assert cluster.parse(text) == cluster.Address(kind, where, workers)


@pytest.mark.parametrize("text", ["local:0", "local:x", "10.0.0.5:8786", "tcp://", "sge", ""])
def test_a_bad_cluster_address_is_one_line(text):
    with pytest.raises(UserError, match="give tcp://HOST:PORT"):
        cluster.parse(text)


def test_the_config_becomes_the_jobqueue_arguments(tmp_path):
    config = cluster.load_config(write(tmp_path, "cluster.toml", CONFIG), "slurm")
    kwargs, count = cluster.jobqueue_arguments(config)
    assert count == 5
    assert kwargs == {"cores": 4, "memory": "16GB", "walltime": "02:00:00", "queue": "normal", "account": "course42",
                      "python": "/opt/venv/bin/python", "job_extra_directives": ["--exclusive"],
                      "job_script_prologue": ["module load python/3.11"], "processes": 1}


@pytest.mark.parametrize("text, message", [
    ('cores = 4\nmemory = "1GB"\nqueues = "x"', "unknown key 'queues'"),
    ('cores = "4"\nmemory = "1GB"', "cores must be a positive integer"),
    ('cores = 0\nmemory = "1GB"', "cores must be a positive integer"),
    ('cores = 4\nmemory = "1GB"\njob_extra = "--exclusive"', "job_extra must be a list of strings"),
    ('memory = "1GB"', "cores is missing"),
    ("cores = 4\nmemory = ", "not valid TOML")])
def test_a_bad_config_is_one_line(tmp_path, text, message):
    with pytest.raises(UserError, match=message):
        cluster.load_config(write(tmp_path, "cluster.toml", text), "slurm")


@needs_dask
@pytest.mark.parametrize("system, job_class, directives", [
    ("slurm", "slurm.SLURMJob",
     ["#SBATCH -p normal", "#SBATCH -A course42", "#SBATCH -t 02:00:00", "#SBATCH --exclusive"]),
    ("pbs", "pbs.PBSJob", ["#PBS -q normal", "#PBS -A course42", "#PBS -l walltime=02:00:00", "#PBS --exclusive"])])
def test_slurm_and_pbs_get_their_jobqueue_class_with_the_config(tmp_path, monkeypatch, system, job_class,
                                                               directives):
    built = {}

    class Recorder:  # stands in for SLURMCluster/PBSCluster: nothing is started or submitted
        def __init__(self, **kwargs):
            built.update(kwargs)

    monkeypatch.setattr(dask_jobqueue, cluster.SYSTEMS[system], Recorder)
    c = cluster.Cluster.from_options(system, write(tmp_path, "cluster.toml", CONFIG))
    made, count = c.jobqueue()
    assert isinstance(made, Recorder) and count == 5 and built["account"] == "course42"
    # the real job class takes these arguments and writes them into its batch script
    module, name = job_class.split(".")
    job = getattr(importlib.import_module(f"dask_jobqueue.{module}"), name)
    script = job(scheduler="tcp://127.0.0.1:8786", name="w", **built).job_script()
    for line in [*directives, "module load python/3.11", "/opt/venv/bin/python -m distributed.cli.dask_worker"]:
        assert line in script, script
    assert c.describe() == f"{system} batch jobs (5) through dask-jobqueue"


def test_without_dask_cluster_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(UserError, match=r'pip install "rnnsuite\[cluster\]"'):
        cluster.Cluster.from_options("local:2")


@pytest.mark.parametrize("args, message", [
    (["--cluster", "10.0.0.5"], "give tcp://HOST:PORT"),
    pytest.param(["--cluster", "slurm"], "needs --cluster-config FILE", marks=needs_dask),
    (["--cluster-config", "CONFIG"], "goes with --cluster slurm or pbs")])
def test_grade_refuses_bad_cluster_options_in_one_line(tmp_path, args, message):
    sub = write(tmp_path, "alice.py", GOOD_LINE)
    config = write(tmp_path, "cluster.toml", CONFIG)
    args = [str(config) if a == "CONFIG" else a for a in args]
    r = CliRunner().invoke(cli, ["grade", str(sub), "--variant", "5", *args, "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and message in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert not (tmp_path / "out").exists()


@needs_dask
def test_a_scheduler_that_does_not_answer_is_one_line(monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    with pytest.raises(UserError, match="cannot start or reach the Dask scheduler at tcp://127.0.0.1:9"):
        with cluster.Cluster.from_options("tcp://127.0.0.1:9"):
            pass


def test_a_submission_travels_as_bytes_with_its_links_and_without_special_files(tmp_path):
    package = tmp_path / "alice"
    write(package / "sub", "model.py", "W = 1\n")
    write(package, "__init__.py", "from .sub.model import W\n")
    (package / "again.py").symlink_to("sub/model.py")
    os.mkfifo(package / "pipe")  # copying it would block: it is left out
    files = jobs.Files.read(package)
    copy = files.write(tmp_path / "there")
    assert copy == tmp_path / "there" / "alice" and (copy / "sub" / "model.py").read_text() == "W = 1\n"
    assert os.readlink(copy / "again.py") == "sub/model.py" and not (copy / "pipe").exists()
    assert jobs.Files.read(write(tmp_path, "bob.py", "x = 1\n")).entries == (("bob.py", "file", b"x = 1\n"),)


def test_answers_refused_on_the_worker_are_refused_with_the_same_reason_here(tmp_path):
    work = tmp_path / "work"
    write(work, "secret.txt", "the labels")
    (work / "predictions.json").symlink_to(work / "secret.txt")
    write(work, "stage.json", '{"stage": "done"}')
    files, refused = jobs.collect(work, owner=os.getuid())
    assert set(files) == {"stage.json"} and "cannot be opened safely" in refused["predictions.json"]
    answers = jobs.Answers(sandbox.ChildRun(0, False, 1.0, "", ""), files, refused)
    with answers.unpacked() as got:
        assert got.json("stage") == {"stage": "done"} and got.arrays("trained") == {}
        with pytest.raises(protocol.AnswerError, match="cannot be opened safely"):
            got.predictions(np.zeros(3))


def test_a_worker_never_gets_the_test_targets(tmp_path):
    b = line_batch(tmp_path)
    a = b.assignments[0]
    assert b.splits[a.id].test_targets is not None and b.public[a.id].test_targets is None
    with pytest.raises(ValueError, match="test targets never leave the parent"):
        jobs.run_job(b.job(write(tmp_path, "alice.py", GOOD_LINE), a), b.splits[a.id])


def test_a_worker_of_another_version_refuses_the_job(tmp_path):
    b = line_batch(tmp_path)
    job = dataclasses.replace(b.job(write(tmp_path, "alice.py", GOOD_LINE), b.assignments[0]), version="0.0.1")
    with pytest.raises(jobs.WorkerMismatch, match="rnnsuite 0.0.1"):
        jobs.run_job(job, b.public[job.assignment])


# -- a real LocalCluster of 2 worker processes ------------------------------------------------
def _gradebook(out: Path) -> list[dict]:
    """The gradebook without the "graded" columns (they hold the date and time of grading)."""
    with open(out / "gradebook.csv", encoding="utf-8") as f:
        return [{k: v for k, v in row.items() if not k.endswith(" graded")} for row in csv.DictReader(f)]


@needs_dask
@requires_sandbox
def test_grading_on_a_local_cluster_gives_the_gradebook_of_local_grading(tmp_path, monkeypatch):
    plugin = write(tmp_path, "line97.py", LINE_PLUGIN)
    subs = tmp_path / "subs"
    for name, source in CLASS.items():
        write(subs, f"{name}.py", source)
    common = ["-p", str(plugin), "grade", str(subs), "--variant", "97", "--task", "1", "--task", "3",
              "--timeout", "60", "--memory", "1024", "--json"]
    here = CliRunner().invoke(cli, [*common, "--out", str(tmp_path / "here")])
    assert here.exit_code == 0, here.output

    def not_here(*args):
        raise AssertionError("a job ran in the grading parent")

    monkeypatch.setattr(batch.Batch, "grade_one", not_here)  # every child ran on the workers
    there = CliRunner().invoke(cli, [*common, "--cluster", "local:2", "--out", str(tmp_path / "there")])
    assert there.exit_code == 0, there.output
    book = _gradebook(tmp_path / "here")
    assert book == _gradebook(tmp_path / "there")
    status = {row["student"]: row["status"] for row in book}
    assert status == {"exits": "crashed", "good": "ok", "short": "error"}
    assert "local Dask cluster of 2 worker processes" in (tmp_path / "there" / "summary.json").read_text()


@pytest.fixture(scope="module")
def local2():
    if dask_jobqueue is None:
        pytest.skip(f"Dask is not installed: {cluster.INSTALL}")
    with cluster.Cluster.from_options("local:2") as c:
        yield c


def _kill_one_worker_when_the_first_finishes(c: cluster.Cluster, killed: list[int]):
    def done(result) -> None:
        if not killed:
            pid = sorted(c.workers().values())[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    return done


@requires_sandbox
def test_a_worker_killed_mid_batch_has_its_jobs_finished_elsewhere(tmp_path, local2):
    b = line_batch(tmp_path)
    subs = [(f"s{i}", write(tmp_path / "subs", f"s{i}.py", SLOW_LINE)) for i in range(6)]
    killed: list[int] = []
    results = b.run(subs, on_done=_kill_one_worker_when_the_first_finishes(local2, killed), cluster=local2)
    assert killed and killed[0] not in local2.workers().values()
    assert [r.student for r in results] == [s for s, _ in subs]
    assert all(r.status == "ok" and r.score == r.max_score == 1 for r in results), [r.errors for r in results]


@requires_sandbox
def test_a_job_that_fails_on_every_try_is_an_error_with_the_reason(tmp_path, local2, monkeypatch):
    b = line_batch(tmp_path)
    stale = b.job

    def old_version(path, a):  # as if every worker had another rnnsuite
        return dataclasses.replace(stale(path, a), version="0.0.1")

    monkeypatch.setattr(b, "job", old_version)
    r = b.run([("alice", write(tmp_path, "alice.py", GOOD_LINE))], cluster=local2)[0]
    assert r.status == "error" and r.items == [] and r.score == 0
    assert "not graded: it failed on 3 tries (WorkerMismatch" in r.errors[0] and "rnnsuite 0.0.1" in r.errors[0]


@needs_dask
@requires_sandbox
def test_without_retries_a_killed_workers_jobs_are_errors_and_the_batch_finishes(tmp_path):
    b = line_batch(tmp_path)
    subs = [(f"s{i}", write(tmp_path / "subs", f"s{i}.py", SLOW_LINE)) for i in range(6)]
    killed: list[int] = []
    with cluster.Cluster.from_options("local:2", retries=0) as c:
        results = b.run(subs, on_done=_kill_one_worker_when_the_first_finishes(c, killed), cluster=c)
    lost = [r for r in results if r.status != "ok"]
    assert killed and len(results) == 6 and 1 <= len(lost) < 6
    assert all(r.status == "error" and "its worker died on every try (1)" in r.errors[0] for r in lost)
    assert all(r.score == r.max_score == 1 for r in results if r.status == "ok")


@requires_sandbox
def test_an_interrupt_kills_the_children_on_the_workers(tmp_path, local2):
    b = line_batch(tmp_path, limits=sandbox.Limits(timeout=120, memory_mb=1024))
    hang = GOOD_LINE.replace('lambda spec: {"w": 0.0}', 'lambda spec: __import__("time").sleep(60)')
    subs = [(name, write(tmp_path / "subs", f"{name}.py", source))
            for name, source in (("quick", GOOD_LINE), ("hangs1", hang), ("hangs2", hang))]

    def interrupt(result) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        b.run(subs, on_done=interrupt, cluster=local2)
    # both single-threaded workers are free again at once: their hanging children were killed
    futures = [local2.client.submit(pow, 2, i, pure=False) for i in range(4)]
    assert [f.result(timeout=20) for f in futures] == [1, 2, 4, 8]
