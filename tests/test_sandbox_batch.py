"""A hostile class, graded: every attack fails, and the honest student beside it gets exactly its marks.

Each attacker is a real submission of the line task (numpy only, seconds per
child) graded in one batch with an honest student, two children at once.
The attack runs inside ``build``, while the honest child runs, and prints
what it managed on an ``ATTACK {...}`` line; the test checks that line, the
world outside, and that the honest student's result equals its result when
graded alone.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import LINE_PLUGIN
from grading_helpers import GOOD_LINE, line_batch, requires_sandbox, write

import rnnsuite.grading.protocol
from rnnsuite.cli import cli
from rnnsuite.grading import batch, sandbox

pytestmark = requires_sandbox

LIMITS = sandbox.Limits(timeout=60, memory_mb=768, processes=64)
PACKAGE_FILES = [Path(rnnsuite.grading.protocol.__file__), Path(batch.__file__).parent.parent.parent / "graders"
                 / "gradients.py"]

PRELUDE = """
import json, os, sys, time
from rnnsuite.types import ModelFactory

def confined():  # never attack the host if the sandbox were missing
    return len([p for p in os.listdir("/proc") if p.isdigit()]) <= 8

def report(**what):
    print("ATTACK " + json.dumps(what), flush=True)

def build(spec):
    attack()
    return {"w": 0.0}

def rnnsuite_add_models():
    return [ModelFactory("line", "custom", build)]
"""

#: attack name -> the body of attack(); @NAMES@ are filled in by ``source``
ATTACKS = {
    "tamper": """
        import glob
        def attack():  # rewrite every other child's job and answers, and harvest their predictions
            found, changed, harvested = set(), 0, 0
            end = time.time() + 2
            while time.time() < end:
                for path in glob.glob("/tmp/rnnsuite-child-*/*/*") + glob.glob("@TMP@/rnnsuite-child-*/*/*"):
                    if os.path.abspath(path).startswith(os.path.abspath("..")):
                        continue  # its own
                    found.add(path)
                    try:
                        if path.endswith("predictions.json"):
                            open(path).read()
                            harvested += 1
                        with open(path, "w") as f:
                            f.write("zeroed")
                        changed += 1
                    except OSError:
                        pass
                time.sleep(0.1)
            report(found=len(found), changed=changed, harvested=harvested)
    """,
    "daemon": """
        import subprocess
        LOOP = ("import glob, os, time\\n"
                "for _ in range(600):\\n"
                "    for p in glob.glob('/tmp/rnnsuite-child-*/work/*.json'):\\n"
                "        try: open(p, 'w').write('zeroed')\\n"
                "        except OSError: pass\\n"
                "    time.sleep(0.1)\\n")
        def attack():  # a double-forked daemon in its own session, meant to outlive the child
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv(sys.executable, [sys.executable, "-c", LOOP, "@MARKER@"])
                os._exit(0)
            time.sleep(0.2)
            report(started=True)
    """,
    "spy": """
        def attack():  # the parent's memory and environment, the hidden labels, the data cache
            tries = {}
            for name, path in (("mem", "/proc/@PARENT@/mem"), ("environ", "/proc/@PARENT@/environ"),
                               ("hidden", "@HIDDEN@/v97.1.npz"), ("cache", "@CACHE@")):
                try:
                    with open(path, "rb") as f:
                        tries[name] = "read" if f.read(64) is not None else "empty"
                except OSError as exc:
                    tries[name] = type(exc).__name__
            leaked = []
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if b"@SECRET@" in open(f"/proc/{pid}/environ", "rb").read():
                        leaked.append(pid)
                except OSError:
                    pass
            report(leaked=len(leaked), **tries)
    """,
    "package": """
        def attack():  # change the installed grader for every later student
            tries = []
            for path in @PACKAGE_FILES@:
                try:
                    with open(path, "a") as f:
                        f.write("\\nFULL_BELOW = 1e9  # every gradient passes\\n")
                    tries.append("written")
                except OSError as exc:
                    tries.append(type(exc).__name__)
            report(tries=tries)
    """,
    "killer": """
        import signal
        def attack():  # the grading parent, then everything in sight
            tries = {}
            if confined():
                for name, pid in (("parent", @PARENT@), ("everyone", -1)):
                    try:
                        os.kill(pid, signal.SIGKILL)
                        tries[name] = "sent"
                    except OSError as exc:
                        tries[name] = type(exc).__name__
            report(**tries)
    """,
    "text": """
        def attack():  # a message no report can encode, full of terminal and XML poison
            print("\\x1b[2J\\x1b[31mred\\x00 \\x07\\u202e[bold]markup[/bold]", flush=True)
            raise ValueError("lone \\ud800 surrogate, \\x1b[31mcolour\\x1b[0m, \\x00 nul, \\x0b, \\ufffe")
    """,
    "bomb": """
        import zipfile
        import numpy as np
        from rnnsuite.grading import protocol

        def bomb(folder, name, arrays):  # the child's own writer, replaced: 256 MiB of zeros, under 1 MB packed
            header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
            header["shape"] = (2**25,)
            with zipfile.ZipFile(folder / f"{name}.npz", "w", compression=zipfile.ZIP_DEFLATED,
                                 compresslevel=1) as z:
                with z.open("predictions.npy", "w", force_zip64=True) as f:
                    np.lib.format.write_array_header_1_0(f, header)
                    chunk = bytes(2**24)
                    for _ in range(16):
                        f.write(chunk)
            report(size=os.path.getsize(folder / f"{name}.npz"))

        def attack():
            protocol.write_arrays = bomb
    """,
    "forkbomb": """
        def attack():
            forked, error = 0, ""
            for _ in range(500):
                try:
                    pid = os.fork()
                except OSError as exc:
                    error = type(exc).__name__
                    break
                if pid == 0:
                    time.sleep(30)
                    os._exit(0)
                forked += 1
            report(forked=forked, error=error)
    """,
    "helpers": """
        def attack():  # six helpers, each under the address-space cap, together over the memory cap
            pids = []
            for i in range(6):
                pid = os.fork()
                if pid == 0:
                    hog = bytearray(b"x") * (150 * 2**20)
                    time.sleep(2)
                    os._exit(0)
                pids.append(pid)
            killed = sum(os.WIFSIGNALED(os.waitpid(pid, 0)[1]) for pid in pids)
            report(killed=killed)
    """,
    "shm": """
        def attack():  # files meant to outlive the batch, in memory
            written = {}
            for folder in ("/dev/shm", "/tmp"):
                with open(f"{folder}/@MARKER@", "wb") as f:
                    for _ in range(100):
                        f.write(bytes(2**20))
                written[folder] = os.path.getsize(f"{folder}/@MARKER@")
            report(**written)
    """,
    "socket": """
        import errno, socket
        def attack():  # a listener of the instructor's, and the internet
            tries = {}
            for name, address in (("local", ("127.0.0.1", @PORT@)), ("internet", ("1.1.1.1", 443))):
                s = socket.socket()
                s.settimeout(2)
                try:
                    s.connect(address)
                    tries[name] = "connected"
                except OSError as exc:
                    tries[name] = errno.errorcode.get(exc.errno, str(exc))
            report(**tries)
    """,
}


def hidden_labels(folder: Path) -> Path:
    """The instructor's hidden test data for v97.1, in a folder of pytest's (0700)."""
    folder.mkdir()
    x = np.linspace(-1, 1, 12)
    np.savez(folder / "v97.1.npz", test_inputs=x, test_targets=3 * x)
    return folder


class World:
    """What the attacks are aimed at: the parent's secrets, a listener, markers to find survivors by."""

    def __init__(self, tmp_path: Path):
        self.marker = f"rnnsuite-attack-{uuid.uuid4().hex}"
        self.secret = f"secret-{uuid.uuid4().hex}"
        self.hidden = hidden_labels(tmp_path / "hidden")
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.connections: list = []
        self.listening = True
        self.thread = threading.Thread(target=self._listen)
        self.thread.start()

    def _listen(self) -> None:
        while self.listening:
            try:
                self.connections.append(self.listener.accept())
            except OSError:
                pass

    def close(self) -> None:
        self.listening = False
        self.thread.join()
        self.listener.close()

    def source(self, attack: str) -> str:
        fill = {"@TMP@": tempfile.gettempdir(), "@MARKER@": self.marker, "@PARENT@": str(os.getpid()),
                "@HIDDEN@": str(self.hidden), "@CACHE@": str(Path.home() / ".cache"), "@SECRET@": self.secret,
                "@PACKAGE_FILES@": repr([str(p) for p in PACKAGE_FILES]),
                "@PORT@": str(self.listener.getsockname()[1])}
        body = textwrap.dedent(ATTACKS[attack])
        for key, value in fill.items():
            body = body.replace(key, value)
        return PRELUDE + body

    def survivors(self) -> list[str]:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if self.marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                pass
        shm = [str(p) for folder in ("/dev/shm", "/tmp") for p in Path(folder).glob(f"{self.marker}*")]
        return found + shm


@pytest.fixture
def world(tmp_path, monkeypatch):
    w = World(tmp_path)
    monkeypatch.setenv("RNNSUITE_TEST_SECRET", w.secret)
    yield w
    w.close()


def attack_line(result) -> dict:
    lines = [line for line in result.assignments[0].output.splitlines() if line.startswith("ATTACK ")]
    return json.loads(lines[-1][len("ATTACK "):]) if lines else {}


def marks(result) -> dict:
    """Everything the honest student is graded by, comparable between runs (not the timings)."""
    part = result.assignments[0]
    return {"score": result.score, "status": result.status, "items": [asdict(i) for i in result.items],
            "metrics": part.metrics, "reason": part.reason}


@pytest.fixture(scope="module")
def honest_alone(tmp_path_factory):
    """The honest student's marks when graded alone, with the same hidden labels and limits."""
    folder = tmp_path_factory.mktemp("alone")
    b = line_batch(folder, limits=LIMITS, hidden_data=hidden_labels(folder / "hidden"))
    return marks(b.run([("honest", write(folder / "subs", "honest.py", GOOD_LINE))])[0])


def hashes() -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in PACKAGE_FILES]


def check_attack(name: str, what: dict, attacker, world: World) -> None:
    """The attack's own report and the world outside say it failed."""
    if name == "tamper":
        assert what == {"found": 0, "changed": 0, "harvested": 0}
    elif name == "spy":
        assert what == {"leaked": 0, "mem": "FileNotFoundError", "environ": "FileNotFoundError",
                        "hidden": "FileNotFoundError", "cache": "FileNotFoundError"}
    elif name == "package":
        assert what["tries"] and "written" not in what["tries"]
    elif name == "killer":
        assert what["parent"] == "ProcessLookupError"  # not in its pid namespace; and this test runs on
    elif name == "text":
        reason = attacker.assignments[0].reason
        assert "surrogate" in reason and "\ufffd" in reason and "\x1b" not in reason and "\x00" not in reason
    elif name == "bomb":
        assert 0 < what["size"] < 4 * 2**20
        assert "predictions.npz would unpack to more than 64 MiB" in attacker.assignments[0].reason
    elif name == "forkbomb":
        assert what["error"] == "BlockingIOError" and what["forked"] < LIMITS.processes
    elif name == "helpers":
        assert attacker.assignments[0].status == "memory" and "memory cap" in attacker.assignments[0].reason
    elif name == "shm":
        assert what == {"/dev/shm": 100 * 2**20, "/tmp": 100 * 2**20}  # written inside, gone outside (survivors)
    elif name == "socket":
        assert what == {"local": "ECONNREFUSED", "internet": "ENETUNREACH"} and world.connections == []
    elif name == "daemon":
        assert what == {"started": True}  # and it is gone (survivors), its rewrites never landed (marks)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_fails_and_the_honest_student_keeps_its_marks(tmp_path, world, honest_alone, name):
    if name == "helpers" and not isinstance(sandbox.cgroups.support(), sandbox.cgroups.Layout):
        pytest.skip(f"forked helpers are bounded only by a cgroup: {sandbox.cgroups.support()}")
    before, peak = hashes(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    b = line_batch(tmp_path, limits=LIMITS, hidden_data=world.hidden, jobs=2)
    subs = tmp_path / "subs"
    attacker, honest = b.run([("attacker", write(subs, "attacker.py", world.source(name))),
                              ("honest", write(subs, "honest.py", GOOD_LINE))])
    what = attack_line(attacker)
    assert what or name == "text", attacker.assignments[0].output
    check_attack(name, what, attacker, world)
    assert marks(honest) == honest_alone
    time.sleep(0.2)  # the kernel reaps what the pid namespace held
    assert world.survivors() == []
    assert hashes() == before
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 300 * 2**10  # KiB: no bomb unpacked here


def test_the_whole_class_at_once_leaves_nothing_behind_and_every_format_parses(tmp_path, world, monkeypatch,
                                                                                honest_alone):
    scratch = tmp_path / "tmp"  # where the children's folders go: it must end up empty
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    plugin = write(tmp_path / "plugins", "line97.py", LINE_PLUGIN)
    subs = tmp_path / "subs"
    for name in ATTACKS:
        write(subs, f"{name}.py", world.source(name))
    write(subs, "alice.py", GOOD_LINE)
    write(subs, "bob.py", GOOD_LINE)
    out = tmp_path / "out"
    before = hashes()
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["-p", str(plugin), "grade", str(subs), "--variant", "97", "--task", "1",
                                      "--jobs", "2", "--timeout", "60", "--memory", "768",
                                      "--hidden-data", str(world.hidden), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 120
    time.sleep(0.2)
    assert world.survivors() == [] and list(scratch.iterdir()) == [] and hashes() == before
    assert world.connections == []
    layout = sandbox.cgroups.support()
    if isinstance(layout, sandbox.cgroups.Layout):  # every child's cgroup removed
        assert [p for base in layout.bases.values() for p in base.glob(f"rnnsuite-child-{os.getpid()}-*")] == []
    students = sorted(ATTACKS) + ["alice", "bob"]
    rows = list(csv.DictReader((out / "gradebook.csv").read_text(encoding="utf-8").splitlines()))
    assert sorted(r["student"] for r in rows) == sorted(students)
    for honest in ("alice", "bob"):  # exactly the marks of an honest student graded alone (in points here)
        student = json.loads((out / "students" / f"{honest}.json").read_text(encoding="utf-8"))
        assert student["status"] == honest_alone["status"] and student["score"] == student["max_score"] > 0
        assert [(i["name"], i["passed"], i["message"]) for i in student["items"]] == \
            [(i["name"], i["passed"], i["message"]) for i in honest_alone["items"]]
    assert honest_alone["score"] == sum(i["max_score"] for i in honest_alone["items"])
    root = ET.parse(out / "junit.xml").getroot()  # expat: strict about every character
    assert sorted(s.get("name") for s in root.findall("testsuite")) == sorted(students)
    for student in students:
        json.loads((out / "students" / f"{student}.json").read_text(encoding="utf-8"))
        gradescope = json.loads((out / "gradescope" / student / "results.json").read_text(encoding="utf-8"))
        assert {"score", "tests", "output"} <= set(gradescope)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["students"] == len(students) and summary["sandbox"].startswith("bubblewrap sandbox")
    assert set(p.name for p in out.iterdir()) == {"students", "gradescope", "junit.xml", "gradebook.csv",
                                                  "summary.json", "report.html"}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert all(student in page for student in ("alice", "bob")) and "<script" not in page.lower()


SLEEPER = """
    import time
    from rnnsuite.types import ModelFactory

    def build(spec):
        open("started", "w").close()
        time.sleep(120)
        return {"w": 0.0}

    def rnnsuite_add_models():
        return [ModelFactory("line", "custom", build)]
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_kills_every_child_at_once_and_saves_exactly_the_finished(tmp_path, signum):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    plugin = write(tmp_path / "plugins", "line97.py", LINE_PLUGIN)
    subs = tmp_path / "subs"
    write(subs, "a_honest.py", GOOD_LINE)
    write(subs, "b_sleeper.py", SLEEPER)
    write(subs, "c_sleeper.py", SLEEPER)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "rnnsuite.cli", "-p", str(plugin), "grade", str(subs),
                             "--variant", "97", "--task", "1", "--jobs", "2", "--timeout", "300", "--out", str(out)],
                            env={**os.environ, "TMPDIR": str(scratch)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(list(scratch.glob("rnnsuite-child-*/work/started"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # both sleepers running: the honest student, before them, is finished
    assert len(list(scratch.glob("rnnsuite-child-*/work/started"))) == 2, proc.communicate(timeout=60)
    sent = time.monotonic()
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 10  # not the 300 s timeout
    assert proc.returncode == 130, stderr
    message = stderr.strip().splitlines()[-1]
    assert message == (f"Interrupted: every child was stopped; the 1 finished student(s) are saved in {out} "
                       "(a_honest); 2 not graded.")
    saved = json.loads((out / "students" / "a_honest.json").read_text())
    assert saved["score"] == saved["max_score"] == 10  # full marks, in points
    assert sorted(p.name for p in (out / "students").iterdir()) == ["a_honest.json"]
    assert list(scratch.iterdir()) == []  # every child's folder removed, no child left to write one


def test_an_interrupt_before_anyone_finished_says_nothing_was_saved(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    plugin = write(tmp_path / "plugins", "line97.py", LINE_PLUGIN)
    write(tmp_path / "subs", "sleeper.py", SLEEPER)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "rnnsuite.cli", "-p", str(plugin), "grade", str(tmp_path / "subs"),
                             "--variant", "97", "--task", "1", "--timeout", "300", "--out", str(out)],
                            env={**os.environ, "TMPDIR": str(scratch)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(scratch.glob("rnnsuite-child-*/work/started")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stderr.strip().splitlines()[-1] == (f"Interrupted: every child was stopped; no student had finished, "
                                               f"nothing was saved ({out} is empty).")
    assert list(out.iterdir()) == [] and list(scratch.iterdir()) == []
