"""Reports a person reads: a run's ``report.html`` and ``report.md``, a grading's ``report.html``.

Each is drawn from the files of a results folder alone, so it can be drawn
again at any time (``rnnsuite report DIR``):

* a run folder (``rnnsuite run``): :mod:`.model` reads it into one page,
  which :mod:`.run_html` draws as a self-contained HTML file (images and
  audio inline, no network) and :mod:`.run_md` as Markdown;
* a grading folder (``rnnsuite grade``): :mod:`.grading_html`.

The words around the content come in English and Russian (:mod:`.strings`).
"""
from __future__ import annotations

from pathlib import Path

from rnnsuite.errors import UserError


def write_run_report(run_dir: Path, lang: str | None = None) -> dict[str, Path]:
    """``report.html`` and ``report.md`` in the run folder; returns their paths by format."""
    from rnnsuite.report import run_html, run_md
    from rnnsuite.report.model import read_run
    from rnnsuite.report.strings import language

    lang = language(lang)
    page = read_run(Path(run_dir))
    written = {"html": Path(run_dir) / "report.html", "md": Path(run_dir) / "report.md"}
    write_text(written["html"], run_html.render(page, lang))
    write_text(written["md"], run_md.render(page, lang))
    return written


def write_grading_report(out: Path, lang: str | None = None) -> Path:
    """``report.html`` in a grading's results folder; returns its path."""
    from rnnsuite.report import grading_html
    from rnnsuite.report.strings import language

    lang = language(lang)
    path = Path(out) / "report.html"
    write_text(path, grading_html.render(grading_html.read_grading(Path(out)), lang))
    return path


def write_report(folder: Path, lang: str | None = None) -> list[Path]:
    """The report of a run folder or a grading folder, whichever ``folder`` is; returns the files written."""
    from rnnsuite.report.grading_html import is_grading

    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder} is a file, not a results folder" if folder.exists() else f"{folder}: no such folder")
    if is_grading(folder):
        return [write_grading_report(folder, lang)]
    return list(write_run_report(folder, lang).values())


def write_text(path: Path, text: str) -> None:
    """Written whole or not at all: a reader never sees half a report."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write {path} ({(exc.strerror or type(exc).__name__).lower()})") from None
