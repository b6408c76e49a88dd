"""v4.3: a convolutional GRU predicts the 4th frame from the 3 before it (v4.1's task, data and metrics).

The course leaves this cell empty; rnnsuite sets a ConvGRU (Ballas et al.
2016), the GRU whose matrix products are convolutions, a network Keras does
not ship (it has ConvLSTM only).  The cell is ``convgru.ConvGRUCell`` inside
``keras.layers.RNN``; a convolution with a sigmoid reads the next frame off
its last state.  Trained with Adam (a cosine-decayed step) on the squared error per
pixel, on the training windows and their mirror images, keeping the weights
of the best epoch on the validation clips.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from rnnsuite import frames, tryfiles
from rnnsuite.types import Assignment, Bar, ModelFactory

from . import next_frame
from .next_frame import TrainingData

FILTERS = 32
BATCH = 32
LEARNING_RATE = 3e-3  # at the start, cosine-decayed to 5% of it by the last epoch
PATIENCE = 2
COPIES = 4  # the training windows as drawn and mirrored left-right, up-down and both
MODEL_FILE = "convgru_frames.keras"


def build(spec):
    """An uncompiled Keras model: (B, 3, H, W) frames in [0, 1] -> (B, H, W), the next frame in [0, 1].

    H and W are ``spec["height"]`` and ``spec["width"]``; the training routine
    compiles it (Adam, mean squared error), so every submission is trained the
    same way.  The recurrent layer must be a ConvGRU cell of your own inside
    ``keras.layers.RNN`` (not Keras's ConvLSTM).
    """
    from .convgru import frame_predictor

    return frame_predictor(int(spec["height"]), int(spec["width"]), int(spec.get("steps", 3)), FILTERS)


def train(ctx, model, data: TrainingData):
    from rnnsuite.kerasutil import keras, progress_callback

    k = keras()
    x, y = frames.dihedral(data.fit.inputs, data.fit.targets, COPIES)
    steps = max(1, ctx.epochs) * -(-len(x) // BATCH)
    model.compile(k.optimizers.Adam(k.optimizers.schedules.CosineDecay(LEARNING_RATE, steps, alpha=0.05)), "mse")
    stop = k.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
    history = model.fit(x, y, validation_data=(data.val.inputs, data.val.targets), epochs=ctx.epochs,
                        batch_size=BATCH, verbose=0, callbacks=[stop, progress_callback(ctx)])
    ctx.record_history(history.history)
    ctx.info["convgru"] = {"filters": FILTERS, "optimizer": f"Adam(lr={LEARNING_RATE}, cosine decay to 5%)",
                           "batch": BATCH, "training_windows": len(x), "parameters": int(model.count_params()),
                           "augmentation": f"{COPIES} copies: as drawn, mirrored left-right, up-down and both"}
    return model


def next_frames(model):
    return lambda x: model.predict(np.asarray(x, np.float32), batch_size=256, verbose=0)


def predict(ctx, model, inputs: dict) -> dict[str, np.ndarray]:
    return next_frame.predict_sets(next_frames(model), inputs)


def artifacts(ctx, split, predicted, model) -> dict[str, Any]:
    paths = next_frame.artifacts(ctx, split, predicted, next_frames(model), "ConvGRU")
    path = ctx.path(MODEL_FILE)
    model.save(path)  # frames in [0, 1] in and out, its input shape says their size: nothing else is needed
    paths["model"] = path
    return paths


def use(folder, inputs, options) -> str:
    """``rnnsuite try RUN v4.3 F1 F2 F3``: the saved ConvGRU's next frame (``next_frame.use``)."""
    from .convgru import load

    model = load(tryfiles.saved(folder, MODEL_FILE))
    shape = tuple(int(d) for d in model.input_shape[-2:])  # (B, 3, H, W)
    return next_frame.use(options, inputs, next_frames(model), shape, "ConvGRU", "v4.3-next-frame.png")


ASSIGNMENT = Assignment(
    id="v4.3", kind="custom", network="ConvGRU", from_course=False,
    task_en="The course leaves this cell empty; rnnsuite sets: build a convolutional GRU (the GRU's matrix "
            "products replaced by convolutions; Keras ships ConvLSTM but no ConvGRU) as a custom Keras cell and "
            "predict the 4th frame of an animation from the 3 preceding ones, as in v4.1.",
    task_ru="В курсе эта ячейка пуста; rnnsuite задаёт: собрать свёрточную GRU (ConvGRU: матричные "
            "произведения GRU заменены свёртками; в Keras есть ConvLSTM, но нет ConvGRU) как собственную "
            "ячейку Keras и предсказать 4-й кадр анимации по трем предыдущим, как в 4.1.",
    datasets=next_frame.SETS, model="convgru-frames",
    prepare=next_frame.prepare, train=train, predict=predict, evaluate=next_frame.evaluate, artifacts=artifacts,
    metrics=next_frame.METRICS,
    bars=(
        Bar("mse_vs_copy", 0.6, higher_is_better=False,
            why="to pass, an MSE at most 0.6 x copying the last frame (~0.0122 on the shapes' test clips)"),
        Bar("mse_vs_copy", "shift_vs_copy", higher_is_better=False, floor=0.6,
            why="full credit below the displacement baseline, the last frame shifted by the object's last move "
                "(~0.0079 MSE, ~0.39 x copy; ~0.0076 over all windows), partial credit from 0.6 x copy down"),
    ),
    artifact_names=("strips", "sprite_strips", "rollout", "history", "model"),
    use=use, epochs=5, quick_epochs=1,
)

FACTORY = ModelFactory("convgru-frames", "custom", build,
                       "keras.layers.RNN(ConvGRUCell(32 filters)) over 3 frames (2x2 pixel blocks as channels) "
                       "-> Conv2D -> sigmoid: the 4th frame")
