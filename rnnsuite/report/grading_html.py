"""``report.html`` of a grading: the class at a glance, drawn from the results folder's files.

It reads ``summary.json`` (the order of the students, the warnings, how the
grading ran) and ``students/*.json`` (each student's items in points), so
``rnnsuite report GRADES_DIR`` draws it again at any time.  Per item it shows
how the class scored (counts per score band and a small bar of them), then
the items most often short of full marks with their most common reasons,
one row per student, and each student's details under an anchor.  Names and
messages are students' text: every one is escaped.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnnsuite import __version__
from rnnsuite.errors import UserError
from rnnsuite.report.model import number
from rnnsuite.report.page import document, e, row, table, td
from rnnsuite.report.strings import texts

#: score bands of an item, as shares of its points: none, under half, half or more, full
BANDS = ("0", "< 50%", "≥ 50%", "100%")
MOST_LOST = 10  # items listed under "most often lost"
REASONS = 3  # most common reasons shown per item
LOST_SHOWN = 3  # reasons shown per student in the class table


@dataclass
class Item:
    name: str
    score: float
    max_score: float
    message: str

    @property
    def lost(self) -> bool:
        return self.score < self.max_score

    @property
    def assignment(self) -> str:
        return self.name.split(" ", 1)[0]  # item names start with their assignment: "v5.1 accuracy >= 0.68"


@dataclass
class Student:
    name: str
    score: float
    max_score: float
    status: str
    sandboxed: bool
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def failed(self) -> set[str]:
        """The assignments whose run did not finish (their errors read ``v5.1: <reason>``)."""
        return {error.partition(": ")[0] for error in self.errors}

    @property
    def lost(self) -> list[str]:
        """Why points were lost, as the gradebook says it: the runs that did not finish, then each item short of
        full marks in the others."""
        return self.errors + [f"{i.name} {i.score:.3g}/{i.max_score:g}" for i in self.items
                              if i.lost and i.assignment not in self.failed]


@dataclass
class Grading:
    out: Path
    students: list[Student]
    warnings: list[str]
    info: dict[str, Any]
    points: str


def is_grading(folder: Path) -> bool:
    """A results folder of ``rnnsuite grade``: summary.json and students/."""
    return (folder / "summary.json").is_file() and (folder / "students").is_dir()


def read_grading(out: Path) -> Grading:
    """The grading in ``out``; a student file that cannot be read is left out.

    :raises UserError: ``out`` is not a grading's results folder.
    """
    if not is_grading(out):
        raise UserError(f"{out} is not a grading folder: it holds no summary.json and students/")
    try:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{out / 'summary.json'}: not readable JSON ({' '.join(str(exc).split())})") from None
    if not isinstance(summary, dict):
        raise UserError(f"{out / 'summary.json'}: not a grading summary")
    students = [s for s in (_student(p) for p in sorted((out / "students").glob("*.json"))) if s is not None]
    order = [r.get("student") for r in _list(summary.get("results")) if isinstance(r, dict)]
    students.sort(key=lambda s: order.index(s.name) if s.name in order else len(order))
    info = summary.get("grading") if isinstance(summary.get("grading"), dict) else {}
    warnings = [str(w) for w in _list(summary.get("warnings"))]
    return Grading(out, students, warnings, info, str(summary.get("points") or ""))


def _student(path: Path) -> Student | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = [Item(str(i["name"]), number(i.get("score")) or 0.0, number(i.get("max_score")) or 0.0,
                      str(i.get("message", ""))) for i in data.get("items", [])]
        return Student(str(data["student"]), number(data.get("score")) or 0.0, number(data.get("max_score")) or 0.0,
                       str(data.get("status", "")), data.get("sandboxed") is not False,
                       [str(x) for x in _list(data.get("errors"))], [str(x) for x in _list(data.get("notes"))], items)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return None  # not one of ours


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def band(item: Item) -> int:
    """Which of BANDS the item's score falls in."""
    if item.max_score <= 0 or item.score >= item.max_score:
        return 3
    share = item.score / item.max_score
    return 0 if share <= 0 else 1 if share < 0.5 else 2


def render(grading: Grading, lang: str) -> str:
    t = texts(lang)
    body = [f"<h1>{e(t('grading_report'))}</h1>", f'<p class="meta">{e(meta(grading, t))}</p>']
    warnings = list(grading.warnings)
    unsandboxed = [s.name for s in grading.students if not s.sandboxed]
    if unsandboxed:
        warnings.append(f"{t('unsandboxed')}: {', '.join(unsandboxed)}")
    if warnings:
        body.append(f"<h2>{e(t('warnings'))}</h2>")
        body += [f'<p class="warning">{e(w)}</p>' for w in warnings]
    anchors = {id(s): f"student-{i}" for i, s in enumerate(grading.students, 1)}
    body += [f"<h2>{e(t('students').capitalize())}</h2>", class_table(grading.students, anchors, t),
             f"<h2>{e(t('distribution'))}</h2>", distribution(grading.students, t),
             f"<h2>{e(t('most_lost'))}</h2>", most_lost(grading.students, t),
             f"<h2>{e(t('details'))}</h2>"]
    body += [details(s, anchors[id(s)], t) for s in grading.students]
    return document(t("grading_report"), "\n".join(body), lang, t("generated", version=__version__))


def meta(grading: Grading, t) -> str:
    info = grading.info
    parts = [f"{len(grading.students)} {t('students')}", str(info.get("date", "")), str(info.get("test_data", "")),
             str(info.get("sandbox", "")), grading.points]
    return " · ".join(p for p in parts if p)


def class_table(students: list[Student], anchors: dict[int, str], t) -> str:
    rows = []
    for s in students:
        lost = s.lost
        because = "; ".join(lost[:LOST_SHOWN]) + (f"; +{len(lost) - LOST_SHOWN}" if len(lost) > LOST_SHOWN else "")
        status = s.status + ("" if s.sandboxed else f" ({t('unsandboxed')})")
        rows.append(row([td(f'<a href="#{anchors[id(s)]}">{e(s.name)}</a>'), td(f"{s.score:.2f}", "num"),
                         td(f"{s.max_score:g}", "num"), td(e(status)), td(e(because))]))
    return table([t("student"), t("score"), t("max"), t("status"), t("lost_because")], rows, "students")


def distribution(students: list[Student], t) -> str:
    """Per item: the class's counts per score band, the mean, and the counts drawn as one bar."""
    by_item: dict[str, list[Item]] = {}
    for s in students:
        for i in s.items:
            by_item.setdefault(i.name, []).append(i)
    rows = []
    for name, items in by_item.items():
        counts = Counter(band(i) for i in items)
        mean = sum(i.score for i in items) / len(items)
        bar = "".join(f'<span class="band{b}" style="width:{100 * counts[b] / len(items):.1f}%" '
                      f'title="{e(BANDS[b])}: {counts[b]}"></span>' for b in range(len(BANDS)) if counts[b])
        rows.append(row([td(e(name)), td(f"{max(i.max_score for i in items):g}", "num"), td(f"{mean:.2f}", "num"),
                         *(td(str(counts[b]), "num") for b in range(len(BANDS))),
                         td(f'<span class="hist">{bar}</span>')]))
    return table([t("item"), t("max"), t("mean"), *BANDS, ""], rows, "distribution")


def most_lost(students: list[Student], t) -> str:
    """The items most students lost points on, each with its most common reasons (a run that did not finish
    counts under the assignment's error)."""
    lost: dict[str, Counter] = {}
    for s in students:
        for error in s.errors:
            assignment, _, reason = error.partition(": ")
            lost.setdefault(f"{assignment}: {t('error')}", Counter())[reason or error] += 1
        for i in s.items:
            if i.lost and i.assignment not in s.failed:
                lost.setdefault(i.name, Counter())[i.message or "-"] += 1
    if not lost:
        return f"<p>{e(t('nothing_lost'))}</p>"
    ranked = sorted(lost.items(), key=lambda kv: -sum(kv[1].values()))[:MOST_LOST]
    rows = [row([td(e(name)), td(str(sum(reasons.values())), "num"),
                 td("<br>".join(f"{e(text)} <span class=\"note\">×{n}</span>"
                                for text, n in reasons.most_common(REASONS)))])
            for name, reasons in ranked]
    return table([t("item"), t("lost_by"), t("reasons")], rows, "most-lost")


def details(s: Student, anchor: str, t) -> str:
    status = s.status + ("" if s.sandboxed else f" ({t('unsandboxed')})")
    parts = [f'<section id="{anchor}">', f"<h3>{e(s.name)}</h3>",
             f'<p class="meta">{t("score")} {s.score:.2f} / {s.max_score:g} · {e(status)}</p>']
    parts += [f'<p class="error">{e(error)}</p>' for error in s.errors]
    parts += [f'<p class="note">{e(note)}</p>' for note in s.notes]
    rows = [row([td(e(i.name)), td(f"{i.score:.3g}", "num"), td(f"{i.max_score:g}", "num"), td(e(i.message))],
                "lost" if i.lost else "") for i in s.items]
    parts += [table([t("item"), t("score"), t("max"), t("message")], rows, "items"), "</section>"]
    return "\n".join(parts)
