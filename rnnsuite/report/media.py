"""What each artifact of a run shows in the report, decided by its file type.

Images are shown, Markdown samples and tables rendered, CSV/TSV tables cut
to their first rows, text shown, tunes played (their notes from a note list
the assignment wrote beside the MIDI, or read from the MIDI with music21
where it is installed), and everything else (saved models, vocabularies,
MusicXML) linked.  A folder artifact shows its files.

Only files inside the run folder are read: an artifact path recorded
elsewhere (the folder was moved) is looked up by name in the assignment's
folder, and one that leads outside the run folder is reported missing.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rnnsuite.report.synth import Note, from_quarters

IMAGES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
          ".webp": "image/webp"}
DELIMITERS = {".csv": ",", ".tsv": "\t"}
MIDI = (".mid", ".midi")
TABLE_ROWS = 20  # rows of a CSV/TSV shown
TEXT_CHARS = 20_000  # characters of a Markdown or text file shown
FOLDER_FILES = 24  # files of a folder artifact shown (the rest are counted)
NOTE_LIST_BYTES = 5_000_000  # a larger JSON file is not read as a note list (a vocabulary, a codec)

Kind = Literal["image", "table", "markdown", "text", "audio", "link", "missing", "group"]


@dataclass
class Media:
    """One thing the report shows for an artifact; a ``group`` holds others (a folder, a tune)."""

    kind: Kind
    name: str  # the artifact's name, a file's name, a tune's title
    path: Path | None = None  # the file, inside the run folder
    href: str = ""  # the file relative to the run folder, with forward slashes
    rows: list[list[str]] = field(default_factory=list)  # a table: the header, then the first rows
    total_rows: int = 0  # a table: rows of data in the file
    text: str = ""  # Markdown or plain text, cut at TEXT_CHARS
    notes: list[Note] = field(default_factory=list)  # audio
    items: list["Media"] = field(default_factory=list)  # a group's contents
    more: int = 0  # a folder: files not shown


def locate(run_dir: Path, folder: Path, recorded: str) -> Path | None:
    """The artifact's file inside the run folder: where it was recorded, else by name in ``folder``."""
    root = run_dir.resolve()
    recorded_path = Path(recorded)
    for candidate in (recorded_path if recorded_path.is_absolute() else run_dir / recorded_path,
                      folder / recorded_path.name):
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            continue
        if real.is_relative_to(root) and real.exists():
            return real
    return None


def artifact_media(run_dir: Path, folder: Path, artifacts: dict[str, str]) -> list[Media]:
    """What to show for each artifact of one assignment, in the recorded order.

    A note list claims the files it names (MIDI, MusicXML, piano roll), so a
    folder that holds them does not show them a second time; a CSV/TSV with a
    Markdown twin of the same name is linked, not shown twice.
    """
    found = {name: locate(run_dir, folder, str(recorded)) for name, recorded in artifacts.items()}
    tunes = {name: _tunes(name, path, run_dir) for name, path in found.items()
             if path is not None and path.suffix == ".json"}
    tunes = {name: group for name, group in tunes.items() if group is not None}
    claimed = {item.path for group in tunes.values() for tune in group.items for item in tune.items if item.path}
    twins = {p.with_suffix("") for p in found.values() if p is not None and p.suffix == ".md"}
    out = []
    for name, path in found.items():
        if name in tunes:
            out.append(tunes[name])
        elif path is None:
            out.append(Media("missing", name, href=str(artifacts[name])))
        elif path.is_dir():
            out.append(_folder(name, path, run_dir, claimed))
        elif path.suffix in DELIMITERS and path.with_suffix("") in twins:
            out.append(_link(name, path, run_dir))
        else:
            out.append(file_media(name, path, run_dir))
    return out


def href(path: Path, run_dir: Path) -> str:
    return path.relative_to(run_dir.resolve()).as_posix()


def file_media(name: str, path: Path, run_dir: Path) -> Media:
    """One file by its type; one that cannot be read is linked."""
    suffix = path.suffix.lower()
    try:
        if suffix in IMAGES:
            return Media("image", name, path, href(path, run_dir))
        if suffix in DELIMITERS:
            rows, total = read_table(path, DELIMITERS[suffix])
            return Media("table", name, path, href(path, run_dir), rows=rows, total_rows=total)
        if suffix in (".md", ".txt"):
            return Media("markdown" if suffix == ".md" else "text", name, path, href(path, run_dir),
                         text=read_text(path))
        if suffix in MIDI:
            notes = midi_notes(path)
            if notes:
                return Media("group", name, items=[Media("audio", name, path, href(path, run_dir), notes=notes),
                                                   _link(path.name, path, run_dir)])
    except (OSError, UnicodeDecodeError, csv.Error):
        pass
    return _link(name, path, run_dir)


def _link(name: str, path: Path, run_dir: Path) -> Media:
    return Media("link", name, path, href(path, run_dir))


def _folder(name: str, path: Path, run_dir: Path, claimed: set[Path], depth: int = 1) -> Media:
    entries = sorted(p.resolve() for p in path.iterdir())
    entries = [p for p in entries if p not in claimed and p.is_relative_to(run_dir.resolve())]
    items = [(_folder(p.name, p, run_dir, claimed, depth + 1) if depth < 2 else _link(p.name, p, run_dir))
             if p.is_dir() else file_media(p.name, p, run_dir) for p in entries[:FOLDER_FILES]]
    return Media("group", name, path, href(path, run_dir), items=items, more=max(0, len(entries) - FOLDER_FILES))


def read_text(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read(TEXT_CHARS)


def read_table(path: Path, delimiter: str) -> tuple[list[list[str]], int]:
    """The header and the first TABLE_ROWS rows, and how many rows of data the file holds."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        rows, total = [], -1  # the header is not a row of data
        for row in reader:
            if len(rows) <= TABLE_ROWS:
                rows.append(row)
            total += 1
    return rows, max(total, 0)


def _tunes(name: str, path: Path, run_dir: Path) -> Media | None:
    """A note list (a JSON list of tunes, each with ``notes`` of midi/offset/quarter_length and the ``files``
    written for it) as one group per tune: its piano roll, its sound, links to its files; None if not one."""
    try:
        if path.stat().st_size > NOTE_LIST_BYTES:
            return None
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, list) or not document or not all(_is_tune(t) for t in document):
        return None
    tunes = []
    for i, tune in enumerate(document, 1):
        title = str(tune.get("title") or f"tune {i}")
        files = [_named(path.parent, str(n), run_dir) for n in (tune.get("files") or {}).values()]
        files = [f for f in files if f is not None]
        notes = from_quarters((n.get("midi"), n.get("offset", 0), n.get("quarter_length", 0)) for n in tune["notes"])
        items = [file_media(f.name, f, run_dir) for f in files if f.suffix.lower() in IMAGES]
        items.append(Media("audio", title, notes=notes))
        items += [_link(f.name, f, run_dir) for f in files if f.suffix.lower() not in IMAGES]
        tunes.append(Media("group", title, items=items))
    return Media("group", name, path, href(path, run_dir), items=tunes)


def _is_tune(tune: Any) -> bool:
    return (isinstance(tune, dict) and isinstance(tune.get("notes"), list)
            and all(isinstance(n, dict) and _number(n.get("offset")) and _number(n.get("quarter_length"))
                    and (n.get("midi") is None or _number(n.get("midi"))) for n in tune["notes"]))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _named(folder: Path, name: str, run_dir: Path) -> Path | None:
    """A file a note list names, in its folder or below it (the tunes' own folder), inside the run folder."""
    if Path(name).name != name:
        return None
    for candidate in (folder / name, *sorted(folder.rglob(name))):
        real = candidate.resolve()
        if real.is_file() and real.is_relative_to(run_dir.resolve()):
            return real
    return None


def midi_notes(path: Path) -> list[Note]:
    """The notes of a MIDI file, read with music21 where it is installed (empty otherwise)."""
    try:
        from music21 import midi, tempo
        from music21.midi.translate import midiFileToStream
    except ImportError:
        return []
    try:
        data = path.read_bytes()  # read here: music21 leaves a file it fails to parse open
        midi_file = midi.MidiFile()
        midi_file.readstr(data)
        score = midiFileToStream(midi_file)
        marks = list(score.flatten().getElementsByClass(tempo.MetronomeMark))
        per_minute = marks[0].getQuarterBPM() if marks and marks[0].getQuarterBPM() else None
        played = [(p.midi, float(n.offset), float(n.quarterLength))
                  for n in score.flatten().notes for p in n.pitches]
    except Exception:  # noqa: BLE001 - a file music21 cannot read is linked, not played
        return []
    return from_quarters(played, per_minute) if per_minute else from_quarters(played)

