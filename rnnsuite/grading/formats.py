"""Writing results: per-student JSON, Gradescope results.json, JUnit XML, a CSV gradebook, a table.

Every string a student could have shaped (messages, output, names) passes
``cleaned`` first, so no file or terminal sees invalid Unicode, control
characters or markup.  Each student's own files are written on their own:
one that cannot be written costs that student's files only.

Grading into a folder that holds an earlier grading merges with it
(``results.merge``: per student and assignment the newer result wins), so
re-grading one student never drops the others.  The students' JSON keep the
graders' raw checks; every format shows points (``points.Points``).
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

from rich.markup import escape
from rich.table import Table

from rnnsuite.errors import one_line
from rnnsuite.grading.cleantext import clean_text
from rnnsuite.grading.points import Points
from rnnsuite.grading.results import AssignmentResult, SubmissionResult, merge
from rnnsuite.jsonio import write_json
from rnnsuite.types import GradeItem

UNSANDBOXED = "NOT SANDBOXED (graded with --no-sandbox)"
#: said wherever results appear when the test set is the public one
PUBLIC_TEST = ("the test set is the public data's test split: a submission could look its answers up; grade with "
               "--hidden-data for marks that measure learning")
#: how a run ended that is an error of the run, not a wrong answer (JUnit <error>)
KILLED = ("error", "timeout", "memory", "crashed")


def cleaned(result: SubmissionResult) -> SubmissionResult:
    """A copy with ``clean_text`` applied to every string in it."""
    def item(i: GradeItem) -> GradeItem:
        return replace(i, name=clean_text(i.name), message=clean_text(i.message))

    def part(a: AssignmentResult) -> AssignmentResult:
        return replace(a, assignment=clean_text(a.assignment), status=clean_text(a.status),
                       reason=clean_text(a.reason), output=clean_text(a.output), items=[item(i) for i in a.items],
                       notes=[clean_text(n) for n in a.notes],
                       metrics={clean_text(str(k)): v for k, v in a.metrics.items()})

    return replace(result, student=clean_text(result.student), assignments=[part(a) for a in result.assignments])


def safe_name(student: str) -> str:
    """A file name for the student: letters of any script, digits, ``_.-``; never starting with a dot."""
    name = re.sub(r"[^\w.-]", "_", unicodedata.normalize("NFC", student))
    return name if name and not name.startswith(".") else f"_{name}"


def file_names(students: list[str]) -> list[str]:
    """``safe_name`` per student, made unique where two would collide ("a b" and "a_b"), case ignored."""
    taken: set[str] = set()
    names = []
    for student in students:
        name, n = safe_name(student), 1
        while name.lower() in taken:
            name, n = f"{safe_name(student)}-{n}", n + 1
        taken.add(name.lower())
        names.append(name)
    return names


def gradescope(result: SubmissionResult, points: Points | None = None, warnings: Iterable[str] = ()) -> dict:
    """Gradescope's autograder ``results.json`` for one submission (points already applied)."""
    points = points or Points()
    output = "; ".join([*warnings, *result.errors, *result.notes]) or f"status {result.status}"
    return {
        "score": round(result.score, 6),
        "execution_time": round(result.seconds, 3),
        "output": output if result.sandboxed else f"{UNSANDBOXED}; {output}",
        "visibility": points.visibility_of(),
        "stdout_visibility": "hidden",
        "tests": [
            {"name": i.name, "score": round(i.score, 6), "max_score": i.max_score, "output": i.message,
             "visibility": points.visibility_of(i.name), "status": "passed" if i.passed else "failed"}
            for i in result.items
        ],
    }


def junit(results: Iterable[SubmissionResult], warnings: Iterable[str] = ()) -> ET.ElementTree:
    """One testsuite per student, one testcase per item; lost points are failures, a killed run errors."""
    results = [cleaned(r) for r in results]
    root = ET.Element("testsuites", name="rnnsuite grade", tests=str(sum(len(r.items) for r in results)))
    for r in results:
        killed = {a.assignment: a for a in r.assignments if a.status in KILLED}
        errors = sum(1 for a in killed.values() for _ in a.items)
        failures = sum(not i.passed for a in r.assignments if a.assignment not in killed for i in a.items)
        suite = ET.SubElement(root, "testsuite", name=r.student, tests=str(len(r.items)),
                              failures=str(failures), errors=str(errors), time=f"{r.seconds:.3f}")
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="sandboxed", value=str(r.sandboxed).lower())
        for warning in warnings:
            ET.SubElement(properties, "property", name="warning", value=clean_text(warning))
        for a in r.assignments:
            for i in a.items:
                case = ET.SubElement(suite, "testcase", classname=r.student, name=i.name)
                if a.assignment in killed:
                    error = ET.SubElement(case, "error", type=a.status, message=f"{a.status}: {a.reason}")
                    error.text = i.message
                elif not i.passed:
                    failure = ET.SubElement(case, "failure", message=f"{i.score:g}/{i.max_score:g}: {i.message}")
                    failure.text = i.message
        if r.errors:
            ET.SubElement(suite, "system-err").text = "\n".join(r.errors)
    return ET.ElementTree(root)


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{text}" if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def _graded(info: dict[str, Any]) -> str:
    """How an assignment was graded, in one cell: ``2026-11-27 03:40, seed 0, full, hidden data``."""
    if not info:
        return ""
    parts = [str(info.get("date", "")), f"seed {info.get('seed', '?')}", "quick" if info.get("quick") else "full",
             "hidden data" if info.get("hidden") else "public test set", f"rnnsuite {info.get('rnnsuite', '?')}"]
    return ", ".join(p for p in parts if p)


def gradebook(results: list[SubmissionResult], path: Path) -> None:
    """One row per student; per assignment its items (points), the metrics the bars read, a subtotal,
    why points were lost and how it was graded; then total, max, status and sandboxed."""
    results = [cleaned(r) for r in results]
    order: dict[str, dict[str, list[str]]] = {}  # assignment -> {"items": [...], "metrics": [...]}
    for r in results:
        for a in r.assignments:
            cols = order.setdefault(a.assignment, {"items": [], "metrics": []})
            cols["items"] += [i.name for i in a.items if i.name not in cols["items"]]
            barred = [m for m in a.metrics if any(i.name.startswith(f"{a.assignment} {m} ") for i in a.items)]
            cols["metrics"] += [m for m in barred if m not in cols["metrics"]]
    header = ["student"]
    for ident, cols in order.items():
        header += [*cols["items"], *(f"{ident} {m} (value)" for m in cols["metrics"]), f"{ident} total",
                   f"{ident} max", f"{ident} status", f"{ident} lost points because", f"{ident} graded"]
    header += ["score", "max_score", "status", "sandboxed"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([_cell(h) for h in header])
        for r in results:
            parts = {a.assignment: a for a in r.assignments}
            row = [_cell(r.student)]
            for ident, cols in order.items():
                a = parts.get(ident)
                if a is None:
                    row += [""] * (len(cols["items"]) + len(cols["metrics"]) + 5)
                    continue
                scores = {i.name: i.score for i in a.items}
                lost = [a.reason] if a.reason else [f"{i.name}: {i.message}" for i in a.items if i.score < i.max_score]
                row += [f"{scores[c]:.4g}" if c in scores else "" for c in cols["items"]]
                row += [f"{a.metrics[m]:.4g}" if isinstance(a.metrics.get(m), (int, float)) else ""
                        for m in cols["metrics"]]
                row += [f"{a.score:.4g}", f"{a.max_score:g}", a.status, _cell("; ".join(lost)[:2000]),
                        _graded(a.graded)]
            row += [f"{r.score:.4g}", f"{r.max_score:g}", r.status, "yes" if r.sandboxed else "no"]
            w.writerow(row)


def _summary(results: list[SubmissionResult], sandbox: str, points: Points, info: dict[str, Any],
             warnings: list[str]) -> dict:
    keep = ("student", "score", "max_score", "status", "errors", "sandboxed")
    return {"students": len(results), "sandbox": sandbox, "points": points.source, "grading": info,
            "warnings": warnings,
            "results": [{k: v for k, v in r.to_dict().items() if k in keep} for r in results]}


def earlier(out: Path) -> list[SubmissionResult]:
    """The students an earlier grading left in ``out`` (their raw checks), in the gradebook's order."""
    try:
        order = [entry["student"] for entry in json.loads((out / "summary.json").read_text())["results"]]
    except (OSError, ValueError, KeyError, TypeError):
        order = []
    found = []
    for path in sorted((out / "students").glob("*.json")) if (out / "students").is_dir() else []:
        try:
            found.append(SubmissionResult.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not one of ours: left where it is, not merged
    rank = {name: i for i, name in enumerate(order)}
    return sorted(found, key=lambda r: rank.get(r.student, len(rank)))


def write_all(results: list[SubmissionResult], out: Path, sandbox: str = "", *, points: Points | None = None,
              info: dict[str, Any] | None = None, lang: str | None = None) -> tuple[dict[str, Path], list[str]]:
    """Every format into ``out``, merged with an earlier grading there: (what was written, what could not be).

    ``info`` describes this grading (``Batch.grading_info``); without hidden
    test data every format carries ``PUBLIC_TEST``.  Last, ``report.html`` is
    drawn from the files just written (``rnnsuite.report``; ``lang`` en or ru,
    None: from the locale).
    """
    from rnnsuite.report import write_grading_report

    points, info = points or Points(), dict(info or {})
    raw = [cleaned(r) for r in merge(earlier(out), results)]
    shown = [points.apply(r) for r in raw]
    hidden = [a.graded.get("hidden") for r in raw for a in r.assignments if a.graded]
    warnings = [PUBLIC_TEST] if hidden and not all(hidden) else []
    out.mkdir(parents=True, exist_ok=True)
    (out / "students").mkdir(exist_ok=True)
    (out / "gradescope").mkdir(exist_ok=True)
    failed: list[str] = []
    for r, s, name in zip(raw, shown, file_names([r.student for r in raw])):  # each student's files on their own
        try:
            document = {**s.to_dict(), "points": points.source, "warnings": warnings,
                        "assignments": [{**a, "score": b.score, "max_score": b.max_score}
                                        for a, b in zip(r.to_dict()["assignments"], s.assignments)]}
            write_json(out / "students" / f"{name}.json", document)
            (out / "gradescope" / name).mkdir(exist_ok=True)
            write_json(out / "gradescope" / name / "results.json", gradescope(s, points, warnings))
        except Exception as exc:  # noqa: BLE001 - the other students' files still get written
            failed.append(f"{r.student}'s files: {one_line(exc)}")
    written = {"students": out / "students", "gradescope": out / "gradescope"}
    for key, path, write in (
            ("junit", out / "junit.xml",
             lambda p: junit(shown, warnings).write(p, encoding="utf-8", xml_declaration=True)),
            ("gradebook", out / "gradebook.csv", lambda p: gradebook(shown, p)),
            ("summary", out / "summary.json", lambda p: write_json(p, _summary(shown, sandbox, points, info,
                                                                                 warnings))),
            ("report", out / "report.html", lambda p: write_grading_report(p.parent, lang))):
        try:
            write(path)
            written[key] = path
        except Exception as exc:  # noqa: BLE001 - one format's failure leaves the others
            failed.append(f"{path.name}: {one_line(exc)}")
    return written, failed


def table(results: list[SubmissionResult], points: Points | None = None) -> Table:
    points = points or Points()
    shown = [points.apply(cleaned(r)) for r in results]
    public = any(not a.graded.get("hidden", True) for r in results for a in r.assignments)
    t = Table(title="Grades" + (" (public test set: the answers could be looked up)" if public else ""))
    for col, justify in (("student", "left"), ("score", "right"), ("max", "right"), ("status", "left"),
                         ("lost points because", "left")):
        t.add_column(col, justify=justify)
    for r in shown:
        colour = "green" if r.status == "ok" and r.score >= r.max_score else ("yellow" if r.status == "ok" else "red")
        status = escape(r.status) if r.sandboxed else f"{escape(r.status)} (unsandboxed)"
        t.add_row(escape(r.student), f"{r.score:.2f}", f"{r.max_score:g}", f"[{colour}]{status}[/]",
                  escape("; ".join(r.lost)[:240]))
    return t
