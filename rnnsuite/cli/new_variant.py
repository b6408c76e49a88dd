"""``rnnsuite new-variant``: start a plugin package for a new variant."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("new-variant")
@click.option("--variant", "number", type=click.IntRange(min=1), required=True, help="Number of the new variant.")
@click.option("--out", "parent", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder to write rnnsuite-variantN/ into.")
def new_variant_cmd(number: int, parent: Path) -> None:
    """Write a plugin package for a new variant: a copy of rnnsuite's skeleton, numbered N.

    Its three assignments (scratch FRNN, Keras GRU, custom cell) run and meet
    their bars as they are; replace the task, the data and the networks.
    Then `pip install -e ./rnnsuite-variantN` and `rnnsuite run --variant N`;
    docs/plugins.md is the guide.
    """
    from rnnsuite.cli.common import manager
    from rnnsuite.errors import UserError
    from rnnsuite.scaffold import new_variant

    reg = manager().registry
    if number in reg.variants:
        raise UserError(f"variant {number} already comes from plugin {reg.variants[number].plugin!r}; "
                        "pick another number")
    try:
        root = new_variant(number, parent)
    except OSError as exc:
        raise UserError(f"cannot write the package under {parent} ({exc.strerror or exc}); choose --out DIR") from None
    click.echo(f"Wrote {root}. Next: pip install -e {root} && rnnsuite run --variant {number} --quick "
               f"(its tests: cd {root} && python -m pytest)")
