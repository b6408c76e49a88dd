"""``rnnsuite new-variant``: start a plugin package for a new variant."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("new-variant")
@click.argument("number", type=int)
@click.option("--dir", "parent", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder to create the package in.")
def new_variant_cmd(number: int, parent: Path) -> None:
    """Write a working skeleton plugin package for variant NUMBER.

    Then `pip install -e ./rnnsuite-variantNUMBER` and `rnnsuite run --variant NUMBER`.
    """
    from rnnsuite.cli.common import manager
    from rnnsuite.errors import UserError
    from rnnsuite.scaffold import new_variant

    reg = manager().registry
    if number in reg.variants:
        raise UserError(f"variant {number} already comes from plugin {reg.variants[number].plugin!r}; pick another number")
    root = new_variant(number, parent)
    click.echo(f"Wrote {root}. Next: pip install -e {root} && rnnsuite run --variant {number} --quick")
