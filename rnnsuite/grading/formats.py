"""Writing results: per-student JSON, Gradescope results.json, JUnit XML, a CSV gradebook, a table."""
from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterable

from rich.table import Table

from rnnsuite.grading.results import SubmissionResult
from rnnsuite.jsonio import write_json


def safe_name(student: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", student) or "_"


def gradescope(result: SubmissionResult) -> dict:
    """Gradescope's autograder ``results.json`` for one submission."""
    return {
        "score": round(result.score, 6),
        "execution_time": round(result.seconds, 3),
        "output": "; ".join(result.errors) or f"status {result.status}",
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
    results = list(results)
    root = ET.Element("testsuites", name="rnnsuite grade", tests=str(sum(len(r.items) for r in results)))
    for r in results:
        failures = sum(not i.passed for i in r.items)
        suite = ET.SubElement(root, "testsuite", name=r.student, tests=str(len(r.items)),
                              failures=str(failures), errors="0", time=f"{r.seconds:.3f}")
        for i in r.items:
            case = ET.SubElement(suite, "testcase", classname=r.student, name=i.name)
            if not i.passed:
                failure = ET.SubElement(case, "failure", message=f"{i.score:g}/{i.max_score:g}: {i.message}")
                failure.text = i.message
        if r.errors:
            ET.SubElement(suite, "system-err").text = "\n".join(r.errors)
    return ET.ElementTree(root)


def gradebook(results: list[SubmissionResult], path: Path) -> None:
    """One row per student, one column per item (in first-seen order), then total, max and status."""
    columns: list[str] = []
    for r in results:
        for i in r.items:
            if i.name not in columns:
                columns.append(i.name)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *columns, "score", "max_score", "status"])
        for r in results:
            by_name = {i.name: i.score for i in r.items}
            w.writerow([r.student, *(f"{by_name[c]:.4g}" if c in by_name else "" for c in columns),
                        f"{r.score:.4g}", f"{r.max_score:g}", r.status])


def write_all(results: list[SubmissionResult], out: Path) -> dict[str, Path]:
    """Every format into ``out``; returns what was written."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "students").mkdir(exist_ok=True)
    (out / "gradescope").mkdir(exist_ok=True)
    for r in results:
        name = safe_name(r.student)
        write_json(out / "students" / f"{name}.json", r.to_dict())
        (out / "gradescope" / name).mkdir(exist_ok=True)
        write_json(out / "gradescope" / name / "results.json", gradescope(r))
    junit(results).write(out / "junit.xml", encoding="utf-8", xml_declaration=True)
    gradebook(results, out / "gradebook.csv")
    summary = {"students": len(results), "results": [
        {k: v for k, v in r.to_dict().items() if k in ("student", "score", "max_score", "status", "errors")}
        for r in results]}
    write_json(out / "summary.json", summary)
    return {"students": out / "students", "gradescope": out / "gradescope", "junit": out / "junit.xml",
            "gradebook": out / "gradebook.csv", "summary": out / "summary.json"}


def table(results: list[SubmissionResult]) -> Table:
    t = Table(title="Grades")
    for col, justify in (("student", "left"), ("score", "right"), ("max", "right"), ("status", "left"),
                         ("lost points because", "left")):
        t.add_column(col, justify=justify)
    for r in results:
        colour = "green" if r.status == "ok" and r.score >= r.max_score else ("yellow" if r.status == "ok" else "red")
        t.add_row(r.student, f"{r.score:.2f}", f"{r.max_score:g}", f"[{colour}]{r.status}[/]",
                  "; ".join(r.lost)[:240])
    return t
