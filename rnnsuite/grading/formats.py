"""Writing results: per-student JSON, Gradescope results.json, JUnit XML, a CSV gradebook, a table.

Every string a student could have shaped (messages, output, names) passes
``cleaned`` first, so no file or terminal sees invalid Unicode, control
characters or markup.  Each student's own files are written on their own:
one that cannot be written costs that student's files only.
"""
from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Iterable

from rich.markup import escape
from rich.table import Table

from rnnsuite.errors import one_line
from rnnsuite.grading.cleantext import clean_text
from rnnsuite.grading.results import AssignmentResult, SubmissionResult
from rnnsuite.jsonio import write_json
from rnnsuite.types import GradeItem

UNSANDBOXED = "NOT SANDBOXED (graded with --no-sandbox)"


def cleaned(result: SubmissionResult) -> SubmissionResult:
    """A copy with ``clean_text`` applied to every string in it."""
    def item(i: GradeItem) -> GradeItem:
        return replace(i, name=clean_text(i.name), message=clean_text(i.message))

    def part(a: AssignmentResult) -> AssignmentResult:
        return replace(a, assignment=clean_text(a.assignment), status=clean_text(a.status),
                       reason=clean_text(a.reason), output=clean_text(a.output), items=[item(i) for i in a.items],
                       metrics={clean_text(str(k)): v for k, v in a.metrics.items()})

    return replace(result, student=clean_text(result.student), assignments=[part(a) for a in result.assignments])


def safe_name(student: str) -> str:
    """A file name for the student: only letters, digits, ``_.-``, never starting with a dot."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", student)
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


def gradescope(result: SubmissionResult) -> dict:
    """Gradescope's autograder ``results.json`` for one submission."""
    output = "; ".join(result.errors) or f"status {result.status}"
    return {
        "score": round(result.score, 6),
        "execution_time": round(result.seconds, 3),
        "output": output if result.sandboxed else f"{UNSANDBOXED}; {output}",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {"name": i.name, "score": round(i.score, 6), "max_score": i.max_score, "output": i.message,
             "visibility": "visible", "status": "passed" if i.passed else "failed"}
            for i in result.items
        ],
    }


def junit(results: Iterable[SubmissionResult]) -> ET.ElementTree:
    """One testsuite per student, one testcase per item; lost points are failures."""
    results = [cleaned(r) for r in results]
    root = ET.Element("testsuites", name="rnnsuite grade", tests=str(sum(len(r.items) for r in results)))
    for r in results:
        failures = sum(not i.passed for i in r.items)
        suite = ET.SubElement(root, "testsuite", name=r.student, tests=str(len(r.items)),
                              failures=str(failures), errors="0", time=f"{r.seconds:.3f}")
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="sandboxed",
                      value=str(r.sandboxed).lower())
        for i in r.items:
            case = ET.SubElement(suite, "testcase", classname=r.student, name=i.name)
            if not i.passed:
                failure = ET.SubElement(case, "failure", message=f"{i.score:g}/{i.max_score:g}: {i.message}")
                failure.text = i.message
        if r.errors:
            ET.SubElement(suite, "system-err").text = "\n".join(r.errors)
    return ET.ElementTree(root)


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{text}" if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def gradebook(results: list[SubmissionResult], path: Path) -> None:
    """One row per student, one column per item (in first-seen order), then total, max, status, sandboxed."""
    results = [cleaned(r) for r in results]
    columns: list[str] = []
    for r in results:
        for i in r.items:
            if i.name not in columns:
                columns.append(i.name)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", *map(_cell, columns), "score", "max_score", "status", "sandboxed"])
        for r in results:
            by_name = {i.name: i.score for i in r.items}
            w.writerow([_cell(r.student), *(f"{by_name[c]:.4g}" if c in by_name else "" for c in columns),
                        f"{r.score:.4g}", f"{r.max_score:g}", r.status, "yes" if r.sandboxed else "no"])


def _summary(results: list[SubmissionResult], sandbox: str) -> dict:
    keep = ("student", "score", "max_score", "status", "errors", "sandboxed")
    return {"students": len(results), "sandbox": sandbox,
            "results": [{k: v for k, v in r.to_dict().items() if k in keep} for r in results]}


def write_all(results: list[SubmissionResult], out: Path, sandbox: str = "") -> tuple[dict[str, Path], list[str]]:
    """Every format into ``out``: (what was written, one line per file that could not be)."""
    results = [cleaned(r) for r in results]
    out.mkdir(parents=True, exist_ok=True)
    (out / "students").mkdir(exist_ok=True)
    (out / "gradescope").mkdir(exist_ok=True)
    failed: list[str] = []
    for r, name in zip(results, file_names([r.student for r in results])):  # each student's files on their own
        try:
            write_json(out / "students" / f"{name}.json", r.to_dict())
            (out / "gradescope" / name).mkdir(exist_ok=True)
            write_json(out / "gradescope" / name / "results.json", gradescope(r))
        except Exception as exc:  # noqa: BLE001 - the other students' files still get written
            failed.append(f"{r.student}'s files: {one_line(exc)}")
    written = {"students": out / "students", "gradescope": out / "gradescope"}
    for key, path, write in (
            ("junit", out / "junit.xml", lambda p: junit(results).write(p, encoding="utf-8", xml_declaration=True)),
            ("gradebook", out / "gradebook.csv", lambda p: gradebook(results, p)),
            ("summary", out / "summary.json", lambda p: write_json(p, _summary(results, sandbox)))):
        try:
            write(path)
            written[key] = path
        except Exception as exc:  # noqa: BLE001 - one format's failure leaves the others
            failed.append(f"{path.name}: {one_line(exc)}")
    return written, failed


def table(results: list[SubmissionResult]) -> Table:
    t = Table(title="Grades")
    for col, justify in (("student", "left"), ("score", "right"), ("max", "right"), ("status", "left"),
                         ("lost points because", "left")):
        t.add_column(col, justify=justify)
    for r in map(cleaned, results):
        colour = "green" if r.status == "ok" and r.score >= r.max_score else ("yellow" if r.status == "ok" else "red")
        status = escape(r.status) if r.sandboxed else f"{escape(r.status)} (unsandboxed)"
        t.add_row(escape(r.student), f"{r.score:.2f}", f"{r.max_score:g}", f"[{colour}]{status}[/]",
                  escape("; ".join(r.lost)[:240]))
    return t
