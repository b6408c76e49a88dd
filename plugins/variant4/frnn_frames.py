"""v4.1: the course's FRNN, from scratch, predicts the 4th frame of an animation from the 3 before it.

    x_t = frame t flattened and standardised       (n = H * W = 1024 for 32 x 32)
    h_t = tanh(W x_t + U h_{t-1} + b_h),  t = 1..3,   h_0 = 0
    y   = V h_3 + b_y                               (the 4th frame, m = n)
    E   = 1/2 sum_j e_j^2,  e = d - y               (Haykin; mean over a mini-batch)

W is k x n, U k x k, V n x k.  Trained by BPTT with Adam and early stopping on
the validation clips, on the training windows, their mirror images and
transposes (a shape moving right, mirrored, is a shape moving left).
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from rnnsuite import frames, tryfiles
from rnnsuite.scratch import FRNN, Adam, fit
from rnnsuite.types import Assignment, Bar, ModelFactory, ScratchSpec

from . import next_frame
from .next_frame import FramePredictor, TrainingData

HIDDEN = 512
BATCH = 64
LEARNING_RATE = 2e-3
PATIENCE = 3
CLIP = 5.0  # global gradient norm
COPIES = 8  # the training windows, mirrored and transposed (square frames)
MODEL_FILE, SCALER_FILE = "frnn_frames.npz", "frnn_frames.scaler.json"


def build(spec) -> FRNN:
    """The course's FRNN for frames: n = m = pixels per frame (``spec["n"]``, ``spec["m"]``), k hidden units.

    It reads 3 standardised flat frames (B, 3, n) and outputs the 4th (B, m)
    at the last step, with the squared-error loss; the assignment wraps it in
    a frame predictor (pixels in and out) and trains it by BPTT.
    """
    return FRNN(int(spec["n"]), int(spec.get("hidden", HIDDEN)), int(spec["m"]), output="last", loss="mse",
                rng=int(spec.get("seed", 0)), dtype=np.float32)


def train(ctx, model: FramePredictor, data: TrainingData) -> FramePredictor:
    x, y = frames.dihedral(data.fit.inputs, data.fit.targets, COPIES)
    history = fit(model.core, model.inputs(x), model.targets(y), epochs=ctx.epochs, batch_size=BATCH,
                  optimizer=Adam(LEARNING_RATE), clip=CLIP,
                  validation=(model.inputs(data.val.inputs), model.targets(data.val.targets)), patience=PATIENCE,
                  rng=ctx.rng(41), on_epoch=ctx.epoch_ended, on_batch=ctx.batch_ended)
    ctx.record_history({"loss": history["loss"], "val_loss": history["val_loss"]})
    ctx.info["frnn"] = {"shapes": {name: list(p.shape) for name, p in model.core.params.items()},
                        "optimizer": f"Adam(lr={LEARNING_RATE})", "batch": BATCH, "clip": CLIP,
                        "patience": PATIENCE, "training_windows": len(x),
                        "augmentation": f"{COPIES} copies of each window: mirrored and transposed"}
    ctx.info["best_epoch"] = history["best_epoch"]
    ctx.info["stopped_early"] = history["stopped_early"]
    return model


def predict(ctx, model: FramePredictor, inputs: dict) -> dict[str, np.ndarray]:
    return next_frame.predict_sets(model.predict, inputs)


def artifacts(ctx, split, predicted, model: FramePredictor) -> dict[str, Any]:
    paths = next_frame.artifacts(ctx, split, predicted, model.predict, "FRNN")
    paths["model"] = model.core.save(ctx.path(MODEL_FILE))
    model.save_scaler(ctx.path(SCALER_FILE))  # what turns frames into the FRNN's inputs
    return paths


def use(folder, inputs, options) -> str:
    """``rnnsuite try RUN v4.1 F1 F2 F3``: the saved FRNN's next frame (``next_frame.use``)."""
    spec = json.loads(tryfiles.saved(folder, SCALER_FILE).read_text())  # the frame size, mean and std
    model = FramePredictor(FRNN.load(tryfiles.saved(folder, MODEL_FILE)), spec)
    return next_frame.use(options, inputs, model.predict, model.shape, "FRNN", "v4.1-next-frame.png")


ASSIGNMENT = Assignment(
    id="v4.1", kind="scratch", network="FRNN",
    task_en="Predict the 4th frame of an animation from the 3 preceding ones with a fully recurrent network "
            "built by hand (numpy, BPTT): each frame flattened into an input vector, squared error on the "
            "last step (procedural shape clips; the real walk cycles reported separately).",
    task_ru="Создать однослойную рекуррентную сеть (FRNN) своими руками и решить задачу предсказания "
            "4-го кадра анимации по трем предыдущим: каждый кадр подаётся как вектор пикселей, "
            "квадратичная ошибка на последнем шаге (процедурные анимации фигур; реальные циклы ходьбы "
            "спрайтов - отдельно).",
    datasets=next_frame.SETS, model="frnn-frames",
    prepare=next_frame.prepare, train=train, predict=predict, evaluate=next_frame.evaluate, artifacts=artifacts,
    metrics=next_frame.METRICS,
    bars=(
        Bar("mse", "copy_mse", higher_is_better=False,
            why="to pass, the prediction must beat copying the last frame (~0.0204 MSE on the shapes' test "
                "clips, ~0.0208 over all their windows)"),
        Bar("mse_vs_copy", 0.7, higher_is_better=False, floor=1.0,
            why="full credit at 0.7 x the copy's MSE (~0.0143), partial credit from the copy's down; for scale: "
                "blurring the last frame (Gaussian, sigma 1 pixel) reaches ~0.69, shifting it by the last move ~0.39"),
    ),
    artifact_names=("strips", "sprite_strips", "rollout", "history", "model"),
    adapt=next_frame.frame_predictor, scratch=ScratchSpec(inputs="vectors", output="last", loss="mse"),
    use=use, epochs=12, quick_epochs=1,
)

FACTORY = ModelFactory("frnn-frames", "scratch", build,
                       f"numpy FRNN(n = m = 1024 pixels, k = {HIDDEN}), squared error on the last step "
                       "(the assignment puts it in a frame predictor)")
