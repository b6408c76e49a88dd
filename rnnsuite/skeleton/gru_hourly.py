"""Assignment 2 (keras): a GRU forecasting the next hour.

    z_t = sigma(W_z x_t + U_z h_{t-1} + b_z)               (update gate)
    r_t = sigma(W_r x_t + U_r h_{t-1} + b_r)               (reset gate)
    h_t = (1 - z_t) h_{t-1} + z_t tanh(W x_t + U (r_t h_{t-1}) + b)
    y   = V h_6 + b_y

The factory returns the network uncompiled; ``hourly.train_keras`` compiles
and trains it, the same way for the reference and for every submission.
"""
from __future__ import annotations

from rnnsuite.kerasutil import keras
from rnnsuite.types import Assignment, ModelFactory

from . import hourly
from .variant import assignment_id, model_name

UNITS = 16
MODEL_FILE = "gru.keras"


def build(spec):
    """An uncompiled Keras model: z-scores of the hours before, (batch, spec["steps"], spec["n"]),
    to the z-score of the next hour, (batch, spec["m"]).

    A ``keras.layers.GRU`` and a linear ``Dense`` output.  The training
    routine compiles it (Adam, mean squared error) and fits it.
    """
    k = keras()
    hours = k.Input((spec["steps"], spec["n"]), name="hours")
    h = k.layers.GRU(UNITS, name="gru")(hours)
    return k.Model(hours, k.layers.Dense(spec["m"], name="next_hour")(h), name="gru_hourly")


def artifacts(ctx, split, predicted, model):
    return hourly.artifacts(ctx, split, predicted, model, "GRU", MODEL_FILE)


def use(folder, inputs, options) -> str:
    return hourly.use(folder, inputs, lambda saved: keras().saving.load_model(saved / MODEL_FILE), verbose=0)


ASSIGNMENT = Assignment(
    id=assignment_id(2), kind="keras", network="GRU",
    task_en="Predict the next hour's temperature from the six hours before with a Keras GRU. "
            "(A skeleton's task: replace it with your variant's.)",
    task_ru="Предсказать температуру следующего часа по шести предыдущим рекуррентной сетью GRU на Keras. "
            "(Задача заготовки: замените её задачей своего варианта.)",
    datasets=(hourly.DATASET,), model=model_name("gru"),
    prepare=hourly.prepare, train=hourly.train_keras, predict=hourly.predict_keras, evaluate=hourly.evaluate,
    artifacts=artifacts, metrics=hourly.METRICS, bars=hourly.BARS, artifact_names=hourly.ARTIFACTS,
    adapt=hourly.forecaster, use=use, epochs=30, quick_epochs=2,
)

FACTORY = ModelFactory(model_name("gru"), "keras", build,
                       f"GRU({UNITS}) -> Dense(1), uncompiled (put in a °C forecaster)")
