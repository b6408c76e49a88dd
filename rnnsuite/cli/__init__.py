"""The ``rnnsuite`` command line.

Sub-commands live in their own modules and are imported only when invoked,
so ``rnnsuite --help`` and ``rnnsuite list`` stay fast and never import
TensorFlow.
"""
from __future__ import annotations

import importlib
import sys

import click

from rnnsuite import __version__

#: command name -> ("module:attribute", one-line help shown by --help)
COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("rnnsuite.cli.catalog:list_cmd", "List variants, assignments, networks and data sets."),
    "info": ("rnnsuite.cli.catalog:info_cmd", "Show one assignment (e.g. v5.2): task, data, bars, artifacts."),
    "run": ("rnnsuite.cli.run:run_cmd", "Train and evaluate a variant's assignments on real data."),
    "gradcheck": ("rnnsuite.cli.gradcheck:gradcheck_cmd", "Check the scratch FRNN's BPTT gradients against finite differences."),
    "data": ("rnnsuite.cli.data:data_cmd", "List, fetch, locate and verify the data sets."),
    "grade": ("rnnsuite.cli.grade:grade_cmd", "Grade student submissions in isolation against hidden data."),
    "new-variant": ("rnnsuite.cli.new_variant:new_variant_cmd", "Write a working skeleton plugin package for a new variant."),
    "submission": ("rnnsuite.cli.submission:submission_cmd", "Write a ready-to-fill submission template."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        target, _ = COMMANDS[name]
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx):
        from rnnsuite.errors import UserError, one_line

        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(f"Error: {one_line(exc)}", err=True)
            ctx.exit(exc.exit_code)

    def format_commands(self, ctx, formatter):
        # Help text without importing every command module.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rnnsuite")
@click.option(
    "-p",
    "--plugin",
    "plugins",
    multiple=True,
    metavar="MODULE_OR_FILE.py",
    help="Load an extra plugin (a module name or a .py file); repeatable.",
)
@click.pass_context
def cli(ctx: click.Context, plugins: tuple[str, ...]) -> None:
    """rnnsuite: lab 7 "Recurrent networks", trained on real data, reported and graded.

    \b
    Students:     rnnsuite run --variant 5            (all three assignments)
                  rnnsuite run --variant 5 --task 1 --quick
    Instructors:  rnnsuite grade submissions/ --variant 5
    Everyone:     rnnsuite list, rnnsuite info v5.2, rnnsuite data list
    """
    ctx.obj = {"plugins": plugins}


def main() -> None:
    """Console entry point: user errors become one line and exit code 2."""
    from rnnsuite.errors import UserError, one_line

    try:
        # Without standalone mode click returns (rather than exits with) the code of ctx.exit().
        sys.exit(cli.main(standalone_mode=False) or 0)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Interrupted; the results of finished assignments are saved.", err=True)  # click turns Ctrl-C into Abort
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except UserError as exc:
        click.echo(f"Error: {one_line(exc)}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
