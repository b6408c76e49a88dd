"""The task the three assignments share: the next hour's temperature from the six hours before.

    data         ``temperatures_hourly``: Seattle, 2010, one value an hour (°C)
    windows      (v_{t-6}, ..., v_{t-1}) -> v_t
    split        chronological over the windows: the first 70% train (the last
                 15% of all windows validate, for early stopping), the last 30% test
    inputs       z = (v - mean) / std, with the fit block's mean and std only (n = 1 per step)
    baselines    persistence  v_t ~ v_{t-1}
                 trend        v_t ~ 2 v_{t-1} - v_{t-2}   (the last hour's change goes on)
    skill        1 - mae / persistence_mae   (0: no better than persistence, 1: perfect)

A factory builds a network over z-scores ((B, 6, 1) -> (B, 1)); the
assignments' ``adapt`` (:func:`forecaster`) puts it in a :class:`Forecaster`
that takes and returns °C, so ``predict`` and ``evaluate`` never see z-scores.
With the instructor's hidden series (``ctx.load_hidden``), every default window
trains and the windows of the hidden series are the test block.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rnnsuite.errors import DataError
from rnnsuite.metrics import mae
from rnnsuite.prep import chronological_split, windows
from rnnsuite.types import Bar, Split

DATASET = "temperatures_hourly"
WINDOW = 6  # hours before the one predicted
TEST, VAL = 0.3, 0.15  # shares of all windows
QUICK_HOURS = 1500  # --quick: the first two months
PLOT_HOURS = 14 * 24  # the plot shows the test block's first two weeks, readable hour by hour
KERAS_BATCH, KERAS_LEARNING_RATE, KERAS_PATIENCE = 128, 1e-2, 5

METRICS = ("mae", "persistence_mae", "trend_mae", "skill")
BARS = (
    Bar("mae", "persistence_mae", higher_is_better=False,
        why="an hour ahead, repeating the last hour is the naive forecast a network must beat"),
    Bar("skill", 0.4, floor=0.0,
        why="skill = 1 - mae / persistence_mae: partial credit from persistence's level (0) up to 0.4; "
            "extrapolating the last hour's change (trend_mae) reaches about 0.57 on the default series"),
)
ARTIFACTS = ("predictions", "predictions_plot", "history", "model", "scaler")


@dataclass(frozen=True)
class Windows:
    """``values[i]`` (the WINDOW hours before, °C) precede ``targets[i]`` (the hour predicted)."""

    values: np.ndarray  # (N, WINDOW)
    targets: np.ndarray  # (N,)

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, idx) -> "Windows":
        return Windows(self.values[idx], self.targets[idx])


def windows_of(values) -> Windows:
    X, y = windows(np.asarray(values, dtype=np.float64), WINDOW)
    return Windows(X, y)


@dataclass(frozen=True)
class TrainingData:
    """What a model may learn from: the fit block and the validation block after it."""

    fit: Windows
    val: Windows


class Forecaster:
    """°C windows in, °C forecasts out, around a network over z-scores (the factory's model, ``core``)."""

    def __init__(self, core: Any, mean: float, std: float):
        self.core, self.mean, self.std = core, float(mean), float(std)

    def z(self, celsius) -> np.ndarray:
        return (np.asarray(celsius, dtype=np.float64) - self.mean) / self.std

    def inputs(self, values) -> np.ndarray:
        """(N, WINDOW, 1): x_t is the z-score of hour t."""
        return self.z(values)[..., None]

    def targets(self, targets) -> np.ndarray:
        return self.z(targets)[:, None]

    def predict(self, values, **options) -> np.ndarray:
        """°C forecasts (N,) for (N, WINDOW) windows in °C; ``options`` go to the network's own predict."""
        z = np.asarray(self.core.predict(self.inputs(values), **options), dtype=np.float64)
        return z.reshape(-1) * self.std + self.mean

    def save_scaler(self, path: Path) -> Path:
        """What turns raw hours into the saved network's input, so that the model can be used again."""
        path.write_text(json.dumps({"mean_c": self.mean, "std_c": self.std, "window_hours": WINDOW,
                                    "input": "(v - mean_c) / std_c for each of the window_hours hours, oldest first",
                                    "output": "z-score of the next hour: times std_c, plus mean_c"}, indent=2) + "\n")
        return path


def forecaster(spec, core: Any) -> Forecaster:
    """``Assignment.adapt``: the factory's network in °C, scaled with the fit block's statistics."""
    return Forecaster(core, spec["mean"], spec["std"])


def prepare(ctx) -> Split:
    series = ctx.load(DATASET)
    hidden = ctx.load_hidden(DATASET)
    times, values = series.times, series.values
    if ctx.quick:
        times, values = times[:QUICK_HOURS], values[:QUICK_HOURS]
    w = windows_of(values)
    hours = times[WINDOW:]  # the hour each window predicts
    if hidden is None:
        fit_idx, val_idx, test_idx = chronological_split(len(w), test=TEST, val=VAL)
        test, test_hours = w[test_idx], hours[test_idx]
    else:  # every default window trains; the hidden series is the test block
        fit_idx, val_idx, _ = chronological_split(len(w), test=0.0, val=VAL)
        test, test_hours = windows_of(hidden.values), hidden.times[WINDOW:]
    fit = w[fit_idx]
    # the fit block's own hours only: no validation or test value leaks into the scaling
    seen = np.concatenate([fit.values[0], fit.targets])
    spec = {"n": 1, "m": 1, "steps": WINDOW, "mean": float(seen.mean()), "std": float(seen.std()) or 1.0,
            "seed": ctx.seed}
    info = {"series": series.name, "hours": len(values), "windows": len(w),
            "split": "chronological: the first 70% of the windows train (the last 15% of all validate), "
                     "the last 30% test" if hidden is None else "every window trains; the hidden series tests",
            "fit": len(fit_idx), "validation": len(val_idx), "test": len(test),
            "test_from": str(test_hours[0]) if len(test) else "", "test_to": str(test_hours[-1]) if len(test) else "",
            "train_mean_c": round(spec["mean"], 3), "train_std_c": round(spec["std"], 3),
            "inputs": f"the {WINDOW} hours before, as z-scores with the fit block's mean and std"}
    return Split(train=TrainingData(fit, w[val_idx]), test_inputs=test.values, test_targets=test.targets,
                 spec=spec, info=info)


def baselines(values) -> dict[str, np.ndarray]:
    """The naive forecasts a network must beat, from the windows alone."""
    values = np.asarray(values, dtype=np.float64)
    return {"persistence": values[:, -1], "trend": 2 * values[:, -1] - values[:, -2]}


def evaluate(ctx, split: Split, predicted) -> dict[str, float]:
    true = split.test_targets
    metrics = {"mae": mae(predicted, true)}
    for name, guess in baselines(split.test_inputs).items():
        metrics[f"{name}_mae"] = mae(guess, true)
    metrics["skill"] = 1.0 - metrics["mae"] / max(metrics["persistence_mae"], 1e-12)
    return metrics


def train_keras(ctx, model: Forecaster, data: TrainingData) -> Forecaster:
    """Compile the factory's network (Adam, mean squared error) and fit it, stopping early on validation.

    The factory returns the network uncompiled, so that every submission is
    trained exactly like the reference.
    """
    from rnnsuite.kerasutil import keras, progress_callback

    k = keras()
    net = model.core
    net.compile(optimizer=k.optimizers.Adam(KERAS_LEARNING_RATE), loss="mse")
    stop = k.callbacks.EarlyStopping(monitor="val_loss", patience=KERAS_PATIENCE, restore_best_weights=True)
    history = net.fit(model.inputs(data.fit.values), model.targets(data.fit.targets),
                      validation_data=(model.inputs(data.val.values), model.targets(data.val.targets)),
                      epochs=ctx.epochs, batch_size=KERAS_BATCH, verbose=0, callbacks=[stop, progress_callback(ctx)])
    ctx.record_history(history.history)
    ctx.info["training"] = {"optimizer": f"Adam(lr={KERAS_LEARNING_RATE})", "loss": "mse", "batch": KERAS_BATCH,
                            "epochs_run": len(history.history["loss"]), "patience": KERAS_PATIENCE}
    return model


def predict_keras(ctx, model: Forecaster, values) -> np.ndarray:
    return model.predict(values, batch_size=1024, verbose=0)


def use(folder: Path, inputs, load_network: Callable[[Path], Any], **predict_options) -> str:
    """``Assignment.use`` (``rnnsuite try``): the next hour from the WINDOW hours given.

    ``folder`` is the assignment's folder of a finished run; ``load_network``
    reads the saved network from it, ``scaler.json`` holds the scaling.
    """
    try:
        values = [float(v) for v in inputs]
    except ValueError:
        values = []
    if len(values) != WINDOW:
        raise DataError(f"give the {WINDOW} hours before the one to forecast, oldest first, in °C "
                        f"(e.g. 4.1 4.0 3.9 3.8 3.8 3.7); got {' '.join(inputs) or 'nothing'}")
    scaler = json.loads((folder / "scaler.json").read_text())
    model = Forecaster(load_network(folder), scaler["mean_c"], scaler["std_c"])
    forecast = float(model.predict(np.array([values]), **predict_options)[0])
    return f"next hour: {forecast:.2f} °C (repeating the last hour would say {values[-1]:.2f} °C)"


def artifacts(ctx, split: Split, predicted, model: Forecaster, network: str, model_file: str) -> dict[str, Path]:
    """predictions.csv, predictions.png (true, the network, persistence), the saved network and its scaler."""
    from rnnsuite.plots import series_plot

    true, guess = split.test_targets, baselines(split.test_inputs)
    table = ctx.path("predictions.csv")
    with open(table, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["hour", "true_c", "predicted_c", "persistence_c", "trend_c"])
        for i, row in enumerate(zip(true, predicted, guess["persistence"], guess["trend"])):
            out.writerow([i, *(f"{v:.3f}" for v in row)])
    shown = slice(0, PLOT_HOURS)
    plot = series_plot(ctx.path("predictions.png"), true[shown],
                       {network: np.asarray(predicted)[shown], "persistence": guess["persistence"][shown]},
                       title=f"{network}: the next hour's temperature, first {PLOT_HOURS} test hours", ylabel="°C")
    saved = ctx.path(model_file)
    model.core.save(saved)
    return {"predictions": table, "predictions_plot": plot, "model": saved,
            "scaler": model.save_scaler(ctx.path("scaler.json"))}
