"""v6.1: the course's FRNN, from scratch, forecasting the 4th daily temperature.

    h_t = tanh(W x_t + U h_{t-1} + b_h),  t = 1..3,   h_0 = 0
    y   = V h_3 + b_y                      (the normalised 4th temperature)
    E   = 1/2 e^2,  e = d - y              (Haykin; mean over a mini-batch)

W is k x 3 (x_t = temperature, sin and cos of the season), U k x k, V 1 x k.
Trained by BPTT with Adam and early stopping on the validation block.
"""
from __future__ import annotations

from typing import Any

from rnnsuite.scratch import FRNN, Adam, fit

from . import temperature
from .temperature import Forecaster, TrainingData, Windows

HIDDEN = 16
BATCH = 32
LEARNING_RATE = 3e-3
PATIENCE = 15
CLIP = 5.0  # global gradient norm
MODEL_FILE = "frnn.npz"


def build(spec) -> FRNN:
    return FRNN(int(spec["n"]), int(spec.get("hidden", HIDDEN)), int(spec["m"]), output="last", loss="mse",
                rng=int(spec.get("seed", 0)))


def train(ctx, model: Forecaster, data: TrainingData) -> Forecaster:
    history = fit(model.core, model.inputs(data.fit), model.targets(data.fit),
                  epochs=ctx.epochs, batch_size=BATCH, optimizer=Adam(LEARNING_RATE), clip=CLIP,
                  validation=(model.inputs(data.val), model.targets(data.val)), patience=PATIENCE,
                  rng=ctx.rng(61), on_epoch=ctx.epoch_ended, on_batch=ctx.batch_ended)
    ctx.record_history({"loss": history["loss"], "val_loss": history["val_loss"]})
    ctx.info["frnn"] = {"shapes": {name: list(p.shape) for name, p in model.core.params.items()},
                        "optimizer": f"Adam(lr={LEARNING_RATE})", "batch": BATCH, "clip": CLIP,
                        "patience": PATIENCE}
    ctx.info["best_epoch"] = history["best_epoch"]
    ctx.info["stopped_early"] = history["stopped_early"]
    return model


def predict(ctx, model: Forecaster, inputs: Windows):
    return model.predict(inputs)


def artifacts(ctx, split, predicted, model: Forecaster) -> dict[str, Any]:
    paths = temperature.artifacts(ctx, split, predicted, "FRNN")
    paths["model"] = model.core.save(ctx.path(MODEL_FILE))
    return paths


def use(folder, inputs, options) -> str:
    """``rnnsuite try RUN v6.1 T1 T2 T3 [DATE]``: the saved FRNN's forecast (``temperature.use``)."""
    return temperature.use(folder, inputs, options, FRNN.load, MODEL_FILE, "FRNN")
