"""A small additive synthesizer: notes to a WAV the report can play inline.

Each note is one voice: the fundamental ``f = 440 * 2 ** ((midi - 69) / 12)``
and its first harmonics (sine partials, amplitudes ``PARTIALS``) under an
ADSR envelope (attack, decay to the sustain level, release after the note
ends).  The voices are summed and scaled to a peak of ``PEAK``.  The sound
is a preview of the pitches and rhythm, not a rendering of an instrument.

The page must stay small, so the audio is mono, ``RATE`` samples a second,
8-bit PCM (the most widely played WAV), cut at ``MAX_SECONDS``.
"""
from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

RATE = 16_000
MAX_SECONDS = 30.0
PARTIALS = (1.0, 0.5, 0.25, 0.125)  # amplitude of harmonic 1, 2, 3, 4
ATTACK, DECAY, SUSTAIN, RELEASE = 0.01, 0.08, 0.6, 0.06  # seconds, seconds, level, seconds
PEAK = 0.9
#: MIDI files and music21 scores carry no tempo unless one is written: music21's default, a quarter = 0.5 s
QUARTERS_PER_MINUTE = 120


@dataclass(frozen=True)
class Note:
    """One sounding note: a MIDI number from ``start`` for ``duration`` seconds."""

    midi: int
    start: float
    duration: float


def from_quarters(notes: Iterable[tuple[int | None, float, float]],
                  quarters_per_minute: float = QUARTERS_PER_MINUTE) -> list[Note]:
    """(midi, offset, length) in quarter notes -> Notes in seconds; rests (midi None) are left out."""
    second = 60.0 / quarters_per_minute
    return [Note(int(midi), float(offset) * second, float(length) * second)
            for midi, offset, length in notes if midi is not None and float(length) > 0]


def frequency(midi: int) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def envelope(n_on: int, rate: int) -> np.ndarray:
    """ADSR over a note held ``n_on`` samples, followed by its release."""
    attack, decay, release = (max(1, int(s * rate)) for s in (ATTACK, DECAY, RELEASE))
    held = np.concatenate([np.linspace(0.0, 1.0, attack, endpoint=False),
                           np.linspace(1.0, SUSTAIN, decay, endpoint=False),
                           np.full(max(0, n_on - attack - decay), SUSTAIN)])[:max(n_on, 1)]
    return np.concatenate([held, np.linspace(held[-1], 0.0, release)])


def voice(note: Note, rate: int) -> np.ndarray:
    """One note's samples: its partials below the Nyquist frequency under its envelope."""
    env = envelope(int(note.duration * rate), rate)
    t = np.arange(len(env)) / rate
    f = frequency(note.midi)
    tone = sum(a * np.sin(2 * np.pi * k * f * t) for k, a in enumerate(PARTIALS, 1) if k * f < rate / 2)
    return env * tone


def synthesize(notes: Sequence[Note], rate: int = RATE, max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """The notes mixed into one float signal in [-PEAK, PEAK], at most ``max_seconds`` long."""
    notes = [n for n in notes if n.start < max_seconds]
    end = max((n.start + n.duration + RELEASE for n in notes), default=0.0)
    out = np.zeros(int(min(end, max_seconds) * rate) + 1)
    for note in notes:
        samples = voice(note, rate)
        start = int(note.start * rate)
        samples = samples[:len(out) - start]
        out[start:start + len(samples)] += samples
    peak = np.abs(out).max()
    return out * (PEAK / peak) if peak > 0 else out


def wav(signal: np.ndarray, rate: int = RATE) -> bytes:
    """A mono 8-bit PCM WAV file of a signal in [-1, 1]."""
    pcm = np.clip(np.round(signal * 127.0) + 128, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buffer.getvalue()
