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
    "gradcheck": ("rnnsuite.cli.gradcheck:gradcheck_cmd",
                  "Check the scratch FRNN's BPTT gradients against finite differences."),
    "data": ("rnnsuite.cli.data:data_cmd", "List, fetch, locate and verify the data sets."),
    "grade": ("rnnsuite.cli.grade:grade_cmd", "Grade student submissions in isolation against hidden data."),
    "gradescope": ("rnnsuite.cli.gradescope:gradescope_cmd", "Build the Gradescope autograder bundle of a variant."),
    "check": ("rnnsuite.cli.check:check_cmd", "Check your own submission as grading would (quick by default)."),
    "explain": ("rnnsuite.cli.explain:explain_cmd", "Explain an assignment's network: equations, BPTT, parameters."),
    "try": ("rnnsuite.cli.try_:try_cmd", "Use a model trained by rnnsuite run on your own input."),
    "new-variant": ("rnnsuite.cli.new_variant:new_variant_cmd",
                    "Write a working skeleton plugin package for a new variant."),
    "submission": ("rnnsuite.cli.submission:submission_cmd", "Write a ready-to-fill submission template."),
    "report": ("rnnsuite.cli.report:report_cmd", "Write a run's or a grading's HTML (and Markdown) report again."),
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

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:  # click suggests from loaded commands only; ours load lazily
            raise click.exceptions.NoSuchCommand(exc.command_name, possibilities=COMMANDS, ctx=ctx) from None

    def invoke(self, ctx):
        from rnnsuite.errors import UserError, one_line

        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(f"Error: {one_line(exc)}", err=True)
            ctx.exit(exc.exit_code)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """As click's, except that every error is one line and Ctrl-C exits 130.

        ``standalone_mode=False`` keeps click's behaviour (exceptions and
        return values come back to the caller).
        """
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # a bare `rnnsuite` or `rnnsuite data`: the help
            exc.show()
            code = exc.exit_code
        except click.UsageError as exc:
            click.echo(f"Error: {usage_error_line(exc)}", err=True)
            code = exc.exit_code
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            code = exc.exit_code
        except click.Abort:  # click turns Ctrl-C into Abort; a command that saved something says so itself
            click.echo("Interrupted.", err=True)
            code = 130
        sys.exit(code if isinstance(code, int) else 0)

    def format_commands(self, ctx, formatter):
        # Help text without importing every command module.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group("rnnsuite", cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def usage_error_line(exc: click.UsageError) -> str:
    """Click's usage error as one line, pointing to the command's --help."""
    message = exc.format_message()
    if isinstance(exc, click.NoSuchOption) and exc.option_name == "-v":
        message += " (--variant has no short form: -v means verbose in pytest and tox)"
    where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
    return " ".join(f"{message}{where}".split())


def main() -> None:
    """Console entry point: user errors become one line and exit code 2."""
    cli.main(prog_name="rnnsuite")
