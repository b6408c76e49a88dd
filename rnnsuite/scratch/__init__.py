"""The from-scratch numpy FRNN engine: forward pass, BPTT, optimisers, gradient check.

Modules: ``frnn`` (the network and its vectorised BPTT), ``steps`` (the same
network one step at a time in the course's notation: the reference ``frnn``
is tested against), ``losses``, ``optim`` (SGD, Momentum, Adam, global-norm
clipping), ``train`` (``fit``), ``gradcheck`` (finite differences) and
``diagnose`` (which BPTT mistake wrong gradients point to: ``name_mistake``
from numbers alone, ``diagnose`` for a failed check).  numpy only; nothing
here imports TensorFlow.

The scratch model protocol
--------------------------
What the gradient checker and the graders need from a model -- the reference
:class:`FRNN` and every student's from-scratch submission alike:

``params: dict[str, np.ndarray]``
    The trainable arrays, by name; for an FRNN exactly ``W`` (k x n),
    ``U`` (k x k), ``V`` (m x k), ``b_h`` (k,), ``b_y`` (m,), float64 for a
    check.  The checker perturbs these arrays **in place**, so ``loss`` must
    read them afresh on every call (no cached copies).
``loss(X, targets, mask=None) -> float``
    The mean loss of a mini-batch; ``X`` is (B, T, n) floats or (B, T) token
    ids, ``mask`` (B, T) bool marks the real steps of left-padded sequences
    (the argument is only passed when a mask is used).  A model that offers
    truncated BPTT also accepts ``truncate=k, anchor=params0`` and then
    returns the surrogate loss whose exact gradient is the truncated one
    (see :mod:`rnnsuite.scratch.frnn`).
``loss_and_grads(X, targets, mask=None, truncate=None) -> (float, dict)``
    The same loss and its gradient for every name in ``params``, same shapes.

Optional: ``forward(X, mask=None)`` (outputs y, checked by the forward-pass
grader), ``predict``, and the attributes ``output`` ("last" or "all") and
``loss_name`` ("ce", "bce", "mse"), which let the diagnosis replay the
model's configuration on the reference engine.

Optional, the state extension (required where the assignment's
``ScratchSpec.carry_state`` is set, e.g. a language model trained over a long
text in chunks): ``forward``, ``loss`` and ``loss_and_grads`` accept
``h0=`` (B, k), the state before the first step instead of 0, and after each
of them ``last_state`` holds the final state h_T (B, k), ready to be passed
as the next chunk's ``h0``.  h0 is a constant: no gradient flows into it.
"""
from rnnsuite.scratch.frnn import FRNN, PARAM_NAMES
from rnnsuite.scratch.gradcheck import GradCheckResult, ParamCheck, check_gradients
from rnnsuite.scratch.losses import LOSSES, binary_cross_entropy, cross_entropy, squared_error
from rnnsuite.scratch.optim import SGD, Adam, Momentum, clip_global_norm
from rnnsuite.scratch.train import fit

__all__ = [
    "FRNN", "PARAM_NAMES", "LOSSES", "cross_entropy", "binary_cross_entropy", "squared_error",
    "SGD", "Momentum", "Adam", "clip_global_norm", "fit", "check_gradients", "GradCheckResult", "ParamCheck",
]
