"""``rnnsuite explain``: how an assignment's network works, in the course's notation."""
from __future__ import annotations

from pathlib import Path

import click

from rnnsuite.cli.common import manager, parse_assignment_id


def default_lang() -> str:
    """``ru`` where the locale is Russian, else ``en``."""
    import os

    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


@click.command("explain")
@click.argument("assignment_id", metavar="ID")
@click.option("--lang", type=click.Choice(["en", "ru"]), default=None,
              help="Language of the explanation. Default: from the locale (ru for a Russian locale).")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print Markdown instead of formatted text.")
@click.option("--diagram", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the network unrolled over 3 steps into this PNG or SVG file.")
def explain_cmd(assignment_id: str, lang: str | None, as_markdown: bool, diagram: Path | None) -> None:
    """Explain the network of an assignment (e.g. v5.3): equations, BPTT, parameters.

    The parameters listed are those of the model the assignment's factory
    really builds (for a quick preparation's sizes), with their shapes.
    """
    from rnnsuite import explain
    from rnnsuite.errors import UserError

    reg = manager().registry
    number, task = parse_assignment_id(assignment_id, reg)
    lang = lang or default_lang()
    try:
        e = explain.explain(reg, f"v{number}.{task}", lang)
    except KeyError as exc:
        raise UserError(str(exc.args[0])) from None
    text = explain.markdown(e, lang)
    if as_markdown:
        click.echo(text, nl=False)
    else:
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    if diagram is not None:
        try:
            explain.diagram(e, diagram)
        except (OSError, ValueError) as exc:
            raise UserError(f"--diagram {diagram}: cannot write it ({exc})") from None
        click.echo(f"Diagram: {diagram}", err=True)
