"""The temperature task shared by v6.1 (FRNN) and v6.3 (echo state network).

Predict the 4th daily maximum from the 3 before it:

    windows      (v_{d-3}, v_{d-2}, v_{d-1}) -> v_d        (°C)
    split        chronological over the windows: first 70% train, last 30%
                 test; the validation block is the end of the train part
    test         windows of the test block whose input days hold no other
                 test window's target day (every 4th day), in shuffled order:
                 no test window reveals another's answer, and the order
                 reveals no neighbours
    inputs       x_t = (z_t, sin 2pi s_t, cos 2pi s_t),  z_t = (v_t - mean) / std
                 with mean and std of the training windows only, s_t = the
                 day's fraction of the year (a season clock: n = 3 per step)
    baselines    persistence  v_d ~ v_{d-1}
                 mean3        v_d ~ (v_{d-3} + v_{d-2} + v_{d-1}) / 3
                 linear       v_d ~ a . x + c, least squares over the training
                              windows on the network's own 9 inputs (a linear
                              autoregression with the season): what a network
                              should match
    bars         beat mean3; linear_skill (mean3 = 0, linear = 1) of 0.5 or more

A factory builds the network over normalised inputs (``predict(X) -> (N, 1)``);
the assignment's ``adapt`` (:func:`forecaster`) puts it in a :class:`Forecaster`
with the train statistics, °C in and out.  ``rnnsuite try`` (:func:`use`) reads
those statistics back from ``scaler.json`` beside the saved network.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from rnnsuite.errors import DataError
from rnnsuite.metrics import mae, rmse
from rnnsuite.prep import chronological_split, windows
from rnnsuite.tryfiles import saved
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

    def joined(self, other: "Windows") -> "Windows":
        """These windows, then ``other``'s (both with targets)."""
        return Windows(np.concatenate([self.values, other.values]),
                       np.concatenate([self.input_days, other.input_days]),
                       np.concatenate([self.days, other.days]), np.concatenate([self.targets, other.targets]))


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

    def save(self, path: Path) -> Path:
        path.write_text(json.dumps(asdict(self)))
        return path

    @classmethod
    def load(cls, path: Path) -> "Scaler":
        data = json.loads(path.read_text())
        return cls(float(data["mean"]), float(data["std"]))


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


def apart(w: Windows) -> np.ndarray:
    """Indices (in time order) of the most windows of which none has another's target day among its inputs.

    Greedy in time order: a window is kept when all its input days come after the last kept target
    (every 4th window of a daily series), which keeps as many as that rule allows.
    """
    keep, last = [], None
    for i in np.argsort(w.days, kind="stable"):
        if last is None or w.input_days[i].min() > last:
            keep.append(i)
            last = w.days[i]
    return np.asarray(keep, dtype=np.int64)


def test_windows(w: Windows, rng: np.random.Generator) -> Windows:
    """The test block as graded: windows kept ``apart``, in shuffled order."""
    keep = apart(w)
    return w[keep[rng.permutation(len(keep))]]


def prepare(ctx) -> Split:
    series = ctx.load("temperatures")
    hidden = ctx.load_hidden("temperatures")
    times, values = series.times, series.values
    if ctx.quick:
        times, values = times[:QUICK_DAYS], values[:QUICK_DAYS]
    w = make_windows(times, values)
    if hidden is None:
        fit_idx, val_idx, test_idx = chronological_split(len(w), test=TEST, val=VAL)
        block = w[test_idx]
        how = "chronological: first 70% of windows train (last 15% of all as validation), last 30% test"
    else:  # every loaded window trains (the same validation share); the hidden series is the test block
        fit_idx, val_idx, _ = chronological_split(len(w), test=0.0, val=VAL / (1 - TEST))
        block = make_windows(hidden.times, hidden.values)
        how = "every loaded window trains (its last 21% as validation); the instructor's hidden series is the test"
    data = TrainingData(w[fit_idx], w[val_idx])
    test = test_windows(block, ctx.rng(60))
    spec = spec_for(data, ctx.seed)
    info = {"series": series.name, "days": len(values), "windows": len(w), "split": how,
            "fit": len(fit_idx), "validation": len(val_idx), "test": len(test),
            "test_from": str(test.days.min()), "test_to": str(test.days.max()),
            "test_windows": f"{len(test)} of the test block's {len(block)}: every window whose input days hold "
                            "no other test window's target (every 4th day), in shuffled order",
            "train_mean_c": round(spec["mean"], 3), "train_std_c": round(spec["std"], 3),
            "inputs": "per step: (normalised temperature, sin and cos of the day of the year)"}
    return Split(train=data, test_inputs=test.inputs_only(), test_targets=test.targets, spec=spec, info=info)


def linear_autoregression(data: TrainingData, scaler: Scaler) -> Any:
    """The least-squares linear map from a window's 9 network inputs (and 1) to its target, fitted on
    every training window; returns ``predict(windows) -> °C``."""
    features = Forecaster(None, scaler)

    def design(w: Windows) -> np.ndarray:
        X = features.inputs(w).reshape(len(w), -1)
        return np.hstack([X, np.ones((len(w), 1))])

    train = data.fit.joined(data.val)
    coef, *_ = np.linalg.lstsq(design(train), train.targets, rcond=None)
    return lambda w: design(w) @ coef


def baselines(w: Windows, data: TrainingData, scaler: Scaler) -> dict[str, np.ndarray]:
    """Every baseline's forecast (°C) for the windows ``w``."""
    return {"persistence": w.values[:, -1], "mean3": w.values.mean(axis=1),
            "linear": linear_autoregression(data, scaler)(w)}


def split_scaler(split: Split) -> Scaler:
    return Scaler(float(split.spec["mean"]), float(split.spec["std"]))


def linear_skill(mae_: float, mean3_mae: float, linear_mae: float) -> float:
    """Where a forecast's MAE lies from the naive 3-day mean (0) to the linear autoregression (1).

    Where the linear model does no better than the mean (a flat series), beating the mean is all of it.
    """
    gap = mean3_mae - linear_mae
    return (mean3_mae - mae_) / gap if gap > 0 else float(mae_ < mean3_mae)


def evaluate(ctx, split: Split, predicted) -> dict[str, float]:
    true = split.test_targets
    metrics = {"mae": mae(predicted, true), "rmse": rmse(predicted, true)}
    for name, guess in baselines(split.test_inputs, split.train, split_scaler(split)).items():
        metrics[f"{name}_mae"] = mae(guess, true)
        metrics[f"{name}_rmse"] = rmse(guess, true)
    metrics["linear_skill"] = linear_skill(metrics["mae"], metrics["mean3_mae"], metrics["linear_mae"])
    return metrics


# Persistence is reported, not a bar: on the graded windows (every 4th of the test block, 110) it is beaten
# neither by the linear autoregression (2.198 against 2.131) nor by the networks (2.15-2.28 on seeds 0-4),
# while on the other three leak-free offsets of the same block the linear model beats it by 4-9%: the
# 4% a model of these inputs gains over persistence is within the noise of 110 windows.
BARS = (
    Bar("mae", "mean3_mae", higher_is_better=False,
        why="the mean of the 3 days is the naive forecast a trained forecaster must beat"),
    Bar("linear_skill", 0.5, floor=0.0,
        why="linear_skill = (mean3_mae - mae) / (mean3_mae - linear_mae): 0 at the naive mean, 1 at a linear "
            "autoregression on the same 9 inputs fitted on the training windows (what a network should match); "
            "full credit from halfway there, partial credit below. The reference FRNN and ESN reach 0.79-1.11 "
            "on seeds 0-4"),
)
METRICS = ("mae", "rmse", "linear_skill", "persistence_mae", "persistence_rmse", "linear_mae", "linear_rmse",
           "mean3_mae", "mean3_rmse")


def artifacts(ctx, split: Split, predicted, name: str) -> dict[str, Any]:
    """predictions.csv and predictions.png (test days: true, model, persistence)."""
    from rnnsuite.plots import series_plot

    order = np.argsort(split.test_inputs.days, kind="stable")  # graded shuffled, shown in time order
    w, true, predicted = split.test_inputs[order], np.asarray(split.test_targets)[order], np.asarray(predicted)[order]
    guess = baselines(w, split.train, split_scaler(split))
    table = ctx.path("predictions.csv")
    with open(table, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["date", "true_c", "predicted_c", "persistence_c", "linear_c", "mean3_c"])
        for row in zip(w.days, true, predicted, guess["persistence"], guess["linear"], guess["mean3"]):
            out.writerow([str(row[0]), *(f"{v:.2f}" for v in row[1:])])
    plot = series_plot(ctx.path("predictions.png"), true,
                       {name: predicted, "persistence": guess["persistence"], "linear": guess["linear"]},
                       title=f"{name}: daily maximum temperature, test days (every 4th)", ylabel="°C",
                       x=w.days)
    split_scaler(split).save(ctx.path(SCALER_FILE))  # read back by `use`; a file beside the model, not shown
    return {"predictions": table, "predictions_plot": plot}


# -- rnnsuite try -----------------------------------------------------------------------
SCALER_FILE = "scaler.json"  # the fit block's mean and std (°C): what turns temperatures into the inputs z_t
USAGE = "T1 T2 T3 [DATE]: the daily maxima (°C) of the 3 days before the one to forecast, oldest first, " \
        "and that day's date YYYY-MM-DD (default today), e.g. 12.5 14.0 13.1 2024-07-01"


def window_to_try(inputs: Sequence[str], today: np.datetime64 | None = None) -> Windows:
    """The window ``try`` was given: 3 temperatures and the day they precede (``today`` without a date)."""
    if len(inputs) not in (SIZE, SIZE + 1):
        raise DataError(f"give {USAGE}; got {' '.join(inputs) or 'nothing'}")
    try:
        values = [float(v) for v in inputs[:SIZE]]
    except ValueError:
        values = []
    if len(values) != SIZE or not all(math.isfinite(v) for v in values):
        raise DataError(f"{' '.join(inputs[:SIZE])!r} are not {SIZE} temperatures; give {USAGE}")
    try:
        day = (np.datetime64(inputs[SIZE], "D") if len(inputs) > SIZE
               else np.datetime64("today", "D") if today is None else today)
    except ValueError:
        raise DataError(f"{inputs[SIZE]!r} is not a date such as 2024-07-01; give {USAGE}") from None
    return Windows(np.array([values]), (day - np.arange(SIZE, 0, -1))[None], np.array([day]))


def use(folder: Path, inputs: Sequence[str], options: Mapping[str, Any], load: Callable[[Path], Any],
        model_file: str, network: str) -> str:
    """``Assignment.use`` of v6.1 and v6.3: the forecast of the day after the 3 given, in °C.

    The saved network reads z_t = (v_t - mean) / std with the fit block's
    statistics (``scaler.json``) and the season clock of each input day.
    """
    w = window_to_try(inputs)
    scaler = Scaler.load(saved(folder, SCALER_FILE))
    forecast = float(Forecaster(load(saved(folder, model_file)), scaler).predict(w)[0])
    v = w.values[0]
    line = (f"{network} forecast for {w.days[0]}: {forecast:.1f} °C (the 3 days' mean says {v.mean():.1f} °C, "
            f"repeating the last day {v[-1]:.1f} °C)")
    if np.abs(scaler.z(v)).max() > 4:
        line += (f"; the inputs lie far outside the training days' {scaler.mean:.1f} ± {scaler.std:.1f} °C: "
                 "an extrapolation")
    return line
