"""Running one child process under limits: wall clock, memory, file size, output, user.

The child gets its own session (so a timeout kills its whole process group),
``RLIMIT_AS`` and ``RLIMIT_FSIZE`` caps, a clean environment, and -- when the
parent runs as root -- the unprivileged uid/gid 65534 ("nobody"), so files
the parent keeps in 0700 folders (hidden labels) are unreadable to it.
Its stdout and stderr are drained by threads that keep only the last
``OUTPUT_TAIL`` bytes, so a flood of output costs neither disk nor memory.
"""
from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rnnsuite.kerasutil import QUIET_TENSORFLOW

OUTPUT_TAIL = 64 * 1024
NOBODY = 65534
FILE_SIZE_CAP = 256 * 2**20  # largest file the child may write


@dataclass(frozen=True)
class Limits:
    timeout: float = 600.0  # seconds of wall clock
    memory_mb: int = 4096  # address space (TensorFlow alone maps about 2.2 GB)
    file_size: int = FILE_SIZE_CAP
    threads: int = 1  # BLAS/OpenMP threads


@dataclass
class ChildRun:
    returncode: int | None
    timed_out: bool
    seconds: float
    stdout: str
    stderr: str

    def reason(self, timeout: float) -> str:
        """Why the child did not finish cleanly, in one line ('' when it did)."""
        if self.timed_out:
            return f"timed out after {timeout:g} s"
        if self.returncode is None or self.returncode == 0:
            return ""
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = f"signal {-self.returncode}"
            return f"killed by {name}"
        return f"exited with code {self.returncode}"


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@functools.cache
def drop_privileges() -> bool:
    """True when children run as nobody: the parent is root and nobody can start rnnsuite.

    Nobody cannot when the interpreter, its packages or rnnsuite itself sit
    under a folder only root may enter (a 0700 checkout, say); the children
    then run as the parent's user and ``isolation_warning`` says so.
    """
    return is_root() and _nobody_can_start()


def _nobody_can_start() -> bool:
    cmd = [sys.executable, "-I", "-c", "import rnnsuite.grading.child"]
    try:
        probe = subprocess.run(_setpriv(cmd), cwd="/", env=clean_env(Path("/"), 1), capture_output=True,
                               stdin=subprocess.DEVNULL, preexec_fn=_become_nobody_unless_setpriv, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


#: Set to 1 to grade as root even where the children cannot drop to nobody.
ALLOW_ROOT_CHILDREN = "RNNSUITE_GRADE_AS_ROOT"


def check_isolation() -> str | None:
    """Refuse to run students' code as root; return a warning when allowed to anyway.

    :raises UserError: the parent is root, nobody cannot start this
        installation, and ``RNNSUITE_GRADE_AS_ROOT`` is not set.
    """
    if not is_root() or drop_privileges():
        return None
    problem = (f"the user nobody cannot start this Python or rnnsuite ({sys.prefix}), so students' code "
               "would run as root")
    if os.environ.get(ALLOW_ROOT_CHILDREN, "") in ("", "0"):
        from rnnsuite.errors import UserError

        raise UserError(f"{problem}; install rnnsuite where other users can read it, or set "
                        f"{ALLOW_ROOT_CHILDREN}=1 to grade anyway")
    return f"{problem} ({ALLOW_ROOT_CHILDREN}=1)"


def prepare_workdir(path: Path) -> None:
    """Hand a fresh working folder to the child's user (mode 0700)."""
    if drop_privileges():
        for root, dirs, files in os.walk(path):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.lchown(name, NOBODY, NOBODY)
    os.chmod(path, 0o700)


def clean_env(workdir: Path, threads: int) -> dict[str, str]:
    """Only what Python, numpy and TensorFlow need: no paths to hidden data."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
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


#: util-linux's setpriv drops to nobody after exec; needed where the interpreter lives
#: under a folder only root can traverse, which a setuid in preexec cannot reach
SETPRIV = shutil.which("setpriv")


def _setpriv(cmd: list[str]) -> list[str]:
    if SETPRIV:
        return [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--", *cmd]
    return cmd


def _become_nobody_unless_setpriv() -> None:
    if not SETPRIV:  # the fallback: switch in the child before exec
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def as_nobody(cmd: list[str]) -> list[str]:
    """The command, run as nobody when the children drop privileges."""
    return _setpriv(cmd) if drop_privileges() else cmd


def _preexec(limits: Limits):
    memory = limits.memory_mb * 2**20
    as_root = drop_privileges()

    def setup() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size, limits.file_size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if as_root:
            _become_nobody_unless_setpriv()

    return setup


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


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_limited(cmd: list[str], workdir: Path, limits: Limits) -> ChildRun:
    """Run ``cmd`` in ``workdir`` under ``limits``; never raises for what the child does."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        as_nobody(cmd),
        cwd=workdir,
        env=clean_env(workdir, limits.threads),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_preexec(limits),
        close_fds=True,
    )
    tails = [_Tail(proc.stdout), _Tail(proc.stderr)]
    for t in tails:
        t.start()
    timed_out = False
    try:
        proc.wait(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        kill_group(proc.pid)  # also whatever the child left running
        proc.wait()
    for t in tails:
        t.join(timeout=5)
    return ChildRun(None if timed_out else proc.returncode, timed_out, time.perf_counter() - started,
                    tails[0].text(), tails[1].text())
