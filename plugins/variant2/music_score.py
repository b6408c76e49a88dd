"""Note tokens as music: notes with onsets, music21 scores, MIDI and MusicXML files.

A token is ``"<pitch>_<quarter length>"`` (``"B-4_1.5"``: B flat above middle
C for a dotted quarter) or ``"rest_<quarter length>"``, as datasets/music.py
writes them.  music21 is imported only inside the functions that write or
read files.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Sequence

#: the pitch classes of a note name, for MIDI numbers without music21
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ALTER = {"#": 1, "-": -1}  # music21 writes a flat as "-" ("~", a quarter tone, is left out)
_PITCH = re.compile(r"([A-Ga-g])([#~-]*)(\d+)")


@dataclass(frozen=True)
class Note:
    """One note (or rest: ``pitch`` is None) at ``offset`` quarter notes from the start."""

    pitch: str | None  # music21's name with octave: "G4", "B-4", "F#5"
    midi: int | None
    offset: float
    quarter_length: float

    def as_dict(self) -> dict:
        return asdict(self)


def quarter_length(token: str) -> Fraction:
    """The length of a token in quarter notes, as written ("0.3333" is a triplet eighth: 1/3)."""
    return Fraction(token.rsplit("_", 1)[1]).limit_denominator(48)


def midi_number(name: str) -> int:
    """MIDI number of a pitch name with octave: C4 = 60, B-4 = 70, F#5 = 78, E--4 = 62."""
    match = _PITCH.fullmatch(name)
    if match is None:
        raise ValueError(f"{name!r} is not a pitch name such as 'G4', 'B-4' or 'F#5'")
    step, alter, octave = match.groups()
    return 12 * (int(octave) + 1) + _STEPS[step.upper()] + sum(_ALTER.get(c, 0) for c in alter)


def notes_of(tokens: Sequence[str]) -> list[Note]:
    """The notes and rests of a token sequence, one after another; special tokens (<s>, <unk>) are skipped."""
    notes, offset = [], Fraction(0)
    for token in tokens:
        if "_" not in token or token.startswith("<"):
            continue
        name, length = token.rsplit("_", 1)[0], quarter_length(token)
        if length <= 0:
            continue
        pitch = None if name == "rest" else name
        notes.append(Note(pitch, None if pitch is None else midi_number(pitch), float(offset), float(length)))
        offset += length
    return notes


def score_of(notes: Sequence[Note], title: str, meter: str = "4/4"):
    """A music21 score of one part in ``meter``: measures made, notes tied across bar lines."""
    import music21

    part = music21.stream.Part()
    part.append(music21.meter.TimeSignature(meter))
    for n in notes:
        length = Fraction(n.quarter_length).limit_denominator(48)
        part.append(music21.note.Rest(quarterLength=length) if n.pitch is None
                    else music21.note.Note(n.pitch, quarterLength=length))
    score = music21.stream.Score([part.makeMeasures()])
    score.makeNotation(inPlace=True)
    score.insert(0, music21.metadata.Metadata(title=title))
    return score


def write_tune(notes: Sequence[Note], stem: Path, title: str) -> dict:
    """``stem``.mid and ``stem``.musicxml of the notes; returns {"midi": path, "musicxml": path, "bars": n}."""
    import warnings

    score = score_of(notes, title)
    stem = Path(stem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # music21 notes what MusicXML cannot say exactly
        midi = Path(score.write("midi", fp=stem.with_suffix(".mid")))
        musicxml = Path(score.write("musicxml", fp=stem.with_suffix(".musicxml")))
    return {"midi": midi, "musicxml": musicxml, "bars": bars_of(score)}


def write_midi(notes: Sequence[Note], path: Path, title: str) -> int:
    """A MIDI file of the notes at ``path`` (whatever its suffix); returns its number of bars."""
    score = score_of(notes, title)
    score.write("midi", fp=Path(path))
    return bars_of(score)


def bars_of(score) -> int:
    return len(score.parts[0].getElementsByClass("Measure"))


def read_notes(path: Path) -> list[Note]:
    """The notes of a MIDI or MusicXML file as music21 reads them back (rests left out, ties joined)."""
    import music21

    score = music21.converter.parse(str(path)).stripTies()  # a note tied across a bar line is one note
    return [Note(n.pitch.nameWithOctave, int(n.pitch.midi), float(n.offset), float(n.quarterLength))
            for n in score.flatten().notes]
