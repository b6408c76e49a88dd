"""Assignment 1 (scratch): the course's FRNN, numpy only, trained by BPTT, forecasting the next hour.

    h_t = tanh(W x_t + U h_{t-1} + b_h),   t = 1..6,   h_0 = 0
    y   = V h_6 + b_y                       (the next hour, as a z-score)
    E   = 1/2 e^2,   e = d - y              (the mean over a mini-batch)

W is k x 1, U k x k, V 1 x k.  The engine (``rnnsuite.scratch``) trains it
with Adam, gradient clipping and early stopping on the validation block.  The
``ScratchSpec`` tells the graders how the network is trained (real vectors in,
one output at the last step, squared error), so that they question a
student's FRNN with the same kind of data.
"""
from __future__ import annotations

from rnnsuite.scratch import FRNN, Adam, fit
from rnnsuite.types import Assignment, ModelFactory, ScratchSpec

from . import hourly
from .hourly import Forecaster, TrainingData
from .variant import assignment_id, model_name

HIDDEN = 16
BATCH = 32
LEARNING_RATE = 1e-2
PATIENCE = 10  # epochs without a better validation loss
CLIP = 5.0  # global gradient norm
MODEL_FILE = "frnn.npz"


def build(spec) -> FRNN:
    """An FRNN over z-scores of the hours: n = spec["n"] inputs per step, m = spec["m"] outputs at the last step.

    Return an object of the scratch model protocol (``params`` W, U, V, b_h,
    b_y; ``forward``, ``loss`` as 1/2 e^2, ``loss_and_grads`` by BPTT,
    ``predict`` returning the outputs y, shape (B, m)); k hidden units are
    your choice.  The assignment wraps it in a °C forecaster and trains it.
    """
    return FRNN(int(spec["n"]), HIDDEN, int(spec["m"]), output="last", loss="mse", rng=int(spec.get("seed", 0)))


def train(ctx, model: Forecaster, data: TrainingData) -> Forecaster:
    history = fit(model.core, model.inputs(data.fit.values), model.targets(data.fit.targets),
                  epochs=ctx.epochs, batch_size=BATCH, optimizer=Adam(LEARNING_RATE), clip=CLIP,
                  validation=(model.inputs(data.val.values), model.targets(data.val.targets)), patience=PATIENCE,
                  rng=ctx.rng(1), on_epoch=ctx.epoch_ended, on_batch=ctx.batch_ended)
    ctx.record_history({"loss": history["loss"], "val_loss": history["val_loss"]})
    ctx.info["training"] = {"optimizer": f"Adam(lr={LEARNING_RATE})", "batch": BATCH, "clip": CLIP,
                            "patience": PATIENCE, "best_epoch": history["best_epoch"],
                            "stopped_early": history["stopped_early"]}
    return model


def predict(ctx, model: Forecaster, values):
    return model.predict(values)


def artifacts(ctx, split, predicted, model: Forecaster):
    return hourly.artifacts(ctx, split, predicted, model, "FRNN", MODEL_FILE)


def use(folder, inputs, options) -> str:
    return hourly.use(folder, inputs, lambda saved: FRNN.load(saved / MODEL_FILE))


ASSIGNMENT = Assignment(
    id=assignment_id(1), kind="scratch", network="FRNN",
    task_en="Predict the next hour's temperature from the six hours before (Seattle, 2010) with a fully recurrent "
            "network written from scratch in numpy and trained by backpropagation through time. "
            "(A skeleton's task: replace it with your variant's.)",
    task_ru="Предсказать температуру следующего часа по шести предыдущим (Сиэтл, 2010) полностью рекуррентной "
            "сетью, написанной с нуля на numpy и обученной методом обратного распространения ошибки во времени. "
            "(Задача заготовки: замените её задачей своего варианта.)",
    datasets=(hourly.DATASET,), model=model_name("frnn"),
    prepare=hourly.prepare, train=train, predict=predict, evaluate=hourly.evaluate, artifacts=artifacts,
    metrics=hourly.METRICS, bars=hourly.BARS, artifact_names=hourly.ARTIFACTS,
    adapt=hourly.forecaster, scratch=ScratchSpec(inputs="vectors", output="last", loss="mse"), use=use,
    epochs=30, quick_epochs=2,
)

FACTORY = ModelFactory(model_name("frnn"), "scratch", build,
                       f"numpy FRNN(n=1, k={HIDDEN}, m=1), squared error at the last step (put in a °C forecaster)")
