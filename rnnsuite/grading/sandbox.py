"""Running one child confined: a bubblewrap sandbox, its own uid, a cgroup, limits, a timeout.

Every child runs inside bubblewrap (see ``bubblewrap``): its own pid and
network namespaces, a read-only filesystem without the parent's folders,
its work folder the one writable place.  As root, each child also gets a
uid of its own (``CHILD_UIDS``, one per running child), so no two children
share an identity and none is root; as an ordinary user, the child's uid
lives in a new user namespace and is the parent's user outside it.  Where
cgroups can be used, the child's whole process tree gets one memory cap and
one process cap (``cgroups``); elsewhere each process gets ``RLIMIT_AS``
and ``RLIMIT_NPROC`` (weaker: forked helpers each get the full memory cap).
Every process also gets ``RLIMIT_FSIZE`` and no core dumps.

Without bubblewrap or user namespaces the sandbox is unavailable
(``problem()`` says why, in one line) and children run only when the caller
asks for ``sandboxed=False`` -- as the parent's own user, each in its own
session, with the limits and cgroup above: safe against accidents, not
against a hostile class.

The stdout and stderr of a child are drained by threads that keep only the
last ``OUTPUT_TAIL`` bytes.  ``stop_all()`` kills every running child's tree
at once (Ctrl-C, SIGTERM); the runs it stops raise ``Interrupted``.
"""
from __future__ import annotations

import ctypes
import functools
import os
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from rnnsuite.errors import UserError
from rnnsuite.grading import bubblewrap, cgroups
from rnnsuite.kerasutil import QUIET_TENSORFLOW

OUTPUT_TAIL = 64 * 1024
FILE_SIZE_CAP = 256 * 2**20  # largest file the child may write
#: the real uids children get when the parent is root: far above login users (1000...)
#: and the usual /etc/subuid ranges (100000 + 65536 per user)
CHILD_UIDS = range(1_900_000_000, 1_900_000_000 + 4096)
#: the uid a child has inside its user namespace when the parent is not root
NAMESPACE_UID = 1000
#: the exit code of the wrapper when it cannot put the child into its cgroup
NO_CGROUP = 125
INSTALL = "install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)"


@dataclass(frozen=True)
class Limits:
    timeout: float = 600.0  # seconds of wall clock
    memory_mb: int = 4096  # the whole process tree with a cgroup, each process's address space anyway
    file_size: int = FILE_SIZE_CAP
    threads: int = 1  # BLAS/OpenMP threads
    processes: int = 256  # processes and threads of the whole tree (TensorFlow starts dozens of threads)
    scratch_mb: int = 256  # each of the private /tmp and /dev/shm


@dataclass
class ChildRun:
    returncode: int | None
    timed_out: bool
    seconds: float
    stdout: str
    stderr: str
    oom_killed: bool = False  # the kernel killed part of the tree for going over the cgroup's memory cap
    owner: int | None = None  # the uid that owns the files the child wrote, as the parent sees them

    def reason(self, timeout: float) -> str:
        """Why the child did not finish cleanly, in one line ('' when it did)."""
        if self.timed_out:
            return f"timed out after {timeout:g} s"
        if self.oom_killed:
            return "killed for going over the memory cap"
        if self.returncode is None or self.returncode == 0:
            return ""
        if self.returncode == NO_CGROUP:
            return "could not be put under its memory and process caps"
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = f"signal {-self.returncode}"
            return f"killed by {name}"
        return f"exited with code {self.returncode}"


class Interrupted(Exception):
    """The run was stopped by ``stop_all()``: it has no result."""


# -- what this machine offers ----------------------------------------------------
def is_root() -> bool:
    return os.geteuid() == 0


def _tools() -> dict[str, str | None]:
    return {name: shutil.which(name) for name in ("bwrap", "setpriv", "prlimit")}


@functools.cache
def problem() -> str | None:
    """Why children cannot be sandboxed here, in one line with what to do; None when they can."""
    tools = _tools()
    if tools["bwrap"] is None:
        return f"bubblewrap (bwrap) is not installed, so students' code cannot be sandboxed; {INSTALL}"
    if tools["setpriv"] is None or tools["prlimit"] is None:
        return "setpriv and prlimit are missing; install util-linux"
    with tempfile.TemporaryDirectory(prefix="rnnsuite-probe-") as folder:
        try:
            uid = CHILD_UIDS.start if is_root() else NAMESPACE_UID
            _own(Path(folder), uid)
            cmd = bubblewrap.command(_inner(["true"], Limits(), uid, sandboxed=True), workdir=Path(folder), uid=uid,
                                     own_user_namespace=not is_root(), scratch_bytes=2**20)
            probe = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"bubblewrap cannot start here ({exc})"
    if probe.returncode != 0:
        said = " ".join((probe.stderr.strip().splitlines() or ["no message"])[-1].split())
        return (f"bubblewrap cannot create a sandbox here ({said}); allow unprivileged user namespaces "
                "(sysctl kernel.unprivileged_userns_clone=1, or an AppArmor profile for bwrap) or grade as root")
    return None


def require(sandboxed: bool) -> None:
    """Refuse to run students' code unconfined unless told to.

    :raises UserError: the sandbox is wanted and cannot be set up here.
    """
    if sandboxed and (why := problem()):
        raise UserError(f"{why}; or grade without a sandbox with --no-sandbox (students' code can then read "
                        "and change everything you can)")


def describe(sandboxed: bool) -> str:
    """How children are confined here, for the results and the console."""
    layout = cgroups.support()
    caps = layout.describe() if isinstance(layout, cgroups.Layout) else f"{layout}: per-process rlimits only"
    if not sandboxed:
        return f"NOT SANDBOXED (--no-sandbox): children run as this user; {caps}"
    who = "a uid of its own per child" if is_root() else "a user namespace per child (your uid outside it)"
    return f"bubblewrap sandbox, {who}, {caps}"


def warning(sandboxed: bool) -> str | None:
    """What the instructor must hear before every batch: no sandbox, or caps per process only."""
    if not sandboxed or not isinstance(cgroups.support(), cgroups.Layout):
        return describe(sandboxed)
    return None


@functools.cache
def protect_parent() -> None:
    """Make this process non-dumpable: nothing running as its user can read its memory via /proc or ptrace."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_DUMPABLE = 4
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: nothing to do
        pass


# -- one child's identity ---------------------------------------------------------
class _UidClaim:
    """One of CHILD_UIDS, held while a child runs, so that concurrent children (of any grading parent
    on this machine) never share it: held as an abstract unix socket name, which the kernel frees
    when the socket closes or its process dies, and which leaves no file behind."""

    def __init__(self) -> None:
        for uid in CHILD_UIDS:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind(f"\0rnnsuite-child-uid-{uid}")
            except OSError:
                sock.close()
                continue
            self.uid, self._sock = uid, sock
            return
        raise RuntimeError(f"all {len(CHILD_UIDS)} child uids are in use")

    def release(self) -> None:
        self._sock.close()


def _walk(folder: Path):
    for root, dirs, files in os.walk(folder):
        yield root
        yield from (os.path.join(root, n) for n in dirs + files)


def _own(folder: Path, uid: int) -> None:
    """Hand the work folder to the child's uid (mode 0700)."""
    if is_root():
        for path in _walk(folder):
            os.lchown(path, uid, uid)
    os.chmod(folder, 0o700)


def _share(folder: Path) -> None:
    """Let any uid read a folder the child gets read-only (as root, the child's uid is not the owner)."""
    for path in _walk(folder):
        mode = os.lstat(path).st_mode
        if not stat.S_ISLNK(mode):
            os.chmod(path, mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
                     | (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH if stat.S_ISDIR(mode) else 0))


def clean_env(workdir: Path, threads: int, tmp: Path | None = None) -> dict[str, str]:
    """Only what Python, numpy and TensorFlow need: no paths to hidden data."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(tmp or workdir),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        **QUIET_TENSORFLOW,
        "KERAS_HOME": str(workdir / ".keras"),
        "MPLCONFIGDIR": str(workdir / ".mpl"),
        "MPLBACKEND": "Agg",
    }
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        env[var] = str(max(1, threads))
    env["TF_NUM_INTEROP_THREADS"] = "1"
    if os.environ.get("RNNSUITE_DISABLE_PLUGIN_AUTOLOAD"):
        env["RNNSUITE_DISABLE_PLUGIN_AUTOLOAD"] = os.environ["RNNSUITE_DISABLE_PLUGIN_AUTOLOAD"]
    return env


# -- the command line ---------------------------------------------------------------
def _inner(cmd: list[str], limits: Limits, uid: int, sandboxed: bool) -> list[str]:
    """``cmd`` under its rlimits; as root in the sandbox, first switched to the child's uid for good."""
    memory = limits.memory_mb * 2**20
    rlimits = [f"--as={memory}", f"--fsize={limits.file_size}", "--core=0"]
    if sandboxed:  # counted per uid (and user namespace): only the sandbox's own processes
        rlimits.append(f"--nproc={limits.processes}")
    wrapped = [str(shutil.which("prlimit")), *rlimits, "--", *cmd]
    switch = ["--reuid", str(uid), "--regid", str(uid), "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"]
    if sandboxed and is_root():
        return [str(shutil.which("setpriv")), *switch, "--no-new-privs", "--", *wrapped]
    return [str(shutil.which("setpriv")), "--pdeathsig", "KILL", "--", *wrapped]


def _joining(group: cgroups.ChildCgroup | None, cmd: list[str]) -> list[str]:
    """``cmd``, started from a shell that first moves itself into the child's cgroup (or gives up)."""
    if group is None:
        return cmd
    joins = " && ".join(f"echo $$ > {shlex.quote(str(path))}" for path in group.procs_files)
    return ["/bin/sh", "-c", f'{{ {joins}; }} 2>/dev/null || exit {NO_CGROUP}; exec "$@"', "sh", *cmd]


# -- the children running now ---------------------------------------------------------
class _Children:
    """Every child running now, so that one call kills them all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: dict[int, tuple[subprocess.Popen, cgroups.ChildCgroup | None]] = {}
        self.stopped: set[int] = set()
        self.closed = False

    def start(self, cmd: list[str], group: cgroups.ChildCgroup | None, **popen) -> subprocess.Popen:
        with self.lock:  # no child can start between stop_all's kill and its return
            if self.closed:
                raise Interrupted("grading was stopped")
            proc = subprocess.Popen(cmd, **popen)
            self.running[proc.pid] = (proc, group)
            return proc

    def finish(self, proc: subprocess.Popen) -> bool:
        """Forget a child; True when stop_all killed it."""
        with self.lock:
            self.running.pop(proc.pid, None)
            return proc.pid in self.stopped

    def stop_all(self) -> int:
        with self.lock:
            self.closed = True
            for pid, (_, group) in self.running.items():
                self.stopped.add(pid)
                _kill_tree(pid, group)
            return len(self.running)

    def reopen(self) -> None:
        with self.lock:
            self.closed = False
            self.stopped.clear()


_children = _Children()


def stop_all() -> int:
    """Kill every running child's whole tree now and refuse new ones; returns how many were running."""
    return _children.stop_all()


def reopen() -> None:
    """Let children start again after ``stop_all`` (a new batch in the same process)."""
    _children.reopen()


def _kill_tree(pid: int, group: cgroups.ChildCgroup | None) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # the wrapper and bwrap: the sandbox's pid namespace dies with them
    except (ProcessLookupError, PermissionError):
        pass
    if group is not None:
        group.kill(wait=0)


class _Tail(threading.Thread):
    """Drain a pipe, keeping only its last bytes."""

    def __init__(self, stream, cap: int = OUTPUT_TAIL):
        super().__init__(daemon=True)
        self.stream, self.cap, self.data = stream, cap, bytearray()

    def run(self) -> None:
        while chunk := self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536):
            self.data += chunk
            if len(self.data) > 2 * self.cap:
                del self.data[: len(self.data) - self.cap]
        self.stream.close()

    def text(self) -> str:
        return bytes(self.data[-self.cap:]).decode("utf-8", "replace")


def _cgroup(limits: Limits) -> cgroups.ChildCgroup | None:
    layout = cgroups.support()
    if not isinstance(layout, cgroups.Layout):
        return None
    return cgroups.ChildCgroup.create(layout, limits.memory_mb * 2**20, limits.processes)


def run_limited(cmd: list[str], workdir: Path, limits: Limits, *, sandboxed: bool = True,
                readonly: Iterable[Path] = (), secrets: Iterable[Path] = ()) -> ChildRun:
    """Run ``cmd`` in ``workdir`` under ``limits``; never raises for what the child does.

    ``readonly``: more paths the child may read (mounted read-only at the same
    place); ``secrets``: paths to hide even if they lie inside a mounted folder.

    :raises UserError: ``sandboxed`` and the sandbox cannot be set up here.
    :raises Interrupted: ``stop_all()`` stopped this run (or had stopped all runs before it began).
    """
    require(sandboxed)
    protect_parent()
    readonly, secrets = tuple(readonly), tuple(secrets)
    claim = _UidClaim() if sandboxed and is_root() else None
    uid = claim.uid if claim else (NAMESPACE_UID if sandboxed else os.getuid())
    group = None
    try:
        _own(workdir, uid)
        for path in readonly if sandboxed and is_root() else ():
            _share(path)
        group = _cgroup(limits)
        inner = _inner(cmd, limits, uid, sandboxed)
        if sandboxed:
            inner = bubblewrap.command(inner, workdir=workdir, readonly=readonly, secrets=secrets, uid=uid,
                                       own_user_namespace=not is_root(), scratch_bytes=limits.scratch_mb * 2**20)
        started = time.perf_counter()
        proc = _children.start(_joining(group, inner), group, cwd=workdir, stdin=subprocess.DEVNULL,
                               env=clean_env(workdir, limits.threads, Path("/tmp") if sandboxed else None),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, close_fds=True)
        tails = [_Tail(proc.stdout), _Tail(proc.stderr)]
        for t in tails:
            t.start()
        timed_out = False
        try:
            proc.wait(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_tree(proc.pid, group)  # also whatever the child left running
            proc.wait()
            stopped = _children.finish(proc)
        for t in tails:
            t.join(timeout=5)
        if stopped:
            raise Interrupted("grading was stopped")
        code = None if timed_out else proc.returncode
        if sandboxed and code is not None and 128 < code <= 128 + 64:  # bwrap's way to say "killed by a signal"
            code = 128 - code
        return ChildRun(code, timed_out, time.perf_counter() - started, tails[0].text(), tails[1].text(),
                        oom_killed=group is not None and group.oom_killed(),
                        owner=claim.uid if claim else os.getuid())
    finally:
        if group is not None:
            group.remove()
        if claim is not None:
            claim.release()

