"""The bubblewrap (``bwrap``) command line that confines one child.

The child gets new pid, network, IPC and UTS namespaces (it sees no other
process, reaches no socket outside, and everything it starts dies with it),
a root filesystem holding only what it needs, read-only: the system folders,
the interpreter and the packages an isolated Python imports (rnnsuite and
the plugins included).  Its own work folder is the one writable place; /tmp
and /dev/shm are private, size-capped tmpfs that vanish with it.  Nothing
else of the parent is mounted: not its home, the hidden data, the output,
the data cache, nor other children's folders.  Paths the caller names as
secret are covered by an empty tmpfs when they lie inside a mounted folder.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterable

#: the system's own folders, mounted read-only (symlinks on merged-/usr systems are recreated as links)
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
#: what numpy and TensorFlow read to count CPUs
CPU_INFO = "/sys/devices/system/cpu"

_PYTHON_PATHS = """
import importlib.util, json, sys
from importlib.metadata import entry_points
paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path]
for module in {"rnnsuite", *(ep.module for ep in entry_points(group="rnnsuite"))}:
    parts = module.split(".")
    for name in (".".join(parts[:i]) for i in range(1, len(parts) + 1)):  # each package on the way
        spec = importlib.util.find_spec(name)
        if spec is not None:
            paths += list(spec.submodule_search_locations or [spec.origin])
print(json.dumps([p for p in paths if p]))
"""


def executable() -> str | None:
    return shutil.which("bwrap")


@functools.cache
def python_paths() -> tuple[str, ...]:
    """Every folder an isolated (``-I``) child interpreter imports from, found by asking one.

    Editable installs map packages to their source folders, so rnnsuite and
    the entry-point plugins' modules (and the packages holding them) are asked
    for by name rather than inferred.
    """
    out = subprocess.run([sys.executable, "-I", "-c", _PYTHON_PATHS], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=120, check=True)
    return tuple(os.path.abspath(p) for p in json.loads(out.stdout) if os.path.exists(p))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def outermost(paths: Iterable[str]) -> list[str]:
    """The paths not inside another of them, sorted."""
    result: list[str] = []
    for p in sorted({os.path.normpath(p) for p in paths}):
        if p != "/" and not any(_inside(p, kept) for kept in result):
            result.append(p)
    return result


class _Root:
    """The sandbox's file tree as bwrap arguments; folders on the way to a mount are made traversable (0755)."""

    def __init__(self) -> None:
        self.args: list[str] = []
        self.made: set[str] = {"/"}  # folders bwrap makes (they start empty)
        self.bound: list[str] = []  # folders from the host (everything inside them exists)

    def _parents(self, path: str) -> None:
        parts = path.strip("/").split("/")[:-1]
        for parent in ("/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)):
            if parent not in self.made and not any(_inside(parent, b) for b in self.bound):
                self.args += ["--perms", "0755", "--dir", parent]
                self.made.add(parent)

    def add(self, option: str, source: str | None, path: str, *, before: tuple[str, ...] = (),
            host: bool = True) -> None:
        self._parents(path)
        self.args += [*before, option, *([source] if source is not None else []), path]
        if host:
            self.bound.append(path)
        else:
            self.made.add(path)

    def system(self) -> None:
        for path in SYSTEM:
            if os.path.islink(path):
                self.args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                self.add("--ro-bind", path, path)


def command(inner: list[str], *, workdir: Path, readonly: Iterable[Path] = (), secrets: Iterable[Path] = (),
            uid: int, own_user_namespace: bool, scratch_bytes: int) -> list[str]:
    """The bwrap command running ``inner`` confined, in ``workdir``.

    ``own_user_namespace``: map the child's ``uid`` inside a new user namespace
    to the parent's user (what an ordinary user can do); otherwise, as root,
    the caller switches ``inner`` to the real, distinct ``uid`` itself.
    """
    bwrap = executable()
    if bwrap is None:
        raise FileNotFoundError("bwrap")
    args = [bwrap, "--die-with-parent", "--new-session",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "rnnsuite-child"]
    if own_user_namespace:
        args += ["--unshare-user", "--disable-userns", "--uid", str(uid), "--gid", str(uid)]
    root = _Root()
    root.system()
    root.add("--proc", None, "/proc", host=False)
    root.add("--dev", None, "/dev", host=False)
    # The private scratch folders first: an install that lives under /tmp (a CI clone) is bound on top of them.
    for scratch in ("/dev/shm", "/tmp"):
        root.add("--tmpfs", None, scratch, before=("--size", str(scratch_bytes), "--perms", "1777"), host=False)
    mounted = outermost(p for p in python_paths() if not any(_inside(p, s) for s in SYSTEM))
    layers: list[tuple[str, str, str | None]] = [(p, "--ro-bind", p) for p in mounted]
    for secret in map(os.path.abspath, secrets):
        if any(_inside(secret, m) for m in [*SYSTEM, *mounted]) and os.path.exists(secret):
            layers.append((secret, "--tmpfs", None) if os.path.isdir(secret) else (secret, "--ro-bind", "/dev/null"))
    for path, option, source in sorted(layers, key=lambda layer: layer[0].count("/")):
        root.add(option, source, path, host=source is not None)  # a cover goes over what holds it
    root.add("--ro-bind-try", CPU_INFO, CPU_INFO)
    root.add("--bind", str(workdir), str(workdir))
    for path in readonly:  # after the work folder: a read-only part of it stays read-only
        root.add("--ro-bind", str(path), str(path))
    return [*args, *root.args, "--chdir", str(workdir), "--", *inner]
