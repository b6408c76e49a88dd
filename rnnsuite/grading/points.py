"""Points: what each graded item and assignment is worth, and what students see on Gradescope.

The graders score every item from 0 to its own maximum (1 for a bar, a
gradient, the forward pass).  Points turn that into a grade:

* every assignment is worth ``DEFAULT_ASSIGNMENT`` points unless the file
  says otherwise, so the course's own cells weigh as much as the cells
  rnnsuite fills in (v5.1's eight checks no longer outweigh v5.2's one bar);
* within an assignment, an item's share is its weight (default 1) over the
  sum of the weights of that assignment's items.

``--points points.toml`` (keys are item names as the gradebook shows them,
``fnmatch`` patterns allowed; the first matching pattern wins)::

    [assignments]            # points per assignment
    "v5.1" = 10
    "v5.2" = 20

    [weights]                # relative weights of items within their assignment
    "v5.1 gradient *" = 1
    "v5.1 accuracy*" = 3

    [visibility]             # Gradescope: visible, hidden, after_due_date, after_published
    default = "after_due_date"
    "v5.* accuracy*" = "hidden"
"""
from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rnnsuite.errors import UserError
from rnnsuite.grading.results import AssignmentResult, SubmissionResult

DEFAULT_ASSIGNMENT = 10.0
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def _patterns(table: Any, what: str, path: Path, check) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise UserError(f"{path.name}: [{what}] must be a table of \"pattern\" = value")
    for key, value in table.items():
        check(key, value)
    return dict(table)


@dataclass(frozen=True)
class Points:
    assignments: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    visibility: dict[str, str] = field(default_factory=dict)
    source: str = "default: 10 points per assignment, items weighted equally"

    @classmethod
    def load(cls, path: Path | None) -> "Points":
        """The points file, checked: one line naming the file and the bad key on any mistake."""
        if path is None:
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read {path}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{path.name} is not valid TOML: {exc}") from None
        unknown = set(data) - {"assignments", "weights", "visibility"}
        if unknown:
            raise UserError(f"{path.name}: unknown table [{sorted(unknown)[0]}] (known: assignments, weights, "
                            "visibility)")

        def number(key, value):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise UserError(f"{path.name}: {key!r} must be a non-negative number, got {value!r}")

        def visible(key, value):
            if value not in VISIBILITIES:
                raise UserError(f"{path.name}: visibility {key!r} must be one of {', '.join(VISIBILITIES)}, "
                                f"got {value!r}")

        return cls(assignments={k: float(v) for k, v in _patterns(data.get("assignments", {}), "assignments", path,
                                                                   number).items()},
                   weights={k: float(v) for k, v in _patterns(data.get("weights", {}), "weights", path,
                                                              number).items()},
                   visibility=_patterns(data.get("visibility", {}), "visibility", path, visible),
                   source=str(path))

    @staticmethod
    def _first(table: dict[str, Any], name: str, default: Any) -> Any:
        for pattern, value in table.items():
            if pattern != "default" and fnmatch.fnmatchcase(name, pattern):
                return value
        return table.get("default", default)

    def worth(self, assignment: str) -> float:
        return float(self._first(self.assignments, assignment, DEFAULT_ASSIGNMENT))

    def visibility_of(self, item: str = "") -> str:
        return str(self._first(self.visibility, item, "visible")) if item else \
            str(self.visibility.get("default", "visible"))

    def scale(self, part: AssignmentResult) -> AssignmentResult:
        """The assignment's items in points: a share of ``worth`` by weight, scored in proportion."""
        weights = [float(self._first(self.weights, i.name, 1.0)) for i in part.items]
        total = sum(weights)
        if total <= 0:
            return replace(part, items=[replace(i, score=0.0, max_score=0.0) for i in part.items])
        worth = self.worth(part.assignment)
        items = []
        for i, w in zip(part.items, weights):
            max_points = worth * w / total
            share = i.score / i.max_score if i.max_score > 0 else 0.0
            items.append(replace(i, score=round(max_points * share, 6), max_score=round(max_points, 6)))
        return replace(part, items=items)

    def apply(self, result: SubmissionResult) -> SubmissionResult:
        return replace(result, assignments=[self.scale(a) for a in result.assignments])
