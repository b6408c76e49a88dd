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
@click.option("--reference", is_flag=True, help="Re-export the suite's own solutions instead of a template.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init_cmd(folder: Path, variant: int, reference: bool, force: bool) -> None:
    """Write FOLDER/variantN.py: one model factory per assignment of the variant."""
    from rnnsuite.grading import template

    reg = manager().registry
    v = variant_or_error(reg, variant)
    path = folder / f"variant{variant}{'_reference' if reference else ''}.py"
    if path.exists() and not force:
        raise UserError(f"{path} exists; use --force to overwrite it")
    factories = {name: c.value for name, c in reg.models.items()}
    if reference:
        missing = [a.model for a in v.assignments if a.model not in factories]
        if missing:
            raise UserError(f"no built-in factory named {', '.join(missing)}")
        try:
            text = template.reference(v, factories)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    else:
        text = template.template(v, path.name, {n: f.description for n, f in factories.items()})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise UserError(f"cannot write {path} ({exc.strerror or exc}); choose another FOLDER") from None
    click.echo(f"Wrote {path}. Grade it with: rnnsuite grade {path} --variant {variant}")
