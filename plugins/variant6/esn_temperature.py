"""v6.3: an echo state network on the temperature task of v6.1 (same windows, split, baselines).

Training is closed form: for every (spectral radius, leak, input scale, ridge) of a small
grid the readout is fitted on the fit block and scored on the validation
block; the best setting is then refitted on fit + validation.
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from . import temperature
from .esn import EchoStateNetwork, ridge_readout
from .temperature import Forecaster, TrainingData, Windows

RESERVOIR = 200
RADII = (0.3, 0.6, 0.9, 1.2)
LEAKS = (0.5, 1.0)
INPUT_SCALES = (0.2, 1.0)
RIDGES = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
QUICK_GRID = ((0.9,), (1.0,), (1.0,))  # --quick: tune the ridge only
MODEL_FILE = "esn.npz"


def build(spec) -> EchoStateNetwork:
    return EchoStateNetwork(int(spec["n"]), int(spec["m"]), int(spec.get("reservoir", RESERVOIR)),
                            rng=int(spec.get("seed", 0)))


def train(ctx, model: Forecaster, data: TrainingData) -> Forecaster:
    esn = model.core
    X_fit, D_fit = model.inputs(data.fit), model.targets(data.fit)
    X_val, D_val = model.inputs(data.val), model.targets(data.val)
    scores = {}
    grid = QUICK_GRID if ctx.quick else (RADII, LEAKS, INPUT_SCALES)
    for radius, leak, scale in itertools.product(*grid):
        esn.radius, esn.leak, esn.input_scale = radius, leak, scale
        Phi_fit, Phi_val = esn.features(X_fit), esn.features(X_val)  # the reservoir runs once per setting
        for ridge in RIDGES:
            W_out = ridge_readout(Phi_fit, D_fit, ridge)
            scores[radius, leak, scale, ridge] = float(np.abs(Phi_val @ W_out.T - D_val).mean())
    (esn.radius, esn.leak, esn.input_scale, esn.ridge), best = min(scores.items(), key=lambda kv: kv[1])
    esn.fit(np.concatenate([X_fit, X_val]), np.concatenate([D_fit, D_val]))
    ctx.info["esn"] = {"reservoir": esn.size, "spectral_radius": esn.radius, "leak": esn.leak,
                       "input_scale": esn.input_scale, "ridge": esn.ridge, "grid": len(scores),
                       "val_mae_c": round(best * model.scaler.std, 4)}
    ctx.epoch_ended(1, 1, {"val_mae": best * model.scaler.std})  # one closed-form "epoch"
    return model


def predict(ctx, model: Forecaster, inputs: Windows):
    return model.predict(inputs)


def artifacts(ctx, split, predicted, model: Forecaster) -> dict[str, Any]:
    paths = temperature.artifacts(ctx, split, predicted, "ESN")
    paths["model"] = model.core.save(ctx.path(MODEL_FILE))
    return paths


def use(folder, inputs, options) -> str:
    """``rnnsuite try RUN v6.3 T1 T2 T3 [DATE]``: the saved ESN's forecast (``temperature.use``)."""
    return temperature.use(folder, inputs, options, EchoStateNetwork.load, MODEL_FILE, "ESN")
