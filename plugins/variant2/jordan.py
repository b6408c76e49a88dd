"""The Jordan network as a Keras RNN cell: the context units hold the previous *output*.

Jordan (1986): the output layer's activations are copied back into context
units, which feed the hidden layer at the next step.  Where an Elman network
remembers its hidden state, a Jordan network remembers what it said::

    c_t = y_{t-1}                         (copy, fixed weight 1; c_1 = 0)
    h_t = tanh(W x_t + U c_t + b_h)
    y_t = V h_t + b_y                     (the course's output; ``output_activation`` may squash it)

So the output layer lives inside the cell: its weights V decide the next
step's context.  A classifier puts a softmax over y_t after the cell (the
course's loss, -ln p_c with p = softmax(y)).  This module imports Keras at its top: import it only where
Keras is needed.  Loading a saved ``.keras`` model needs this module imported
first, so that ``JordanCell`` is registered.
"""
from __future__ import annotations

from rnnsuite.kerasutil import keras

k = keras()


@k.saving.register_keras_serializable(package="rnnsuite")
class JordanCell(k.layers.Layer):
    """One step of a Jordan network with ``units`` hidden and ``outputs`` output units.

    The state is the context layer: a copy of the previous output y_{t-1}
    (``state_size == output_size == outputs``).
    """

    def __init__(self, units: int, outputs: int, activation: str = "tanh", output_activation: str = "linear",
                 kernel_initializer="glorot_uniform", context_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.units, self.outputs = int(units), int(outputs)
        self.activation = k.activations.get(activation)
        self.output_activation = k.activations.get(output_activation)
        self.kernel_initializer = k.initializers.get(kernel_initializer)
        self.context_initializer = k.initializers.get(context_initializer)
        self.state_size = self.outputs  # the context units c_t = y_{t-1}
        self.output_size = self.outputs

    def build(self, input_shape):
        n = input_shape[-1]
        self.W = self.add_weight(shape=(n, self.units), initializer=self.kernel_initializer, name="W")
        self.U = self.add_weight(shape=(self.outputs, self.units), initializer=self.context_initializer, name="U")
        self.b_h = self.add_weight(shape=(self.units,), initializer="zeros", name="b_h")
        self.V = self.add_weight(shape=(self.units, self.outputs), initializer=self.kernel_initializer, name="V")
        self.b_y = self.add_weight(shape=(self.outputs,), initializer="zeros", name="b_y")

    def call(self, inputs, states):
        context = states[0] if isinstance(states, (list, tuple)) else states  # c_t = y_{t-1}
        h = self.activation(k.ops.matmul(inputs, self.W) + k.ops.matmul(context, self.U) + self.b_h)
        y = self.output_activation(k.ops.matmul(h, self.V) + self.b_y)
        return y, [y]  # the next context is a copy of y_t, and nothing else

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "outputs": self.outputs,
            "activation": k.activations.serialize(self.activation),
            "output_activation": k.activations.serialize(self.output_activation),
            "kernel_initializer": k.initializers.serialize(self.kernel_initializer),
            "context_initializer": k.initializers.serialize(self.context_initializer),
        }


def load(path):
    """A saved model holding Jordan cells (this module's import registers the cell)."""
    return k.saving.load_model(path)
