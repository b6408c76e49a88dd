"""The Elman network as a Keras RNN cell with explicit context units.

Elman (1990): the hidden layer's previous activations are copied into
*context units* c_t, which feed the hidden layer back at the next step:

    c_t = h_{t-1}                       (copy, fixed weight 1, not trained)
    h_t = tanh(W x_t + U c_t + b)

This module imports Keras at its top: import it only where Keras is needed
(the plugin's routines do so lazily).  Loading a saved ``.keras`` model needs
this module imported first, so that ``ElmanCell`` is registered.
"""
from __future__ import annotations

from rnnsuite.kerasutil import keras

k = keras()


@k.saving.register_keras_serializable(package="rnnsuite")
class ElmanCell(k.layers.Layer):
    """One step of an Elman network; the state is the context layer c = copy of h."""

    def __init__(self, units: int, activation: str = "tanh", kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = k.activations.get(activation)
        self.kernel_initializer = k.initializers.get(kernel_initializer)
        self.recurrent_initializer = k.initializers.get(recurrent_initializer)
        self.state_size = self.units  # the context units
        self.output_size = self.units

    def build(self, input_shape):
        n = input_shape[-1]
        self.W = self.add_weight(shape=(n, self.units), initializer=self.kernel_initializer, name="W")
        self.U = self.add_weight(shape=(self.units, self.units), initializer=self.recurrent_initializer,
                                 name="U")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs, states):
        context = states[0] if isinstance(states, (list, tuple)) else states  # c_t = h_{t-1}
        h = self.activation(k.ops.matmul(inputs, self.W) + k.ops.matmul(context, self.U) + self.b)
        return h, [h]  # the new context is a copy of h_t

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": k.activations.serialize(self.activation),
            "kernel_initializer": k.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": k.initializers.serialize(self.recurrent_initializer),
        }


def elman_classifier(rows: int, width: int, classes: int, units: int = 128):
    """An image read row by row: x_t = row t, T = rows; the last hidden state -> softmax over classes.

    Uncompiled: the assignment's training routine compiles it.
    """
    pixels = k.Input((rows, width), name="image_rows")
    h = k.layers.RNN(ElmanCell(units), name="elman")(pixels)
    p = k.layers.Dense(classes, activation="softmax", name="digit")(h)
    return k.Model(pixels, p, name="elman_digits")


def load(path):
    """A saved Elman model (this module's import registers the cell)."""
    return k.saving.load_model(path)
