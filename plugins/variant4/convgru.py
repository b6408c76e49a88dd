"""A convolutional GRU (Ballas, Yao, Pal & Courville 2016) as a Keras RNN cell.

The GRU's matrix products become convolutions, so the state is an image
with ``filters`` channels and every unit sees only its neighbourhood:

    z_t  = sigmoid(W_z * x_t + U_z * h_{t-1} + b_z)          update gate
    r_t  = sigmoid(W_r * x_t + U_r * h_{t-1} + b_r)          reset gate
    h~_t = tanh(W_h * x_t + U_h * (r_t . h_{t-1}) + b_h)      candidate
    h_t  = (1 - z_t) . h_{t-1} + z_t . h~_t

(``*`` a 2-D convolution with "same" padding, ``.`` the elementwise product.)
Keras ships ConvLSTM but no ConvGRU.  The kernels are stored as one input
kernel W (kh, kw, c, 3F) and one recurrent kernel U (kh, kw, F, 3F), in the
order z, r, h, as Keras's GRU stores its matrices.

This module imports Keras at its top: import it only where Keras is needed
(the plugin's routines do so lazily).  Loading a saved ``.keras`` model needs
this module imported first, so that ``ConvGRUCell`` is registered.
"""
from __future__ import annotations

from rnnsuite.kerasutil import keras

k = keras()
ops = k.ops


@k.saving.register_keras_serializable(package="rnnsuite")
class ConvGRUCell(k.layers.Layer):
    """One step of a convolutional GRU on (H, W, c) images; the state is (H, W, filters).

    ``keras.layers.RNN`` takes whole-number state sizes, so the cell reads each
    step's image flattened (H * W * c values) and keeps its state image flattened
    (H * W * filters); ``frame_shape = (H, W, c)`` says how to fold them back.
    """

    def __init__(self, filters: int, frame_shape, kernel_size: int = 3, recurrent_kernel_size: int = 3,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.frame_shape = tuple(int(d) for d in frame_shape)
        if len(self.frame_shape) != 3:
            raise ValueError(f"frame_shape must be (height, width, channels), got {frame_shape!r}")
        self.kernel_size = int(kernel_size)
        self.recurrent_kernel_size = int(recurrent_kernel_size)
        self.kernel_initializer = k.initializers.get(kernel_initializer)
        self.recurrent_initializer = k.initializers.get(recurrent_initializer)
        height, width, _ = self.frame_shape
        self.state_shape = (height, width, self.filters)
        self.state_size = height * width * self.filters
        self.output_size = self.state_size

    def build(self, input_shape):
        height, width, channels = self.frame_shape
        if input_shape[-1] != height * width * channels:
            raise ValueError(f"ConvGRUCell over {self.frame_shape} frames needs steps of {height * width * channels} "
                             f"values, got {input_shape[-1]}")
        size, rsize, f = self.kernel_size, self.recurrent_kernel_size, self.filters
        self.W = self.add_weight(shape=(size, size, channels, 3 * f), initializer=self.kernel_initializer, name="W")
        self.U = self.add_weight(shape=(rsize, rsize, f, 3 * f), initializer=self.recurrent_initializer, name="U")
        self.b = self.add_weight(shape=(3 * f,), initializer="zeros", name="b")

    def _conv(self, x, kernel):
        return ops.conv(x, kernel, strides=1, padding="same")

    def call(self, inputs, states):
        h_flat = states[0] if isinstance(states, (list, tuple)) else states
        x = ops.reshape(inputs, (-1, *self.frame_shape))
        h = ops.reshape(h_flat, (-1, *self.state_shape))
        f = self.filters
        x_z, x_r, x_h = ops.split(self._conv(x, self.W) + self.b, 3, axis=-1)
        h_z, h_r = ops.split(self._conv(h, self.U[..., : 2 * f]), 2, axis=-1)
        z = ops.sigmoid(x_z + h_z)  # update gate
        r = ops.sigmoid(x_r + h_r)  # reset gate
        candidate = ops.tanh(x_h + self._conv(r * h, self.U[..., 2 * f:]))
        h = ops.reshape((1.0 - z) * h + z * candidate, (-1, self.state_size))
        return h, [h]

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "frame_shape": list(self.frame_shape),
            "kernel_size": self.kernel_size,
            "recurrent_kernel_size": self.recurrent_kernel_size,
            "kernel_initializer": k.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": k.initializers.serialize(self.recurrent_initializer),
        }


def space_to_depth(frames, steps: int, height: int, width: int, block: int):
    """(B, steps, H, W) -> (B, steps, H/b * W/b * b*b): each b x b block of pixels becomes b*b channels."""
    h, w = height // block, width // block
    x = k.layers.Reshape((steps, h, block, w, block))(frames)
    x = k.layers.Permute((1, 2, 4, 3, 5))(x)
    return k.layers.Reshape((steps, h * w * block * block))(x)


def depth_to_space(x, height: int, width: int, block: int):
    """(B, H/b, W/b, b*b) -> (B, H, W): the inverse of ``space_to_depth`` for one frame."""
    h, w = height // block, width // block
    x = k.layers.Reshape((h, w, block, block))(x)
    x = k.layers.Permute((1, 3, 2, 4))(x)
    return k.layers.Reshape((height, width))(x)


def frame_predictor(height: int, width: int, steps: int = 3, filters: int = 32, kernel_size: int = 5,
                    recurrent_kernel_size: int = 3, output_kernel_size: int = 3, name: str = "convgru_frames"):
    """(B, steps, H, W) frames -> (B, H, W): the next frame, from the ConvGRU's last state.

    Each 2 x 2 block of pixels is folded into 4 channels first (when H and W
    are even), so the cell works on a half-size image: four times cheaper
    per filter, and each kernel reaches twice as far in pixels, far enough
    to see an object arriving from a few pixels away.  A convolution turns
    the last state back into 4 values per block, unfolded into the frame
    and squashed into [0, 1] by a sigmoid.
    """
    block = 2 if height % 2 == 0 and width % 2 == 0 else 1
    h, w = height // block, width // block
    frames = k.Input((steps, height, width), name="frames")
    x = space_to_depth(frames, steps, height, width, block)
    cell = ConvGRUCell(filters, (h, w, block * block), kernel_size, recurrent_kernel_size)
    state = k.layers.Reshape((h, w, filters))(k.layers.RNN(cell, name="convgru")(x))
    y = k.layers.Conv2D(block * block, output_kernel_size, padding="same", name="next_frame")(state)
    y = k.layers.Activation("sigmoid")(depth_to_space(y, height, width, block))
    return k.Model(frames, y, name=name)


def load(path):
    """A saved ConvGRU model (this module's import registers the cell)."""
    return k.saving.load_model(path)
