"""Variant 6: temperatures (scratch FRNN, echo state network) and Russian -> English (biRNN).

| # | kind | network | task |
|---|---|---|---|
| 6.1 | scratch | FRNN | 4th daily maximum temperature from the 3 before (the course's task) |
| 6.2 | keras | biRNN | translate Russian to English (the course's task) |
| 6.3 | custom | echo state network | the 6.1 task (the course leaves this cell empty) |

Importing this plugin is cheap: numpy only.  Keras is imported by the
translator's routines when v6.2 runs.
"""
from __future__ import annotations

from rnnsuite import hookimpl
from rnnsuite.types import Assignment, ModelFactory, ScratchSpec, Variant

from . import esn_temperature, frnn_temperature, temperature, translator

TEMPERATURE_TASK_RU = "Предсказание 4-го значения температуры по трем предыдущим"

FRNN_TEMPERATURE = Assignment(
    id="v6.1", kind="scratch", network="FRNN",
    task_en="Predict the 4th temperature value from the 3 preceding ones (Seattle daily maximum, "
            "a from-scratch fully recurrent network trained by BPTT).",
    task_ru=TEMPERATURE_TASK_RU,
    datasets=("temperatures",), model="frnn-temperature",
    prepare=temperature.prepare, train=frnn_temperature.train, predict=frnn_temperature.predict,
    evaluate=temperature.evaluate, artifacts=frnn_temperature.artifacts,
    metrics=temperature.METRICS, bars=temperature.BARS,
    artifact_names=("predictions", "predictions_plot", "history", "model"),
    adapt=temperature.forecaster, scratch=ScratchSpec(inputs="vectors", output="last", loss="mse"),
    use=frnn_temperature.use, epochs=300, quick_epochs=5,
)

BIRNN_TRANSLATOR = translator.ASSIGNMENT  # declared with its routines in translator.py

ESN_TEMPERATURE = Assignment(
    id="v6.3", kind="custom", network="Echo state network",
    task_en="Predict the 4th temperature value from the 3 preceding ones with an echo state network: "
            "a fixed sparse random reservoir at a tuned spectral radius and a ridge-regression readout.",
    task_ru="Сеть с эхо-состояниями (ESN): фиксированный случайный резервуар с подобранным спектральным "
            "радиусом и линейный выход, обученный гребневой регрессией; предсказание 4-го значения "
            "температуры по трем предыдущим",
    datasets=("temperatures",), model="esn-temperature",
    prepare=temperature.prepare, train=esn_temperature.train, predict=esn_temperature.predict,
    evaluate=temperature.evaluate, artifacts=esn_temperature.artifacts,
    metrics=temperature.METRICS, bars=temperature.BARS,
    artifact_names=("predictions", "predictions_plot", "model"),
    adapt=temperature.forecaster, use=esn_temperature.use, from_course=False, epochs=1, quick_epochs=1,
)


@hookimpl
def rnnsuite_add_variants():
    return [Variant(6, "Temperatures and Russian -> English translation",
                    (FRNN_TEMPERATURE, BIRNN_TRANSLATOR, ESN_TEMPERATURE),
                    description="Seattle daily maximum temperatures (scratch FRNN, echo state network); "
                                "interface strings translated Russian -> English (bidirectional GRU seq2seq).")]


@hookimpl
def rnnsuite_add_models():
    return [
        ModelFactory("frnn-temperature", "scratch", frnn_temperature.build,
                     "FRNN(n=3, k=16, m=1), MSE on the last step (the assignment puts it in a °C forecaster)"),
        translator.FACTORY,
        ModelFactory("esn-temperature", "custom", esn_temperature.build,
                     "echo state network: 200-unit sparse reservoir, ridge readout (put in a °C forecaster)"),
    ]
