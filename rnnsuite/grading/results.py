"""The one result model every output format is written from."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rnnsuite.types import GradeItem

#: per assignment: how its child ended
STATUSES = ("ok", "error", "timeout", "memory", "crashed")


@dataclass
class AssignmentResult:
    """One submission x one assignment."""

    assignment: str
    status: str = "ok"
    reason: str = ""
    items: list[GradeItem] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    output: str = ""  # the tail of the child's stdout/stderr
    probe_seed: int | None = None  # the seed of a scratch model's questions (new for every submission)
    graded: dict[str, Any] = field(default_factory=dict)  # how: Batch.grading_info() (date, seed, data, ...)
    notes: list[str] = field(default_factory=list)  # what of the submission was not run (a notebook's magics)

    @property
    def score(self) -> float:
        return sum(i.score for i in self.items)

    @property
    def max_score(self) -> float:
        return sum(i.max_score for i in self.items)


@dataclass
class SubmissionResult:
    """A student's grade: items over all assignments, a status and the reasons for lost items."""

    student: str
    assignments: list[AssignmentResult] = field(default_factory=list)
    seconds: float = 0.0
    sandboxed: bool = True  # False when graded with --no-sandbox

    @property
    def items(self) -> list[GradeItem]:
        return [i for a in self.assignments for i in a.items]

    @property
    def score(self) -> float:
        return sum(a.score for a in self.assignments)

    @property
    def max_score(self) -> float:
        return sum(a.max_score for a in self.assignments)

    @property
    def errors(self) -> list[str]:
        return [f"{a.assignment}: {a.reason}" for a in self.assignments if a.reason]

    @property
    def notes(self) -> list[str]:
        """What was not run of the submission (the same for every assignment: shown once)."""
        return list(dict.fromkeys(note for a in self.assignments for note in a.notes))

    @property
    def lost(self) -> list[str]:
        """Why points were lost: each failed assignment's reason, then each item short of full marks."""
        failed = {a.assignment for a in self.assignments if a.reason}
        return self.errors + [f"{i.name} {i.score:.3g}/{i.max_score:g}" for a in self.assignments
                              if a.assignment not in failed for i in a.items if i.score < i.max_score]

    @property
    def status(self) -> str:
        bad = sorted({a.status for a in self.assignments if a.status != "ok"})
        return "+".join(bad) if bad else "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "score": round(self.score, 6),
            "max_score": self.max_score,
            "status": self.status,
            "errors": self.errors,
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
            "sandboxed": self.sandboxed,
            "items": [asdict(i) for i in self.items],
            "assignments": [{**asdict(a), "score": a.score, "max_score": a.max_score} for a in self.assignments],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SubmissionResult":
        """Read back what ``to_dict`` wrote (a results folder graded before)."""
        fields = set(AssignmentResult.__dataclass_fields__) - {"items"}
        parts = [AssignmentResult(**{k: v for k, v in a.items() if k in fields},
                                  items=[GradeItem(**i) for i in a.get("items", [])])
                 for a in data.get("assignments", [])]
        return cls(str(data["student"]), parts, float(data.get("seconds", 0.0)), bool(data.get("sandboxed", True)))


def merge(earlier: list[SubmissionResult], newer: list[SubmissionResult]) -> list[SubmissionResult]:
    """Results of two gradings into one folder: per student and assignment the newer wins, nothing else is lost.

    Students keep their first-seen order; an assignment graded again replaces
    the earlier one in place.
    """
    by_student: dict[str, SubmissionResult] = {r.student: r for r in earlier}
    for r in newer:
        old = by_student.get(r.student)
        if old is None:
            by_student[r.student] = r
            continue
        parts = {a.assignment: a for a in old.assignments}
        parts.update({a.assignment: a for a in r.assignments})
        order = list(dict.fromkeys([*(a.assignment for a in old.assignments), *(a.assignment for a in r.assignments)]))
        by_student[r.student] = SubmissionResult(r.student, [parts[k] for k in order],
                                                 sum(parts[k].seconds for k in order), old.sandboxed and r.sandboxed)
    return list(by_student.values())
