"""Where fetched data lives: ``$RNNSUITE_DATA_DIR`` or the user cache folder.

Each artifact unpacks into ``<cache>/<artifact>-<version>/`` together with a
``MANIFEST.json`` holding the sha256 of every member, so ``verify`` can
re-hash the cache later.  Derived files (parsed music tokens) go into
``<cache>/derived/``.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from rnnsuite.paths import data_dir  # the cache root is the host's

MANIFEST = "MANIFEST.json"


def sha256(path: Path) -> str:
    """The hex sha256 of a file (pooch's own hashing routine)."""
    import pooch

    return pooch.file_hash(str(path), alg="sha256")


def tree_digest(hashes: dict[str, str]) -> str:
    """One sha256 over a set of members: sorted ``path  sha256`` lines."""
    lines = "".join(f"{p}  {h}\n" for p, h in sorted(hashes.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def read_manifest(folder: Path) -> dict[str, str] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    return files if isinstance(files, dict) else None


def write_manifest(folder: Path, hashes: dict[str, str], **info: str) -> None:
    payload = {**info, "digest": tree_digest(hashes), "files": dict(sorted(hashes.items()))}
    (folder / MANIFEST).write_text(json.dumps(payload, indent=1), "utf-8")


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def human(nbytes: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return ""  # pragma: no cover


def derived(name: str, key: str, build):
    """JSON-able data computed once from cached files: ``<cache>/derived/<name>-<key>.json``.

    ``key`` should change whenever the inputs or the computation change.
    """
    folder = data_dir() / "derived"
    path = folder / f"{name}-{key}.json"
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        pass
    value = build()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)
    return value
