"""The sandbox against hostile children: each attack runs through run_limited and must fail.

Every script here is what a student could submit; it prints what it managed
as JSON on its last line, and the test checks both what it printed and the
world outside (files, processes, the listener, the installed package).
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import socket
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

import rnnsuite.grading.protocol
from rnnsuite.errors import UserError
from rnnsuite.grading import bubblewrap, cgroups, sandbox

from grading_helpers import requires_sandbox  # isort: skip

LIMITS = sandbox.Limits(timeout=30, memory_mb=512, processes=64)
#: refuses to run an attack that could reach the host if it ever ran unconfined
CONFINED = """
import json, os, sys
if len([p for p in os.listdir("/proc") if p.isdigit()]) > 8:
    sys.exit("not in a pid namespace: refusing to attack the host")
def report(**what):
    print(json.dumps(what), flush=True)
"""

pytestmark = requires_sandbox

FORK_BOMB = """
import time
forked, error = 0, ""
for _ in range(300):
    try:
        pid = os.fork()
    except OSError as exc:
        error = type(exc).__name__
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    forked += 1
report(forked=forked, error=error)
"""


def confined(tmp_path: Path, source: str, *args, limits: sandbox.Limits = LIMITS, **kw) -> sandbox.ChildRun:
    """Run an attack script in a fresh work folder under the sandbox."""
    work = tmp_path / f"work-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    (work / "attack.py").write_text(CONFINED + textwrap.dedent(source))
    return sandbox.run_limited([sys.executable, "-I", "attack.py", *map(str, args)], work, limits, **kw)


def reported(run: sandbox.ChildRun) -> dict:
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, (run.returncode, run.stdout[-500:], run.stderr[-2000:])
    return json.loads(lines[-1])


def processes_with(marker: str) -> list[int]:
    """Processes anywhere on the machine whose command line holds the marker."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


def test_a_double_forked_daemon_dies_with_its_child(tmp_path):
    marker = f"daemon-{uuid.uuid4().hex}"
    run = confined(tmp_path, """
        import time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:  # the daemon: reparented, in its own session, writing forever
                while True:
                    with open("heartbeat", "a") as f:
                        f.write(".")
                    time.sleep(0.05)
            os._exit(0)
        time.sleep(0.5)
        report(beats=len(open("heartbeat").read()))
    """, marker)
    assert reported(run)["beats"] > 0 and run.returncode == 0
    heartbeat = next(tmp_path.glob("work-*/heartbeat"))
    time.sleep(0.3)
    size = heartbeat.stat().st_size
    time.sleep(0.5)
    assert heartbeat.stat().st_size == size  # nothing writes any more
    assert processes_with(marker) == []


def test_a_fork_bomb_stops_at_the_process_cap(tmp_path):
    marker = f"bomb-{uuid.uuid4().hex}"
    run = confined(tmp_path, FORK_BOMB, marker, limits=sandbox.Limits(timeout=30, memory_mb=512, processes=24))
    what = reported(run)
    assert what["error"] == "BlockingIOError" and 0 < what["forked"] < 24
    time.sleep(0.2)
    assert processes_with(marker) == []


@pytest.mark.skipif(not isinstance(cgroups.support(), cgroups.Layout), reason=f"{cgroups.support()}")
def test_forked_memory_helpers_share_one_memory_cap(tmp_path):
    # each helper stays under the per-process address-space cap; together they are over the tree's cap
    run = confined(tmp_path, """
        import time
        helpers = []
        for i in range(4):
            pid = os.fork()
            if pid == 0:
                hog = bytearray(b"x") * (90 * 2**20)  # written, so really resident
                open(f"allocated-{i}", "w").close()
                time.sleep(3)
                os._exit(0)
            helpers.append(pid)
        statuses = [os.waitpid(pid, 0)[1] for pid in helpers]
        report(killed=sum(os.WIFSIGNALED(s) for s in statuses))
    """, limits=sandbox.Limits(timeout=30, memory_mb=200, processes=64))
    work = next(tmp_path.glob("work-*"))
    assert len(list(work.glob("allocated-*"))) <= 2  # 4 x 90 MiB never fit in 200 MB
    assert run.oom_killed and "memory cap" in run.reason(30)


def test_files_in_dev_shm_and_tmp_vanish_and_are_capped(tmp_path):
    name = f"rnnsuite-test-{uuid.uuid4().hex}"
    run = confined(tmp_path, """
        name = sys.argv[1]
        sizes = {}
        for folder in ("/dev/shm", "/tmp"):
            with open(f"{folder}/{name}", "wb") as f:
                f.write(b"x" * 2**20)
            try:
                with open(f"{folder}/{name}-big", "wb") as f:
                    for _ in range(100):
                        f.write(b"x" * 2**20)
                sizes[folder] = "no cap"
            except OSError as exc:
                sizes[folder] = exc.strerror
        report(sizes=sizes, seen=os.path.getsize(f"/dev/shm/{name}"))
    """, name, limits=sandbox.Limits(timeout=30, memory_mb=512, scratch_mb=32))
    what = reported(run)
    assert what["seen"] == 2**20 and what["sizes"] == {"/dev/shm": "No space left on device",
                                                       "/tmp": "No space left on device"}
    for folder in ("/dev/shm", "/tmp"):
        assert not list(Path(folder).glob(f"{name}*"))


def test_no_socket_reaches_a_local_listener_or_beyond(tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    port = listener.getsockname()[1]
    unix_path = tmp_path / "parent.sock"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(unix_path))
    unix.listen()
    accepted = []
    waiter = threading.Thread(target=lambda: accepted.append(_accept(listener)))
    waiter.start()
    run = confined(tmp_path, """
        import errno, socket
        results = {}
        for name, family, address in (("tcp", socket.AF_INET, ("127.0.0.1", int(sys.argv[1]))),
                                      ("internet", socket.AF_INET, ("1.1.1.1", 53)),
                                      ("unix", socket.AF_UNIX, sys.argv[2])):
            s = socket.socket(family)
            s.settimeout(2)
            try:
                s.connect(address)
                results[name] = "connected"
            except OSError as exc:
                results[name] = errno.errorcode.get(exc.errno, str(exc))
        report(**results)
    """, port, unix_path)
    waiter.join()
    listener.close()
    unix.close()
    what = reported(run)
    assert what == {"tcp": "ECONNREFUSED", "internet": "ENETUNREACH", "unix": "ENOENT"}
    assert accepted == [None]


def _accept(listener: socket.socket):
    try:
        return listener.accept()
    except OSError:
        return None


def test_the_parents_memory_environment_and_processes_are_out_of_sight(tmp_path, monkeypatch):
    secret = f"secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("RNNSUITE_TEST_SECRET", secret)
    run = confined(tmp_path, """
        parent, secret = int(sys.argv[1]), sys.argv[2]
        tries = {}
        for what in ("mem", "environ", "maps"):
            try:
                with open(f"/proc/{parent}/{what}", "rb") as f:
                    tries[what] = "read" if f.read(4096) else "empty"
            except OSError as exc:
                tries[what] = type(exc).__name__
        leaked = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                leaked += [pid] if secret.encode() in open(f"/proc/{pid}/environ", "rb").read() else []
            except OSError:
                pass
        report(tries=tries, leaked=leaked, processes=len([p for p in os.listdir("/proc") if p.isdigit()]))
    """, os.getpid(), secret)
    what = reported(run)
    assert what["leaked"] == [] and what["processes"] <= 3
    assert secret not in run.stdout + run.stderr
    libc = ctypes.CDLL(None)
    assert libc.prctl(3, 0, 0, 0, 0) == 0  # PR_GET_DUMPABLE: the grading parent is not dumpable


def test_a_folder_of_the_parent_the_data_cache_and_home_are_not_there(tmp_path):
    secret = tmp_path / "hidden"
    secret.mkdir(mode=0o700)
    (secret / "v5.1.npz").write_bytes(b"labels")
    home = Path.home()
    run = confined(tmp_path, """
        tries = {}
        for path in sys.argv[1:]:
            try:
                tries[path] = os.listdir(path) if os.path.isdir(path) else open(path, "rb").read().decode()
            except OSError as exc:
                tries[path] = type(exc).__name__
        report(**tries)
    """, secret, secret / "v5.1.npz", home, home / ".cache", "/home")
    what = reported(run)
    assert what[str(secret)] == what[str(secret / "v5.1.npz")] == "FileNotFoundError"
    assert what[str(home / ".cache")] == what["/home"] == "FileNotFoundError"
    assert "labels" not in run.stdout
    # of the home folder, only the way to the interpreter when it lives there (pyenv)
    needed = {Path(p).relative_to(home).parts[0] for p in bubblewrap.python_paths() if Path(p).is_relative_to(home)}
    assert what[str(home)] == "FileNotFoundError" or set(what[str(home)]) <= needed


#: a child script that reports, for each path it is given, the file's text or why it could not be read
READ_EACH = """
    tries = {}
    for path in sys.argv[1:]:
        try:
            tries[path] = open(path, "rb").read().decode()
        except OSError as exc:
            tries[path] = type(exc).__name__
    report(**tries)
"""


def test_a_secret_inside_a_mounted_folder_is_covered(tmp_path, monkeypatch):
    outside_tmp = Path(tempfile.mkdtemp(dir="/var/tmp"))  # /tmp is the child's own tmpfs: this must not be in it
    try:
        outside_tmp.chmod(0o755)
        (outside_tmp / "visible.txt").write_text("fine")
        (outside_tmp / "labels").mkdir()
        (outside_tmp / "labels" / "v5.1.npz").write_bytes(b"labels")
        paths = bubblewrap.python_paths()
        monkeypatch.setattr(bubblewrap, "python_paths", lambda: (*paths, str(outside_tmp)))
        run = confined(tmp_path, READ_EACH, outside_tmp / "visible.txt", outside_tmp / "labels" / "v5.1.npz",
                       secrets=[outside_tmp / "labels"])
        assert reported(run) == {str(outside_tmp / "visible.txt"): "fine",
                                 str(outside_tmp / "labels" / "v5.1.npz"): "FileNotFoundError"}
    finally:
        shutil.rmtree(outside_tmp)


def test_an_install_under_tmp_is_seen_through_the_private_tmp(tmp_path, monkeypatch):
    """A clone installed under /tmp (as CI makes one) is bound over the child's own /tmp, its secret covered,
    and nothing else of the host's /tmp shows."""
    install = Path(tempfile.mkdtemp(dir="/tmp"))
    neighbour = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        for folder in (install, neighbour):
            folder.chmod(0o755)
        (install / "module.py").write_text("fine")
        (install / "labels").mkdir()
        (install / "labels" / "v5.1.npz").write_bytes(b"labels")
        (neighbour / "other.txt").write_text("another student's")
        paths = bubblewrap.python_paths()
        monkeypatch.setattr(bubblewrap, "python_paths", lambda: (*paths, str(install)))
        run = confined(tmp_path, READ_EACH,
                       install / "module.py", install / "labels" / "v5.1.npz", neighbour / "other.txt",
                       secrets=[install / "labels"])
        assert reported(run) == {str(install / "module.py"): "fine",
                                 str(install / "labels" / "v5.1.npz"): "FileNotFoundError",
                                 str(neighbour / "other.txt"): "FileNotFoundError"}
    finally:
        shutil.rmtree(install)
        shutil.rmtree(neighbour)


def test_the_installed_package_cannot_be_changed(tmp_path):
    source = Path(rnnsuite.grading.protocol.__file__)
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    run = confined(tmp_path, """
        import errno
        tries = {}
        for path in sys.argv[1:]:
            try:
                with open(path, "a") as f:
                    f.write("\\nMAX_JSON = 0  # appended by a student\\n")
                tries[path] = "written"
            except OSError as exc:
                tries[path] = errno.errorcode[exc.errno]
        report(**tries)
    """, source, source.with_name("evil.py"), Path(sys.executable).parent / "evil")
    assert set(reported(run).values()) <= {"EROFS", "EACCES"}  # read-only mount (and, as root, another uid)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    assert not source.with_name("evil.py").exists()


def test_killing_everything_in_sight_spares_the_parent_and_a_neighbour(tmp_path):
    runs: dict[str, sandbox.ChildRun] = {}
    honest = threading.Thread(target=lambda: runs.update(honest=confined(tmp_path, """
        import time
        time.sleep(2)
        report(done=True)
    """)))
    honest.start()
    time.sleep(0.5)
    killer = confined(tmp_path, """
        import signal
        tries = {}
        for name, pid in (("parent", int(sys.argv[1])), ("everyone", -1)):
            try:
                os.kill(pid, signal.SIGKILL)
                tries[name] = "sent"
            except OSError as exc:
                tries[name] = type(exc).__name__
        report(**tries)
    """, os.getpid())
    honest.join()
    assert reported(killer)["parent"] == "ProcessLookupError"
    assert reported(runs["honest"]) == {"done": True} and runs["honest"].returncode == 0


def test_a_child_cannot_reach_another_childs_folder(tmp_path):
    runs: dict[str, sandbox.ChildRun] = {}
    victim_folder: list[Path] = []

    def victim() -> None:
        work = tmp_path / "victim"
        work.mkdir()
        (work / "job.json").write_text('{"answers": "mine"}')
        (work / "attack.py").write_text(CONFINED + textwrap.dedent("""
            import time
            time.sleep(2)
            report(job=open("job.json").read(), uid=os.getuid())
        """))
        victim_folder.append(work)
        runs["victim"] = sandbox.run_limited([sys.executable, "-I", "attack.py"], work, LIMITS)

    thread = threading.Thread(target=victim)
    thread.start()
    time.sleep(0.5)
    attacker = confined(tmp_path, """
        tries = {}
        for name in ("job.json", "predictions.json"):
            try:
                with open(os.path.join(sys.argv[1], name), "w") as f:
                    f.write('{"answers": "zeroed"}')
                tries[name] = "written"
            except OSError as exc:
                tries[name] = type(exc).__name__
        report(tries=tries, uid=os.getuid())
    """, tmp_path / "victim")
    thread.join()
    assert reported(attacker)["tries"] == {"job.json": "FileNotFoundError", "predictions.json": "FileNotFoundError"}
    assert json.loads(reported(runs["victim"])["job"]) == {"answers": "mine"}
    assert not (victim_folder[0] / "predictions.json").exists()
    if sandbox.is_root():  # two children at once: two uids, neither root, each owning what it writes
        uids = {reported(attacker)["uid"], reported(runs["victim"])["uid"]}
        assert len(uids) == 2 and 0 not in uids and uids <= set(sandbox.CHILD_UIDS)
        assert runs["victim"].owner == reported(runs["victim"])["uid"]


def test_files_the_child_writes_belong_to_the_owner_the_parent_expects(tmp_path):
    run = confined(tmp_path, """
        open("answer.json", "w").write("{}")
        report(uid=os.getuid())
    """)
    answer = next(tmp_path.glob("work-*/answer.json"))
    assert answer.stat().st_uid == run.owner
    assert rnnsuite.grading.protocol.read_json(answer.parent, "answer", run.owner) == {}
    with pytest.raises(rnnsuite.grading.protocol.AnswerError, match="not owned"):
        rnnsuite.grading.protocol.read_json(answer.parent, "answer", run.owner + 1)


def test_as_an_ordinary_user_the_child_lives_in_its_own_user_namespace(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "is_root", lambda: False)
    run = confined(tmp_path, """
        import errno
        open("answer.json", "w").write("{}")
        try:  # the package's files belong to the same user outside: only the read-only mount stops this
            open(sys.argv[1], "a").close()
            package = "written"
        except OSError as exc:
            package = errno.errorcode[exc.errno]
        report(uid=os.getuid(), unshare=os.system("unshare -U true 2>/dev/null"), package=package)
    """, rnnsuite.grading.protocol.__file__)
    what = reported(run)
    assert what["uid"] == sandbox.NAMESPACE_UID and what["unshare"] != 0  # and no user namespace of its own
    assert what["package"] == "EROFS"
    assert next(tmp_path.glob("work-*/answer.json")).stat().st_uid == run.owner == os.getuid()


def test_stop_all_kills_every_running_child_at_once(tmp_path):
    marker = f"stopped-{uuid.uuid4().hex}"
    outcomes: list[BaseException | sandbox.ChildRun] = []

    def sleeper() -> None:
        try:
            outcomes.append(confined(tmp_path, "import time\nopen('started', 'w').close()\ntime.sleep(60)\n",
                                     marker))
        except sandbox.Interrupted as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=sleeper) for _ in range(2)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(list(tmp_path.glob("work-*/started"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    try:
        assert sandbox.stop_all() == 2
        for t in threads:
            t.join(timeout=10)
        with pytest.raises(sandbox.Interrupted):
            confined(tmp_path, "print('never runs')")
    finally:
        sandbox.reopen()
    assert time.monotonic() - started < 5
    assert len(outcomes) == 2 and all(isinstance(o, sandbox.Interrupted) for o in outcomes)
    assert processes_with(marker) == []
    assert reported(confined(tmp_path, "report(again=True)")) == {"again": True}


def test_a_missing_sandbox_is_one_line_with_what_to_install(monkeypatch, tmp_path):
    sandbox.problem.cache_clear()
    monkeypatch.setattr(sandbox, "_tools", lambda: {"bwrap": None, "setpriv": "/usr/bin/setpriv",
                                                    "prlimit": "/usr/bin/prlimit"})
    try:
        why = sandbox.problem()
        assert "bubblewrap (bwrap) is not installed" in why and "apt-get install bubblewrap" in why
        with pytest.raises(UserError, match="not installed.*--no-sandbox") as exc:
            sandbox.run_limited([sys.executable, "-c", "print(1)"], tmp_path, LIMITS)
        assert "\n" not in str(exc.value)
        sandbox.require(False)  # asked for no sandbox: allowed
        unconfined = sandbox.run_limited([sys.executable, "-I", "-c", "print('ran')"], tmp_path, LIMITS,
                                         sandboxed=False)
        assert unconfined.stdout == "ran\n" and "NOT SANDBOXED" in sandbox.describe(False)
    finally:
        sandbox.problem.cache_clear()


def test_without_a_cgroup_the_caps_fall_back_to_rlimits_and_say_so(tmp_path, monkeypatch):
    monkeypatch.setattr(cgroups, "support", lambda: "no cgroup for the children (Read-only file system)")
    assert "per-process rlimits only" in sandbox.warning(True)
    run = confined(tmp_path, FORK_BOMB, limits=sandbox.Limits(timeout=30, memory_mb=512, processes=24))
    what = reported(run)
    assert what["error"] == "BlockingIOError" and 0 < what["forked"] < 24  # RLIMIT_NPROC of the child's uid
    assert not run.oom_killed
