"""Headless Chromium driven over the Chrome DevTools protocol on a pipe: no extra package, no network.

``Chromium`` starts the system browser with ``--remote-debugging-pipe``
(commands on fd 3, replies and events on fd 4, each message JSON ended by a
NUL byte), opens one page, and collects what the page logged: console
calls, uncaught exceptions, the browser's own log (failed loads, content
security policy violations) and every network request.  The flags keep a
browser on a machine without network from trying to reach Google; root
needs ``--no-sandbox``.
"""
from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio",
         "--remote-debugging-pipe")


def find_chromium() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """One headless browser with one page; ``with Chromium(exe) as b: b.open(path)``."""

    def __init__(self, executable: str, width: int = 1280, height: int = 900, timeout: float = 60) -> None:
        self.timeout = timeout
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="rnnsuite-chromium-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        args = [executable, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
                "about:blank"]
        # the browser reads commands on fd 3 and writes on fd 4: the shell moves the pipes there
        self.log = Path(self.profile) / "chromium.log"  # the browser's own lines, shown if it stops answering
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                ["bash", "-c", f'exec "$@" 3<&{to_browser_r} 4>&{from_browser_w}', "bash", *args],  # dash: fds < 10
                pass_fds=(to_browser_r, from_browser_w), stdout=log, stderr=subprocess.STDOUT)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.write_fd, self.read_fd = to_browser_w, from_browser_r
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def __enter__(self) -> "Chromium":
        try:
            target = self.send("Target.createTarget", {"url": "about:blank"}, page=False)["targetId"]
            self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, page=False)[
                "sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.send(f"{domain}.enable")
            self.send("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": self.height,
                                                             "deviceScaleFactor": 1, "mobile": False})  # the viewport
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.send("Browser.close", page=False, timeout=10)
        except (OSError, TimeoutError, EOFError, RuntimeError):
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.write_fd)
        os.close(self.read_fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- the protocol ------------------------------------------------------------------------
    def send(self, method: str, params: dict | None = None, page: bool = True, timeout: float | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if page:
            message["sessionId"] = self.session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive(timeout or self.timeout)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def receive(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                raise TimeoutError(f"the browser did not answer in time; it said: {self.said()}")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise EOFError(f"the browser closed the pipe (exit status {self.process.poll()}); it said: "
                               f"{self.said()}")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def said(self) -> str:
        """The last lines the browser wrote on its stderr."""
        try:
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-8:])
        except OSError:
            return "(nothing)"

    # -- what a test uses --------------------------------------------------------------------
    def open(self, path: Path) -> None:
        """Load a local file and wait for its load event; what the page before it logged is forgotten."""
        self.events = []
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()})
        while not any(ev.get("method") == "Page.loadEventFired" for ev in self.events):
            self.events.append(self.receive(self.timeout))

    def evaluate(self, expression: str) -> Any:
        """A JavaScript expression's value (a promise is awaited)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}...: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        """The page as it first shows (the viewport), as a PNG."""
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and the browser's errors (a failed load, a blocked one)."""
        out = []
        for ev in self.events:
            method, params = ev.get("method"), ev.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                out.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                out.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        return out

    def requests(self) -> list[str]:
        """Every URL the page asked for."""
        return [ev["params"]["request"]["url"] for ev in self.events if ev.get("method") == "Network.requestWillBeSent"]
