"""Folk melodies as ``Tokens``: one ``"<pitch>_<quarter length>"`` token per
note (``"G4_1.0"``) or rest (``"rest_0.5"``), one sequence per tune.

Default: the Essen folk-song collection in ABC notation, as shipped in the
music21 wheel (8,514 tunes).  Parsing with music21 is slow, so by default the
first ``max_tunes`` tunes (files sorted, tunes in file order) with at least
``min_notes`` notes are parsed once and kept as JSON in the cache.  A user's
path: an .abc file, or a folder of .abc / MIDI / MusicXML files.
"""
from __future__ import annotations

import re
import sys
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Callable

from rnnsuite.errors import DataError

from . import cache, files, sources
from .fetch import ensure
from .records import Tokens

MAX_TUNES = 300
MIN_NOTES = 8
DESCRIPTION = "Essen folk songs (music21 corpus, ABC), tokens <pitch>_<quarter length> or rest_<ql>"


def split_abc(text: str) -> list[str]:
    """The tunes of an ABC file: each starts at an ``X:`` line."""
    return [t for t in re.split(r"(?m)^(?=X:)", text) if t.lstrip().startswith("X:")]


def _duration(ql) -> str:
    return f"{float(Fraction(ql).limit_denominator(64)):.4g}" if not isinstance(ql, float) else f"{ql:.4g}"


def tokens_of(score) -> list[str]:
    """Note and rest tokens of a music21 stream (chords: their highest note)."""
    out = []
    for n in score.flatten().notesAndRests:
        ql = _duration(n.quarterLength)
        if n.quarterLength == 0:
            continue  # grace notes
        if n.isRest:
            out.append(f"rest_{ql}")
        elif n.isChord:
            out.append(f"{max(n.pitches).nameWithOctave}_{ql}")
        else:
            out.append(f"{n.pitch.nameWithOctave}_{ql}")
    return out


def _parse(data: str | Path, fmt: str | None = None) -> list[str] | None:
    import music21

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # music21 warns about many ABC dialect details
        try:
            score = music21.converter.parse(data, format=fmt) if fmt else music21.converter.parse(data)
        except Exception:  # noqa: BLE001 - music21 raises many kinds on odd tunes
            return None
    return tokens_of(score)


def _file_tunes(p: Path) -> list[tuple[str | Path, str | None]]:
    """(data, format) of each tune in a file: every tune of an ABC file, else the file itself."""
    if p.suffix.lower() == ".abc":
        return [(tune, "abc") for tune in split_abc(files.read_text(p))]
    return [(p, None)]


def skipped(message: str) -> None:
    """One warning line on stderr for a file of the user's that is left out (the others are used)."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


def parse_tunes(paths: list[Path], max_tunes: int | None, min_notes: int,
                warn: Callable[[str], None] | None = None) -> list[list[str]]:
    """Tokens of the tunes with at least ``min_notes`` notes, files in order, the first ``max_tunes``.

    With ``warn``, a file that cannot be read (empty, corrupt, not music)
    is named and skipped, and so are the tunes of an ABC file music21 cannot
    parse; without it (the default corpus) they are skipped silently.
    """
    try:
        import music21  # noqa: F401
    except ImportError:
        raise DataError("the music data needs music21: pip install 'rnnsuite[music]'") from None
    out: list[list[str]] = []
    for p in paths:
        try:
            tunes = _file_tunes(p)
        except DataError as exc:
            if warn is None:
                raise
            warn(f"{exc}; skipped")
            continue
        failed, notes = 0, 0
        for data, fmt in tunes:
            toks = _parse(data, fmt)
            failed += toks is None
            notes = sum(not t.startswith("rest_") for t in toks or ())
            if notes >= min_notes:
                out.append(toks)
                if max_tunes is not None and len(out) >= max_tunes:
                    return out
        if warn is None:
            continue
        if len(tunes) > 1 and failed:
            warn(f"{p}: music21 cannot read {failed} of its {len(tunes)} tunes; those are skipped")
        elif len(tunes) == 1 and failed:
            warn(f"{p}: music21 cannot read it (corrupt, or not {p.suffix} music); skipped")
        elif len(tunes) == 1 and notes < min_notes:
            warn(f"{p}: only {notes} notes were read from it (a tune needs {min_notes}); skipped")
    return out


MUSIC_SUFFIXES = (".abc", ".mid", ".midi", ".mxl", ".musicxml", ".xml", ".krn")


def music(path: Path | None = None, full: bool = False, max_tunes: int | None = MAX_TUNES,
          min_notes: int = MIN_NOTES) -> Tokens:
    """Token sequences of the first ``max_tunes`` Essen tunes (all with ``full``)."""
    if full:
        max_tunes = None
    if path is not None:
        path = files.existing(path)
        paths = sorted(p for p in path.rglob("*") if p.suffix.lower() in MUSIC_SUFFIXES) if path.is_dir() else [path]
        if not paths:
            raise DataError(f"{path}: no music files ({', '.join(MUSIC_SUFFIXES)}) in this folder")
        seqs = parse_tunes(paths, max_tunes, min_notes, warn=skipped if path.is_dir() else None)
        if not seqs:
            raise DataError(f"{path}: no tune with at least {min_notes} notes could be read from its "
                            f"{len(paths)} music file{'s' if len(paths) > 1 else ''}; nothing to learn from")
        return Tokens(seqs, f"music from {path.name}")
    folder = ensure(sources.MUSIC21)
    paths = sorted(folder.glob(sources.MUSIC21.members[0]))
    key = f"{sources.MUSIC21.digest[:16]}-{max_tunes or 'all'}-{min_notes}-v1"
    seqs = cache.derived("music", key, lambda: parse_tunes(paths, max_tunes, min_notes))
    return Tokens(seqs, DESCRIPTION)
