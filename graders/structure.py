"""Structure checks: the custom network really is custom.

The child describes the trained model as the fully qualified class names of
the model, its layers and their cells (``describe``); the parent checks that
description.  For a network that must be a hand-built recurrent cell (Elman,
Jordan), the model may not use Keras's stock ``SimpleRNN``/``SimpleRNNCell``
(that *is* an Elman network) and must contain a cell or layer class defined
outside Keras/TensorFlow: by the submission or by the suite.

The description is reported by the child, like everything the child does;
what cannot be faked is scored in the parent (the labels, the gradients).
"""
from __future__ import annotations

from typing import Any

from rnnsuite.types import Assignment, GradeItem, Grader, Outcome

#: networks (by the assignment's ``network``) that must be a custom recurrent cell
CUSTOM_CELL_NETWORKS = ("elman", "jordan")
STOCK = ("keras.", "tensorflow.", "tf_keras.", "builtins.", "numpy.")
FORBIDDEN = ("SimpleRNN", "SimpleRNNCell")
NAME = "custom recurrent cell"


def describe(model: Any, limit: int = 200) -> tuple[str, ...]:
    """Class names of the model and everything inside it (layers, cells, wrapped layers)."""
    seen: list[str] = []
    ids: set[int] = set()

    def visit(obj: Any, depth: int) -> None:
        if obj is None or id(obj) in ids or depth > 8 or len(seen) >= limit:
            return
        ids.add(id(obj))
        cls = type(obj)
        seen.append(f"{cls.__module__}.{cls.__qualname__}")
        for attr in ("layers", "cells"):
            children = getattr(obj, attr, None)
            if isinstance(children, (list, tuple)):
                for child in children:
                    visit(child, depth + 1)
        for attr in ("cell", "layer", "forward_layer", "backward_layer"):
            visit(getattr(obj, attr, None), depth + 1)

    visit(model, 0)
    return tuple(seen)


def applies(assignment: Assignment) -> bool:
    return assignment.kind == "custom" and any(n in assignment.network.lower() for n in CUSTOM_CELL_NETWORKS)


def grade_structure(outcome: Outcome) -> list[GradeItem]:
    classes = outcome.structure
    if not classes:
        reason = outcome.reason or "the submission reported no model structure"
        return [GradeItem(NAME, 0.0, 1.0, False, reason)]
    stock = [c for c in classes if c.rsplit(".", 1)[-1] in FORBIDDEN and c.startswith(STOCK)]
    own = sorted({c for c in classes if not c.startswith(STOCK)})
    if stock:
        return [GradeItem(NAME, 0.0, 1.0, False, f"uses Keras's stock {', '.join(sorted(set(stock)))}")]
    if not own:
        return [GradeItem(NAME, 0.0, 1.0, False, "no layer or cell class of its own: only " +
                          ", ".join(sorted({c.rsplit('.', 1)[-1] for c in classes})))]
    return [GradeItem(NAME, 1.0, 1.0, True, f"custom classes: {', '.join(own)}")]


GRADER = Grader(
    name="structure",
    applies=applies,
    grade=grade_structure,
    description="The custom network is built from its own cell, not Keras's stock SimpleRNN.",
)

