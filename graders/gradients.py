"""The BPTT gradient grader of from-scratch assignments.

It reads ``outcome.scratch`` (:class:`rnnsuite.grading.probe.ScratchEvidence`):
the submission's gradients at parameters and data the grader chose.  Each
parameter's gradient is compared, over **every** coordinate of every probe
case, with the course's BPTT (the reference FRNN holding the same
parameters), and on a sample of coordinates with finite differences of the
submission's own loss.  The larger of the two relative errors decides:
full credit below 1e-6, none above 1e-4, linear in log10 between.  A
failed check names the likeliest mistake.
"""
from __future__ import annotations

import math

import numpy as np

from rnnsuite.types import GradeItem, Grader, Outcome

FULL_BELOW = 1e-6
ZERO_ABOVE = 1e-4
#: entries below this share of a gradient's largest entry are rounding noise on both sides
NOISE = 1e-10
#: a backward pass costing more forward passes than this is not BPTT
SUSPICIOUS_COST = 100.0


def credit(error: float) -> float:
    """1 below FULL_BELOW, 0 above ZERO_ABOVE, linear in log10(error) between."""
    if not math.isfinite(error) or error > ZERO_ABOVE:
        return 0.0
    if error < FULL_BELOW:
        return 1.0
    lo, hi = math.log10(FULL_BELOW), math.log10(ZERO_ABOVE)
    return (hi - math.log10(error)) / (hi - lo)


def zero_items(reason: str) -> list[GradeItem]:
    """One zero item per course parameter, so every student has the same maximum score."""
    from rnnsuite.scratch.frnn import PARAM_NAMES

    return [GradeItem(f"gradient {name}", 0.0, 1.0, False, reason) for name in PARAM_NAMES]


def max_error(a: np.ndarray, r: np.ndarray, noise: float) -> float:
    from rnnsuite.scratch.gradcheck import relative_error

    err = relative_error(np.asarray(a, dtype=np.float64).reshape(-1), np.asarray(r, dtype=np.float64).reshape(-1),
                         noise)
    err = np.where(np.isfinite(err), err, 1.0)
    return float(err.max(initial=0.0))


def numeric(fd_losses: np.ndarray) -> np.ndarray:
    """Central differences of the submission's loss at the stencil points."""
    from rnnsuite.grading.probe import STEP
    from rnnsuite.scratch.gradcheck import STENCIL

    return fd_losses @ np.array(list(STENCIL.values())) / STEP


def unavailable(outcome: Outcome) -> str:
    """Why there is nothing to check ('' when there is)."""
    evidence = outcome.scratch
    if evidence is None:
        return outcome.reason or "no model to check: the submission gave no gradients"
    if evidence.error:
        return f"the model could not be checked: {evidence.error}"
    if evidence.borrowed:
        return f"the submission uses the suite's own scratch engine ({evidence.borrowed}): not its own work"
    return ""


def grade_gradients(outcome: Outcome) -> list[GradeItem]:
    from rnnsuite.scratch.frnn import PARAM_NAMES

    why = unavailable(outcome)
    if why:
        return zero_items(why)
    ev = outcome.scratch
    references = [case.reference(ev.scratch).loss_and_grads(case.X, case.targets, **case.kw(truncate=case.truncate))[1]
                  for case in ev.cases]
    items = []
    for name in PARAM_NAMES:
        errors, wrong_case, problem = [], None, ""
        for i, (case, answer, ref) in enumerate(zip(ev.cases, ev.answers, references)):
            g = answer.grads.get(name)
            if g is None:
                problem = answer.errors.get(f"gradient {name}") or answer.errors.get("loss_and_grads") \
                    or f"loss_and_grads gave no gradient for {name}"
                errors.append(1.0)
            else:
                errors.append(max_error(g, ref[name], NOISE * float(np.abs(ref[name]).max(initial=0.0))))
            if errors[-1] > FULL_BELOW and wrong_case is None:
                wrong_case = i
        fd_error, fd_count = _against_own_loss(ev, name)
        error = max([*errors, fd_error])
        message = (f"max relative error {error:.1e}: against the course's BPTT over all "
                   f"{ev.cases[0].params[name].size} coordinates at {len(ev.cases)} probes, against finite "
                   f"differences of the submission's loss over {fd_count}")
        if problem:
            message += f"; {problem}"
        elif wrong_case is not None and max(errors) > FULL_BELOW:
            message += f"; {_diagnosis(ev, wrong_case)}"
        elif fd_error > FULL_BELOW:
            message += "; the gradient is the course's but the submission's own loss does not fit it"
        message += _cost_note(ev.backward_cost)
        score = credit(error)
        items.append(GradeItem(f"gradient {name}", score, 1.0, error <= FULL_BELOW, message))
    return items


def _against_own_loss(ev, name: str) -> tuple[float, int]:
    """Finite differences of the submission's loss against its own analytic gradient (first case)."""
    case, answer = ev.cases[0], ev.answers[0]
    coords = case.coords.get(name)
    if coords is None or len(coords) == 0:
        return 0.0, 0
    g, fd = answer.grads.get(name), answer.fd_losses.get(name)
    if g is None or fd is None:
        return 1.0, 0
    n = numeric(fd)
    from rnnsuite.grading.probe import STEP
    from rnnsuite.scratch.gradcheck import ROUNDING

    noise = ROUNDING * float(np.abs(fd).max(initial=0.0)) / STEP
    return max_error(g.reshape(-1)[coords], n, noise), len(coords)


def _diagnosis(ev, i: int) -> str:
    """The likeliest mistake behind case i's gradients, in one line."""
    case, answer = ev.cases[i], ev.answers[i]
    if case.h0 is not None:
        return _state_diagnosis(ev, case, answer)
    previous = (ev.cases[i - 1].X, ev.cases[i - 1].mask) if i > 0 else None
    try:
        from rnnsuite.scratch.diagnose import name_mistake

        named = name_mistake(case.params, answer.grads, case.X, case.targets, case.mask, output=ev.scratch.output,
                             loss=ev.scratch.loss, truncate=case.truncate, previous=previous)
    except Exception as exc:  # noqa: BLE001 - a diagnosis must never cost the grade
        return f"(no diagnosis: {type(exc).__name__})"
    where = " (on the second call in a row)" if i == 1 else " (with truncation)" if case.truncate else ""
    return (named or "the gradients differ from the course's BPTT") + where


def _state_diagnosis(ev, case, answer) -> str:
    """A case that starts from a given h0: was h0 ignored (the gradients of a pass from 0), or something else?"""
    from dataclasses import replace

    from_zero = replace(case, h0=None)
    model = from_zero.reference(ev.scratch)
    ref = model.loss_and_grads(case.X, case.targets, **from_zero.kw(truncate=case.truncate))[1]
    if answer.grads and all(max_error(g, ref[name], NOISE * float(np.abs(ref[name]).max(initial=0.0))) <= FULL_BELOW
                            for name, g in answer.grads.items()):
        return "the given initial state h0 was ignored: these are the gradients of a pass from h_0 = 0"
    return "the gradients differ from the course's BPTT from a given initial state h0 (the carried state)"


def _cost_note(cost: float | None) -> str:
    if cost is None:
        return ""
    note = f"; the backward pass costs {cost:.1f} forward passes"
    if cost > SUSPICIOUS_COST:
        note += " - far more than BPTT's few: finite differences instead of backpropagation?"
    return note


GRADER = Grader(
    name="bptt-gradients",
    applies=lambda assignment: assignment.kind == "scratch",
    grade=grade_gradients,
    description="BPTT gradients against the course's reference over every coordinate and against finite "
                "differences of the submission's loss, per parameter, with a diagnosis of the mistake.",
)
