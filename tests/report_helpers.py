"""A throwaway variant whose run leaves every kind of artifact a report shows, with hostile text in it.

v96.1 fits a line in milliseconds and writes: a Markdown sample and a CSV
table holding markup and links that must stay text, an image, a GIF
animation, a note list of two tunes with the MIDI, MusicXML and piano roll
files it names (in a ``tunes/`` folder artifact, which also holds a text
file), and a saved model; the pipeline adds the loss curves (``history``).
v96.2 raises; v96.3 fits the line again.
"""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rnnsuite.cli import cli

HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> ![pic](http://example.com/x.png) ' \
          '[click](javascript:alert(1)) </table></details>'

REPORT_PLUGIN = '''
import json

import numpy as np
from PIL import Image

from rnnsuite import hookimpl
from rnnsuite.types import Assignment, Bar, ModelFactory, Split, Variant

HOSTILE = %r


def prepare(ctx):
    rng = ctx.rng()
    x = rng.normal(size=60)
    y = 3 * x + rng.normal(scale=0.1, size=60)
    return Split(train=(x[:30], y[:30]), test_inputs=x[30:], test_targets=y[30:], spec={"n": 1},
                 info={"records": 60, "split": HOSTILE})


def train(ctx, model, data):
    x, y = data
    losses = []
    for e in range(ctx.epochs):
        model["w"] += 0.5 * float(((y - model["w"] * x) * x).mean())
        losses.append(float(((y - model["w"] * x) ** 2).mean()))
        ctx.epoch_ended(e + 1, ctx.epochs, {"loss": losses[-1]})
    ctx.record_history({"loss": losses, "val_loss": [v * 1.1 for v in losses]})
    return model


def predict(ctx, model, x):
    return model["w"] * x


def evaluate(ctx, split, pred):
    return {"mae": float(np.abs(pred - split.test_targets).mean()),
            "zero_mae": float(np.abs(split.test_targets).mean()), "r2": 0.987654321}


def image(path, colour, size=(64, 40)):
    Image.new("RGB", size, colour).save(path)
    return path


def artifacts(ctx, split, pred, model):
    samples = ctx.path("samples.md")
    samples.write_text("| x | predicted |\\n|---|---|\\n" + "".join(
        f"| {x:.3f} | {p:.3f} |\\n" for x, p in zip(split.test_inputs[:5], pred[:5])) + "\\n" + HOSTILE + "\\n")
    table = ctx.path("predictions.csv")
    table.write_text("x,predicted,note\\n" + "".join(f"{x},{p},{HOSTILE if i == 0 else ''}\\n"
                                                     for i, (x, p) in enumerate(zip(split.test_inputs, pred))))
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "blue")]
    frames[0].save(ctx.path("frames.gif"), save_all=True, append_images=frames[1:], duration=200, loop=0)
    tunes = ctx.path("tunes")
    tunes.mkdir()
    described = []
    for i, pitches in enumerate(([67, 69, 71, None, 72], [60, 64, 67, 72]), 1):
        (tunes / f"tune_{i}.mid").write_bytes(b"MThd not really")
        (tunes / f"tune_{i}.musicxml").write_text("<score-partwise/>")
        image(tunes / f"tune_{i}.png", "green")
        notes = [{"pitch": None, "midi": m, "offset": k * 1.0, "quarter_length": 1.0} for k, m in enumerate(pitches)]
        described.append({"title": f"tune {i}", "notes": notes, "files": {
            "midi": f"tune_{i}.mid", "musicxml": f"tune_{i}.musicxml", "piano_roll": f"tune_{i}.png"}})
    (tunes / "about.txt").write_text(HOSTILE)
    notes_json = ctx.path("tunes.json")
    notes_json.write_text(json.dumps(described))
    np.savez(ctx.path("line.npz"), w=np.array([model["w"]]))
    return {"samples": samples, "predictions": table, "plot": image(ctx.path("plot.png"), "orange"),
            "frames": ctx.path("frames.gif"), "tune_notes": notes_json, "tunes": tunes, "model": ctx.path("line.npz")}


def broken_prepare(ctx):
    raise RuntimeError("this assignment is broken on purpose")


@hookimpl
def rnnsuite_add_models():
    return [ModelFactory("report_line", "custom", lambda spec: {"w": 0.0})]


@hookimpl
def rnnsuite_add_variants():
    common = dict(kind="custom", network="line <i>net</i>", task_en="fit a line to " + HOSTILE,
                  task_ru="подогнать прямую", datasets=(), model="report_line", train=train, predict=predict,
                  evaluate=evaluate, metrics=("mae", "zero_mae", "r2"), epochs=6, quick_epochs=2)
    return [Variant(96, "report <fixture>", (
        Assignment("v96.1", prepare=prepare, artifacts=artifacts,
                   artifact_names=("samples", "predictions", "plot", "frames", "tune_notes", "tunes", "model",
                                   "history"),
                   bars=(Bar("mae", "zero_mae", higher_is_better=False), Bar("r2", 0.99)), **common),
        Assignment("v96.2", prepare=broken_prepare, **common),
        Assignment("v96.3", prepare=prepare, bars=(Bar("mae", 0.0001, higher_is_better=False),),
                   artifact_names=("history",), **common),
    ))]
''' % HOSTILE


def write_report_plugin(folder: Path, interrupt: bool = False) -> Path:
    """The plugin as a file; ``interrupt``: v96.2 raises KeyboardInterrupt (Ctrl-C) instead."""
    source = REPORT_PLUGIN
    if interrupt:
        source = source.replace('raise RuntimeError("this assignment is broken on purpose")', "raise KeyboardInterrupt")
    path = folder / "report_plugin.py"
    path.write_text(source)
    return path


def run_report_variant(tmp_path: Path, *args: str, interrupt: bool = False) -> tuple[Path, object]:
    """``rnnsuite run --variant 96`` into a new folder: (the run folder, click's result)."""
    plugin = write_report_plugin(tmp_path, interrupt)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["-p", str(plugin), "run", "--variant", "96", "--out", str(out), *args])
    return out, result


def results_of(run_dir: Path) -> dict[str, dict]:
    """Every result.json of a run folder, by assignment."""
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(run_dir.glob("*/result.json"))}
