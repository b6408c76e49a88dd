"""Assignment 3 (custom): a minimal gated unit, a recurrent cell Keras does not ship, on the same task.

The cell is ``mgu.MGUCell`` inside ``keras.layers.RNN``; data, training,
metrics and artifacts are the GRU's (``hourly``).
"""
from __future__ import annotations

from rnnsuite.kerasutil import keras
from rnnsuite.types import Assignment, ModelFactory

from . import hourly
from .variant import assignment_id, model_name

UNITS = 16
MODEL_FILE = "mgu.keras"


def build(spec):
    """An uncompiled Keras model: z-scores of the hours before, (batch, spec["steps"], spec["n"]),
    to the z-score of the next hour, (batch, spec["m"]).

    The recurrence is a minimal gated unit written as a cell of your own (a
    ``keras.layers.Layer`` with ``state_size`` and ``call(inputs, states)``
    inside ``keras.layers.RNN``): f_t = sigma(W_f x_t + U_f h_{t-1} + b_f),
    c_t = tanh(W x_t + U (f_t * h_{t-1}) + b), h_t = (1 - f_t) h_{t-1} + f_t c_t;
    then a linear ``Dense`` output.  The training routine compiles it (Adam,
    mean squared error) and fits it.
    """
    from .mgu import MGUCell

    k = keras()
    hours = k.Input((spec["steps"], spec["n"]), name="hours")
    h = k.layers.RNN(MGUCell(UNITS), name="mgu")(hours)
    return k.Model(hours, k.layers.Dense(spec["m"], name="next_hour")(h), name="mgu_hourly")


def artifacts(ctx, split, predicted, model):
    return hourly.artifacts(ctx, split, predicted, model, "MGU", MODEL_FILE)


def use(folder, inputs, options) -> str:
    from .mgu import load

    return hourly.use(folder, inputs, lambda saved: load(saved / MODEL_FILE), verbose=0)


ASSIGNMENT = Assignment(
    id=assignment_id(3), kind="custom", network="Minimal gated unit",
    task_en="Build a minimal gated unit (one forget gate, Zhou et al. 2016) as a Keras cell of your own and "
            "predict the next hour's temperature from the six hours before. "
            "(A skeleton's task: replace it with your variant's.)",
    task_ru="Собрать минимальный вентильный блок (MGU: один вентиль забывания, Zhou et al. 2016) как собственную "
            "ячейку Keras и предсказать температуру следующего часа по шести предыдущим. "
            "(Задача заготовки: замените её задачей своего варианта.)",
    datasets=(hourly.DATASET,), model=model_name("mgu"),
    prepare=hourly.prepare, train=hourly.train_keras, predict=hourly.predict_keras, evaluate=hourly.evaluate,
    artifacts=artifacts, metrics=hourly.METRICS, bars=hourly.BARS, artifact_names=hourly.ARTIFACTS,
    adapt=hourly.forecaster, use=use, epochs=30, quick_epochs=2,
)

FACTORY = ModelFactory(model_name("mgu"), "custom", build,
                       f"RNN(MGUCell({UNITS})) -> Dense(1), uncompiled (put in a °C forecaster)")
