"""The minimal gated unit (MGU; Zhou, Wu, Zhang & Zhou, 2016) as a Keras RNN cell.

One gate where a GRU has two: the forget gate f_t decides both how much of
h_{t-1} the candidate reads and how much of it is kept::

    f_t = sigma(W_f x_t + U_f h_{t-1} + b_f)
    c_t = tanh(W x_t + U (f_t * h_{t-1}) + b)
    h_t = (1 - f_t) * h_{t-1} + f_t * c_t

Keras ships SimpleRNN, GRU and LSTM, not this.  This module imports Keras at
its top: import it only where Keras is needed.  Loading a saved ``.keras``
model needs this module imported first, so that ``MGUCell`` is registered.
"""
from __future__ import annotations

from rnnsuite.kerasutil import keras

k = keras()


@k.saving.register_keras_serializable(package=__package__)  # the package's own name: copies never collide
class MGUCell(k.layers.Layer):
    """One step of a minimal gated unit with ``units`` hidden units; the state is h."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        n, k_ = input_shape[-1], self.units
        self.W_f = self.add_weight(shape=(n, k_), initializer="glorot_uniform", name="W_f")
        self.U_f = self.add_weight(shape=(k_, k_), initializer="orthogonal", name="U_f")
        self.b_f = self.add_weight(shape=(k_,), initializer="ones", name="b_f")  # start by mostly updating
        self.W = self.add_weight(shape=(n, k_), initializer="glorot_uniform", name="W")
        self.U = self.add_weight(shape=(k_, k_), initializer="orthogonal", name="U")
        self.b = self.add_weight(shape=(k_,), initializer="zeros", name="b")

    def call(self, inputs, states):
        h = states[0] if isinstance(states, (list, tuple)) else states
        ops = k.ops
        f = ops.sigmoid(ops.matmul(inputs, self.W_f) + ops.matmul(h, self.U_f) + self.b_f)
        c = ops.tanh(ops.matmul(inputs, self.W) + ops.matmul(f * h, self.U) + self.b)
        h = (1 - f) * h + f * c
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def load(path):
    """A saved MGU model (this module's import registers the cell)."""
    return k.saving.load_model(path)
