"""Plots written as PNG artifacts (matplotlib, headless)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def series_plot(path: Path, true: Sequence[float], predicted: Mapping[str, Sequence[float]], *,
                title: str, ylabel: str, x=None) -> Path:
    """True values against one or more predictions over the same steps."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    x = np.arange(len(true)) if x is None else x
    ax.plot(x, true, color="black", linewidth=1.2, label="true")
    for name, values in predicted.items():
        ax.plot(x, values, linewidth=1.0, alpha=0.85, label=name)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def history_plot(path: Path, history: Mapping[str, Sequence[float]], *, title: str) -> Path:
    """Training curves (loss, val_loss, ...) by epoch."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for name, values in history.items():
        ax.plot(np.arange(1, len(values) + 1), values, marker=".", label=name)
    ax.set_xlabel("epoch")
    ax.set_title(title)
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def image_grid(path: Path, rows: Sequence[tuple[str, np.ndarray, Sequence[str]]], *, title: str) -> Path:
    """One row per group (e.g. per filter): its images, each captioned."""
    plt = _pyplot()
    ncols = max(len(images) for _, images, _ in rows)
    fig, axes = plt.subplots(len(rows), ncols, figsize=(1.3 * ncols + 1.2, 1.45 * len(rows)), dpi=100, squeeze=False)
    for r, (name, images, captions) in enumerate(rows):
        for c in range(ncols):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(images):
                ax.imshow(images[c], cmap="gray", vmin=0, vmax=1)
                ax.set_title(captions[c], fontsize=7)
            else:
                ax.axis("off")
        axes[r][0].set_ylabel(name, fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def piano_roll(path: Path, tunes: Sequence[tuple[str, Sequence[tuple[float, float, int]]]], *, title: str,
               seed_ends: Sequence[float] = (), beats_per_bar: int = 4) -> Path:
    """One panel per (label, notes) tune: each note (onset, length in quarters, MIDI pitch) a bar.

    Notes that start before ``seed_ends[i]`` quarters are drawn darker: the
    seed that started tune i.  A grey line marks every bar of
    ``beats_per_bar`` quarters; the pitch axis names every C and G (C4 = 60).
    """
    plt = _pyplot()
    fig, axes = plt.subplots(len(tunes), 1, figsize=(11, 2.2 * len(tunes) + 0.6), dpi=100, squeeze=False)
    for i, (label, notes) in enumerate(tunes):
        ax = axes[i][0]
        seed_end = seed_ends[i] if i < len(seed_ends) else 0.0
        for onset, length, pitch in notes:
            color = "#1f3b73" if onset < seed_end else "#5aa0e6"
            ax.broken_barh([(onset, length)], (pitch - 0.4, 0.8), facecolors=color, edgecolor="white",
                           linewidth=0.6)  # a repeated note stays two notes
        end = max((onset + length for onset, length, _ in notes), default=beats_per_bar)
        for bar in np.arange(0, end + 1e-9, beats_per_bar):
            ax.axvline(bar, color="0.85", linewidth=0.6, zorder=0)
        pitches = [p for _, _, p in notes] or [60]
        low, high = min(pitches) - 2, max(pitches) + 2
        named = [p for p in range(low, high + 1) if p % 12 in (0, 7)]  # every C and G
        ax.set_yticks(named, [f"{'C' if p % 12 == 0 else 'G'}{p // 12 - 1}" for p in named])
        ax.set_ylim(low, high)
        ax.set_xlim(0, end)
        ax.set_ylabel(label, fontsize=8)
    axes[-1][0].set_xlabel(f"quarter notes (a line every bar of {beats_per_bar})")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def curve_panels(path: Path, panels: Sequence[tuple[str, Sequence[float], Mapping[str, Sequence[float]],
                                                    Mapping[str, float]]],
                 *, xlabel: str, ylabel: str, ylim: tuple[float, float] | None = None,
                 hline: float | None = None) -> Path:
    """Panels side by side, each ``(title, x, {label: y}, {label: x of a dashed vertical line})``."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), dpi=100, squeeze=False)
    for ax, (title, x, curves, vlines) in zip(axes[0], panels):
        for label, y in curves.items():
            ax.plot(x, y, marker=".", label=label)
        for label, at in vlines.items():
            ax.axvline(at, color="gray", linestyle="--", label=label)
        if hline is not None:
            ax.axhline(hline, color="lightgray", linewidth=0.8)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
