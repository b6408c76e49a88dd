"""The temperature task shared by v6.1 (FRNN) and v6.3 (echo state network).

Predict the 4th daily maximum from the 3 before it:

    windows      (v_{d-3}, v_{d-2}, v_{d-1}) -> v_d        (°C)
    split        chronological over the windows: first 70% train, last 30%
                 test; the validation block is the end of the train part
    inputs       x_t = (z_t, sin 2pi s_t, cos 2pi s_t),  z_t = (v_t - mean) / std
                 with mean and std of the training windows only, s_t = the
                 day's fraction of the year (a season clock: n = 3 per step)
    baselines    persistence  v_d ~ v_{d-1}
                 mean3        v_d ~ (v_{d-3} + v_{d-2} + v_{d-1}) / 3

A factory builds the network over normalised inputs (``predict(X) -> (N, 1)``);
the assignment's ``adapt`` (:func:`forecaster`) puts it in a :class:`Forecaster`
with the train statistics, °C in and out.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnsuite.metrics import mae, rmse
from rnnsuite.prep import chronological_split, windows
from rnnsuite.types import Bar, Split

SIZE = 3  # the 3 days before
TEST, VAL = 0.3, 0.15  # shares of all windows
QUICK_DAYS = 500


@dataclass(frozen=True)
class Windows:
    """``values[i]`` (3 days, °C) precede ``targets[i]`` on ``days[i]`` (None: hidden)."""

    values: np.ndarray  # (N, 3)
    input_days: np.ndarray  # (N, 3) datetime64[D]
    days: np.ndarray  # (N,) the day each window predicts
    targets: np.ndarray | None = None  # (N,)

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, idx) -> "Windows":
        return Windows(self.values[idx], self.input_days[idx], self.days[idx],
                       None if self.targets is None else self.targets[idx])

    def inputs_only(self) -> "Windows":
        return Windows(self.values, self.input_days, self.days)


def make_windows(times, values, size: int = SIZE) -> Windows:
    days = np.asarray(times).astype("datetime64[D]")
    X, y = windows(np.asarray(values, dtype=np.float64), size)
    D, d = windows(days, size)
    return Windows(X, D, d, y)


@dataclass(frozen=True)
class TrainingData:
    """What a model may learn from: the fit block and the validation block after it."""

    fit: Windows
    val: Windows


@dataclass(frozen=True)
class Scaler:
    mean: float
    std: float

    @classmethod
    def of(cls, values) -> "Scaler":
        values = np.asarray(values, dtype=np.float64)
        return cls(float(values.mean()), float(values.std()) or 1.0)

    def z(self, v):
        return (np.asarray(v, dtype=np.float64) - self.mean) / self.std

    def celsius(self, z):
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


def season(days) -> np.ndarray:
    """(sin, cos) of the fraction of the year, stacked on a last axis."""
    days = np.asarray(days).astype("datetime64[D]")
    frac = (days - days.astype("datetime64[Y]")).astype(np.float64) / 365.25
    return np.stack([np.sin(2 * np.pi * frac), np.cos(2 * np.pi * frac)], axis=-1)


class Forecaster:
    """°C windows in, °C forecasts out, around a network over normalised inputs."""

    def __init__(self, core: Any, scaler: Scaler):
        self.core, self.scaler = core, scaler

    def inputs(self, w: Windows) -> np.ndarray:
        """(N, 3 steps, n = 3): z_t, sin, cos."""
        return np.concatenate([self.scaler.z(w.values)[..., None], season(w.input_days)], axis=-1)

    def targets(self, w: Windows) -> np.ndarray:
        return self.scaler.z(w.targets)[:, None]

    def predict(self, w: Windows) -> np.ndarray:
        return self.scaler.celsius(np.asarray(self.core.predict(self.inputs(w))).reshape(-1))


def forecaster(spec, core: Any) -> Forecaster:
    """The factory's network in °C: normalised with the statistics of the fit block."""
    return Forecaster(core, Scaler(float(spec["mean"]), float(spec["std"])))


def spec_for(data: TrainingData, seed: int) -> dict[str, Any]:
    # Statistics of the fit block's own days only: no validation or test value leaks in.
    scaler = Scaler.of(np.concatenate([data.fit.values[0], data.fit.targets]))
    return {"n": 3, "m": 1, "steps": SIZE, "mean": scaler.mean, "std": scaler.std, "seed": seed}


def prepare(ctx) -> Split:
    series = ctx.load("temperatures")
    times, values = series.times, series.values
    if ctx.quick:
        times, values = times[:QUICK_DAYS], values[:QUICK_DAYS]
    w = make_windows(times, values)
    fit_idx, val_idx, test_idx = chronological_split(len(w), test=TEST, val=VAL)
    data = TrainingData(w[fit_idx], w[val_idx])
    test = w[test_idx]
    spec = spec_for(data, ctx.seed)
    info = {"series": series.name, "days": len(values), "windows": len(w),
            "split": "chronological: first 70% of windows train (last 15% of all as validation), last 30% test",
            "fit": len(fit_idx), "validation": len(val_idx), "test": len(test_idx),
            "test_from": str(test.days[0]), "test_to": str(test.days[-1]),
            "overlap": "the first test windows read the last 3 days before the test block (as inputs, "
                       "never as targets)",
            "train_mean_c": round(spec["mean"], 3), "train_std_c": round(spec["std"], 3),
            "inputs": "per step: (normalised temperature, sin and cos of the day of the year)"}
    return Split(train=data, test_inputs=test.inputs_only(), test_targets=test.targets, spec=spec, info=info)


def baselines(w: Windows) -> dict[str, np.ndarray]:
    return {"persistence": w.values[:, -1], "mean3": w.values.mean(axis=1)}


def evaluate(ctx, split: Split, predicted) -> dict[str, float]:
    true = split.test_targets
    metrics = {"mae": mae(predicted, true), "rmse": rmse(predicted, true)}
    for name, guess in baselines(split.test_inputs).items():
        metrics[f"{name}_mae"] = mae(guess, true)
        metrics[f"{name}_rmse"] = rmse(guess, true)
    return metrics


BARS = (
    Bar("mae", "persistence_mae", higher_is_better=False,
        why="tomorrow ~ today is the strong baseline of daily temperatures; a forecaster must beat it"),
    Bar("mae", "mean3_mae", higher_is_better=False,
        why="the mean of the three days is the other naive forecast the network must beat"),
)
METRICS = ("mae", "rmse", "persistence_mae", "persistence_rmse", "mean3_mae", "mean3_rmse")


def artifacts(ctx, split: Split, predicted, name: str) -> dict[str, Any]:
    """predictions.csv and predictions.png (test days: true, model, persistence)."""
    from rnnsuite.plots import series_plot

    w, true = split.test_inputs, split.test_targets
    guess = baselines(w)
    table = ctx.path("predictions.csv")
    with open(table, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["date", "true_c", "predicted_c", "persistence_c", "mean3_c"])
        for row in zip(w.days, true, predicted, guess["persistence"], guess["mean3"]):
            out.writerow([str(row[0]), *(f"{v:.2f}" for v in row[1:])])
    plot = series_plot(ctx.path("predictions.png"), true,
                       {name: predicted, "persistence": guess["persistence"]},
                       title=f"{name}: daily maximum temperature, test block", ylabel="°C",
                       x=w.days)
    return {"predictions": table, "predictions_plot": plot}
