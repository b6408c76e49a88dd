"""Finding and using a cgroup per child, on cgroup v2 (a fake tree) and v1 (this machine's, when there)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnnsuite.grading import cgroups


def fake_v2(tmp_path: Path, monkeypatch, subtree: str = "") -> Path:
    """A unified hierarchy as plain files: this process in /work.slice, memory and pids available."""
    base = tmp_path / "work.slice"
    base.mkdir()
    (base / "cgroup.controllers").write_text("cpu memory pids\n")
    (base / "cgroup.subtree_control").write_text(subtree)
    (base / "cgroup.procs").write_text(f"{os.getpid()}\n")
    monkeypatch.setattr(cgroups, "_mounts", lambda: [("/", str(tmp_path), "cgroup2", {"rw"})])
    monkeypatch.setattr(cgroups, "_own_paths", lambda: {"": "/work.slice"})
    return base


def test_a_v2_child_gets_its_caps_in_the_unified_files(tmp_path, monkeypatch):
    base = fake_v2(tmp_path, monkeypatch)
    layout = cgroups._find_layout()
    assert layout == cgroups.Layout(2, {"memory": base, "pids": base})
    assert (base / "cgroup.subtree_control").read_text() == "+memory +pids"
    group = cgroups.ChildCgroup.create(layout, memory_bytes=300 * 2**20, processes=32)
    folder = group.folders["memory"]
    assert folder.parent == base and group.folders["pids"] == folder
    assert (folder / "memory.max").read_text() == str(300 * 2**20) and (folder / "pids.max").read_text() == "32"
    assert group.procs_files == [folder / "cgroup.procs"]
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert group.oom_killed()


def test_v2_without_the_controllers_is_no_layout(tmp_path, monkeypatch):
    base = fake_v2(tmp_path, monkeypatch)
    (base / "cgroup.controllers").write_text("cpu io\n")
    with pytest.raises(OSError, match="no memory and pids controllers"):
        cgroups._find_layout()


@pytest.mark.skipif(not isinstance(cgroups.support(), cgroups.Layout), reason=f"{cgroups.support()}")
def test_a_real_child_cgroup_holds_a_process_tree_and_kill_empties_it():
    group = cgroups.ChildCgroup.create(cgroups.support(), memory_bytes=256 * 2**20, processes=16)
    joins = " && ".join(f"echo $$ > {path}" for path in group.procs_files)
    proc = subprocess.Popen(["/bin/sh", "-c", f"{joins} && exec {sys.executable} -c "
                             "\"import os, time; os.fork(); os.fork(); time.sleep(60)\""])
    try:
        deadline = time.monotonic() + 10
        while len(group.pids()) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(group.pids()) == 4  # the shell's python and its three forks
        assert group.kill() and group.pids() == set()
    finally:
        group.remove()
        proc.wait()
    assert not any(folder.exists() for folder in group.folders.values())
