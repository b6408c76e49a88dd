"""``rnnsuite report DIR``: draw a run's or a grading's report again from its results folder."""
from __future__ import annotations

from pathlib import Path

import click

from rnnsuite.report.strings import LANGUAGES

#: ``--lang`` of run, grade and report; without it the locale decides (LANG=ru_RU.UTF-8 gives Russian)
LANG = click.option("--lang", type=click.Choice(LANGUAGES), default=None,
                    help="Language of the report's texts. Default: from the locale (ru_* gives Russian, "
                         "anything else English).")


@click.command("report")
@click.argument("folder", type=click.Path(path_type=Path))
@LANG
def report_cmd(folder: Path, lang: str | None) -> None:
    """Write the report of a results folder again, from its files alone.

    \b
    A run folder (rnnsuite run): report.html (self-contained: images and
    tunes inline, nothing fetched) and report.md.
    A grading folder (rnnsuite grade): report.html for the instructor.

    `rnnsuite run` and `rnnsuite grade` write these at the end by
    themselves; this draws them again, e.g. in another language.

    Exit status: 0 when written, 2 when FOLDER is not a results folder or
    cannot be written.
    """
    from rnnsuite.report import write_report

    for path in write_report(folder, lang):
        click.echo(f"Report: {path}")
