"""The forward-pass and loss graders of from-scratch assignments.

Both read ``outcome.scratch`` (:class:`rnnsuite.grading.probe.ScratchEvidence`)
and compare with the reference FRNN holding the same parameters:

* ``forward pass``: the outputs y at every probe case, to ``TOLERANCE``
  relative to the largest output, **and** the model that was trained: the
  submission's predictions must be those of the course's FRNN holding the
  trained parameters (at least ``AGREEMENT`` of them);
* ``loss``: the loss values, against the course's loss (cross-entropy
  -ln p_c, or 1/2 e^2), not against the submission's own idea of it.
"""
from __future__ import annotations

import numpy as np

from rnnsuite.types import GradeItem, Grader, Outcome

TOLERANCE = 1e-6
AGREEMENT = 0.99
NAME = "forward pass"
LOSS = "loss"


def _unavailable(outcome: Outcome, name: str) -> list[GradeItem] | None:
    from rnnsuite.graders.gradients import unavailable

    why = unavailable(outcome)
    return [GradeItem(name, 0.0, 1.0, False, why)] if why else None


def grade_forward(outcome: Outcome) -> list[GradeItem]:
    missing = _unavailable(outcome, NAME)
    if missing:
        return missing
    ev = outcome.scratch
    worst, problem = 0.0, ""
    for case, answer in zip(ev.cases, ev.answers):
        expected = case.reference(ev.scratch).forward(case.X, **case.kw())
        if answer.y is None:
            problem = answer.errors.get("forward") or "forward gave no outputs"
            worst = 1.0
            continue
        scale = max(1e-8, float(np.abs(expected).max(initial=0.0)))
        worst = max(worst, float(np.abs(answer.y - expected).max(initial=0.0)) / scale)
    probes = f"outputs at {len(ev.cases)} probes: max relative difference from the course's FRNN {worst:.1e}"
    if problem:
        probes += f" ({problem})"
    if ev.trained is None or ev.predictions_agree is None:
        trained = outcome.reason or "the trained parameters did not come back"
        trained_ok = False
    else:
        trained_ok = ev.predictions_agree >= AGREEMENT
        trained = (f"the course's FRNN holding the trained parameters reproduces {ev.predictions_agree:.1%} of the "
                   f"submitted predictions (needs {AGREEMENT:.0%})")
    passed = worst <= TOLERANCE and trained_ok
    score = 0.5 * (worst <= TOLERANCE) + 0.5 * trained_ok
    return [GradeItem(NAME, score, 1.0, passed, f"{probes}; {trained}")]


def grade_loss(outcome: Outcome) -> list[GradeItem]:
    missing = _unavailable(outcome, LOSS)
    if missing:
        return missing
    ev = outcome.scratch
    worst, notes = 0.0, []
    for case, answer in zip(ev.cases, ev.answers):
        expected = float(case.reference(ev.scratch).loss(case.X, case.targets, **case.kw()))
        for value, call in ((answer.loss, "loss"), (answer.grads_loss, "loss_and_grads")):
            if value is None:
                worst = 1.0
                notes.append(answer.errors.get(call) or f"{call} gave no loss")
                continue
            error = abs(value - expected) / max(1.0, abs(expected))
            if error > worst:
                worst = error
                if error > TOLERANCE and len(notes) < 2:
                    notes.append(f"{call} gave {value:.6g} where the course's loss is {expected:.6g}")
    passed = worst <= TOLERANCE
    message = f"loss values at {len(ev.cases)} probes: max relative difference from the course's {worst:.1e}"
    if notes:
        message += "; " + "; ".join(dict.fromkeys(notes))
    return [GradeItem(LOSS, 1.0 if passed else 0.0, 1.0, passed, message)]


def grade(outcome: Outcome) -> list[GradeItem]:
    return grade_forward(outcome) + grade_loss(outcome)


GRADER = Grader(
    name="forward-pass",
    applies=lambda assignment: assignment.kind == "scratch",
    grade=grade,
    description="The outputs y and the loss against the reference FRNN with the same parameters, and the "
                "trained model's predictions against the reference holding the trained parameters.",
)
