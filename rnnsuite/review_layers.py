"""The Keras layer the review classifiers add after their recurrent layer (``rnnsuite.sentiment``).

This module imports Keras at its top: import it only where Keras is needed.
Loading a saved review classifier needs it imported first, so that
``MaxOverSteps`` is registered (``sentiment.load_classifier`` does so).
"""
from __future__ import annotations

from rnnsuite.kerasutil import keras

k = keras()


@k.saving.register_keras_serializable(package="rnnsuite")
class MaxOverSteps(k.layers.Layer):
    """(batch, steps, units) -> (batch, units): each unit's largest value over the steps, padding counted as 0.

    The review's padding comes first (left) and is masked; there the recurrent layer's output is its
    initial state, 0, so padded steps count as 0 here too, which keeps an empty review's answer defined.
    Keras' GlobalMaxPooling1D would do the same but does not accept the mask (and says so at every call).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            inputs = inputs * k.ops.expand_dims(k.ops.cast(mask, inputs.dtype), -1)
        return k.ops.max(inputs, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None  # one vector per review: nothing left to mask

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
