"""``rnnsuite submission``: write a submission template (or the reference solutions as one)."""
from __future__ import annotations

from pathlib import Path

import click

from rnnsuite.cli.common import manager, variant_or_error
from rnnsuite.errors import UserError


@click.group("submission")
def submission_cmd() -> None:
    """Submissions: the plugin a student hands in (see docs/grading.md)."""


@submission_cmd.command("init")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--variant", "variant", type=int, required=True, help="Lab variant number.")
@click.option("--reference", is_flag=True,
              help="Write the template completed: an honest student FRNN for scratch assignments, the suite's "
                   "own factories for the others.")
@click.option("--notebook", is_flag=True, help="Write a Jupyter notebook (variantN.ipynb) instead of a .py file.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init_cmd(folder: Path, variant: int, reference: bool, notebook: bool, force: bool) -> None:
    """Write FOLDER/variantN.py: one model factory per assignment of the variant.

    The template says, for each assignment, the task, the spec its factory
    gets and what it must return; a scratch assignment comes with an FRNN
    class to complete (forward, loss, loss_and_grads). Check your work with
    `rnnsuite check FOLDER/variantN.py --variant N`.
    """
    from rnnsuite.grading import template

    reg = manager().registry
    v = variant_or_error(reg, variant)
    path = folder / f"variant{variant}{'_reference' if reference else ''}{'.ipynb' if notebook else '.py'}"
    if path.exists() and not force:
        raise UserError(f"{path} exists; use --force to overwrite it")
    try:
        write = template.write_notebook if notebook else template.write
        text = write(v, path.name, reg, reference=reference)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    except ImportError:
        raise UserError('notebooks need nbformat: pip install "rnnsuite[notebook]"') from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise UserError(f"cannot write {path} ({exc.strerror or exc}); choose another FOLDER") from None
    click.echo(f"Wrote {path}. Check it yourself with: rnnsuite check {path} --variant {variant}")
