"""A cgroup per child: one memory cap and one process cap over its whole process tree.

Per-process rlimits let a child fork helpers that each stay under the cap;
a cgroup counts them together.  Both layouts are handled: cgroup v2 (one
unified hierarchy, ``memory.max``, ``pids.max``, ``cgroup.kill``) and v1 (one
hierarchy per controller, ``memory.limit_in_bytes``, ``pids.max``).  The
children's cgroups are made below the parent's own, which it must be allowed
to write (root, or a delegated subtree); ``support()`` says why not otherwise,
and the sandbox then falls back to per-process rlimits.
"""
from __future__ import annotations

import functools
import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CONTROLLERS = ("memory", "pids")
_names = itertools.count()


@dataclass(frozen=True)
class Layout:
    """Where the children's cgroups go: one folder per controller (the same folder for v2)."""

    version: int
    bases: dict[str, Path]  # controller -> the parent's cgroup folder

    def describe(self) -> str:
        return f"cgroup v{self.version} (memory and process caps per child)"


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(root in the hierarchy, mount point, fs type, super options) of every cgroup mount."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            fstype, options = fields[sep + 1], set(fields[sep + 3].split(","))
            if fstype in ("cgroup", "cgroup2"):
                found.append((fields[3], fields[4], fstype, options))
    return found


def _own_paths() -> dict[str, str]:
    """This process's cgroup per controller name ("" for the v2 hierarchy)."""
    paths = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, names, path = line.rstrip("\n").split(":", 2)
            for name in names.split(",") if names else [""]:
                paths[name] = path
    return paths


def _folder(mount_root: str, mount_point: str, path: str) -> Path:
    relative = os.path.relpath(path, mount_root) if path.startswith(mount_root) else path.lstrip("/")
    return (Path(mount_point) / relative).resolve()


def _v2_base(mount_root: str, mount_point: str, path: str) -> Path | None:
    """The parent's v2 cgroup with memory and pids enabled for its children, or None.

    v2 forbids processes in a cgroup that hands controllers to children, so
    a parent alone in its cgroup moves itself into a leaf first (the usual way
    to use a delegated cgroup); one that shares it with other processes cannot.
    """
    base = _folder(mount_root, mount_point, path)
    if not set(CONTROLLERS) <= set((base / "cgroup.controllers").read_text().split()):
        return None
    enable = " ".join(f"+{c}" for c in CONTROLLERS)
    try:
        (base / "cgroup.subtree_control").write_text(enable)
    except OSError:
        if (base / "cgroup.procs").read_text().split() != [str(os.getpid())]:
            return None
        leaf = base / f"rnnsuite-parent-{os.getpid()}"
        leaf.mkdir(exist_ok=True)
        (leaf / "cgroup.procs").write_text(str(os.getpid()))
        (base / "cgroup.subtree_control").write_text(enable)
    return base


def _find_layout() -> Layout:
    mounts, own = _mounts(), _own_paths()
    v1 = {}
    for controller in CONTROLLERS:
        for root, point, fstype, options in mounts:
            if fstype == "cgroup" and controller in options and controller in own:
                v1[controller] = _folder(root, point, own[controller])
    if len(v1) == len(CONTROLLERS):
        return Layout(1, v1)
    for root, point, fstype, _ in mounts:
        if fstype == "cgroup2" and "" in own:
            base = _v2_base(root, point, own[""])
            if base is not None:
                return Layout(2, {c: base for c in CONTROLLERS})
    raise OSError("no memory and pids controllers this process may use")


@functools.cache
def support() -> Layout | str:
    """The layout when children can get their own cgroups here, else why not (one line)."""
    try:
        layout = _find_layout()
        probe = ChildCgroup.create(layout, memory_bytes=256 * 2**20, processes=8)
        probe.remove()
        return layout
    except (OSError, ValueError) as exc:
        return f"no cgroup for the children ({exc.strerror if isinstance(exc, OSError) and exc.strerror else exc})"


class ChildCgroup:
    """The cgroup (one per controller in v1) that holds one child's whole process tree."""

    def __init__(self, layout: Layout, folders: dict[str, Path]):
        self.layout, self.folders = layout, folders

    @classmethod
    def create(cls, layout: Layout, memory_bytes: int, processes: int) -> ChildCgroup:
        name = f"rnnsuite-child-{os.getpid()}-{next(_names)}"
        group = cls(layout, {c: base / name for c, base in layout.bases.items()})
        try:
            for folder in dict.fromkeys(group.folders.values()):  # v2: one folder for both
                folder.mkdir()
            group._limit(memory_bytes, processes)
        except OSError:
            group.remove()
            raise
        return group

    def _limit(self, memory_bytes: int, processes: int) -> None:
        memory, pids = self.folders["memory"], self.folders["pids"]
        if self.layout.version == 2:
            (memory / "memory.max").write_text(str(memory_bytes))
            if (memory / "memory.swap.max").exists():
                (memory / "memory.swap.max").write_text("0")
        else:
            (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
            if (memory / "memory.memsw.limit_in_bytes").exists():  # no swapping around the cap
                (memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
        (pids / "pids.max").write_text(str(processes))

    @property
    def procs_files(self) -> list[Path]:
        """The files a process writes its pid into to join (every controller's)."""
        return sorted({folder / "cgroup.procs" for folder in self.folders.values()})

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.procs_files:
            try:
                found.update(int(p) for p in path.read_text().split())
            except OSError:
                pass
        return found

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the tree for going over the memory cap."""
        memory = self.folders["memory"]
        events = memory / ("memory.events" if self.layout.version == 2 else "memory.oom_control")
        try:
            counts = dict(line.split() for line in events.read_text().splitlines() if len(line.split()) == 2)
        except OSError:
            return False
        return int(counts.get("oom_kill", 0)) > 0

    def kill(self, wait: float = 5.0) -> bool:
        """SIGKILL every process in the tree, including ones started while killing; True once empty."""
        kill_file = self.folders["pids"] / "cgroup.kill"
        if self.layout.version == 2 and kill_file.exists():
            try:
                kill_file.write_text("1")
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while pids := self.pids():
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def remove(self) -> None:
        """Kill what is left and delete the cgroup folders (the kernel refuses while a process remains)."""
        self.kill()
        for folder in set(self.folders.values()):
            for _ in range(100):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # busy: the last processes are still exiting
                    time.sleep(0.01)
