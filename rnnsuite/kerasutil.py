"""Keras, imported on demand, deterministic, with progress wired to the run hooks.

Nothing imports TensorFlow until an assignment that needs it runs: call
``keras()`` inside routines, never at module level.
"""
from __future__ import annotations

import os
from typing import Any

#: TensorFlow prints oneDNN notices before its log filter is set up, and tf.data
#: logs harmless attribute mismatches as errors; real errors still raise.
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow"}

_state: dict[str, Any] = {"seed": 0, "module": None}


def quiet_tensorflow() -> None:
    """Set the quiet defaults before TensorFlow is imported (the user's settings win)."""
    for name, value in QUIET_TENSORFLOW.items():
        os.environ.setdefault(name, value)


def keras() -> Any:
    """Import Keras 3 on the TensorFlow backend, quietly, deterministic and seeded."""
    if _state["module"] is None:
        quiet_tensorflow()
        import keras as _keras
        import tensorflow as tf

        # Same seed, same weights and losses, at no measurable cost (TENSORFLOW_NOTES.md);
        # op determinism also refuses random ops that have no seed, so seed at once.
        tf.config.experimental.enable_op_determinism()
        _keras.utils.set_random_seed(_state["seed"])
        _state["module"] = _keras
    return _state["module"]


def seed_keras(seed: int) -> None:
    """Seed Keras now if it is imported, otherwise as soon as ``keras()`` imports it."""
    _state["seed"] = seed
    if _state["module"] is not None:
        _state["module"].utils.set_random_seed(seed)


def progress_callback(ctx) -> Any:
    """A Keras callback that reports epochs and batches through ``ctx``."""
    k = keras()

    class HookCallback(k.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps = self.params.get("steps") or 0
            if steps:
                ctx.batch_ended(batch + 1, steps)

        def on_epoch_end(self, epoch, logs=None):
            logs = {k: v for k, v in (logs or {}).items() if isinstance(v, (int, float)) or hasattr(v, "__float__")}
            ctx.epoch_ended(epoch + 1, self.params.get("epochs", ctx.epochs), logs)

    return HookCallback()
