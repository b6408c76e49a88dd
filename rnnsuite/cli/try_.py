"""``rnnsuite try``: use a model trained by ``rnnsuite run`` on your own input."""
from __future__ import annotations

import json
import re
from pathlib import Path

import click

from rnnsuite.cli.common import manager, parse_assignment_id

MAX_LENGTH = 10_000  # a generated text or tune a person reads or hears; more is a typo, not a wish


NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d*)?([eE][-+]?\d+)?")


@click.command("try", context_settings={"ignore_unknown_options": True})  # -3.5 is a temperature, not an option
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("assignment_id", metavar="ID")
@click.argument("inputs", nargs=-1)
@click.option("--temperature", type=click.FloatRange(min=0.01), default=None,
              help="Sampling temperature for generated text or music (lower: safer, higher: wilder).")
@click.option("--length", type=click.IntRange(min=1, max=MAX_LENGTH), default=None,
              help=f"How much to generate (characters, notes; at most {MAX_LENGTH:,}).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write a generated file (music, an image).")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Repeat a random draw (generated text or music); without it every try differs.")
def try_cmd(run_dir: Path, assignment_id: str, inputs: tuple[str, ...], temperature, length, out, seed) -> None:
    """Use the model of assignment ID trained in RUN_DIR on your own INPUTS.

    \b
    rnnsuite try runs/20261127-v5 v5.2 "the plot was thin but the acting superb"
    rnnsuite try runs/20261127-v6 v6.1 12.5 14.0 13.1
    rnnsuite try runs/20261127-v1 v1.2 "The film" --temperature 0.7

    What the model takes depends on the assignment (a review, a prompt,
    three temperatures, a sentence, image files): `rnnsuite info ID` says.
    The run folder holds the saved model and everything that turns raw
    input into its input (vocabulary, tokenizer, scaler).
    """
    from rnnsuite.errors import UserError, one_line

    unknown = [x for x in inputs if x.startswith("-") and not NEGATIVE_NUMBER.fullmatch(x)]
    if unknown:
        raise click.NoSuchOption(unknown[0].split("=", 1)[0])
    reg = manager().registry
    number, task = parse_assignment_id(assignment_id, reg)
    a = reg.variant(number).assignment(task)
    folder = run_dir / a.id
    if not (folder / "result.json").is_file():
        raise UserError(f"{run_dir} holds no trained {a.id} (no {a.id}/result.json): run it first with "
                        f"rnnsuite run --variant {number} --task {task} --out DIR")
    try:
        result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result = None
    status = result.get("status") if isinstance(result, dict) else None
    if status not in ("passed", "failed"):
        raise UserError(f"{a.id} in {run_dir} did not finish ({status or 'unreadable result.json'}): nothing to try")
    if a.use is None:
        raise UserError(f"{a.id} cannot be tried on new input yet (its plugin offers no `use` routine)")
    given = (("temperature", temperature), ("length", length), ("out", out), ("seed", seed))
    options = {k: v for k, v in given if v is not None}
    try:
        answer = a.use(folder, list(inputs), options)
    except UserError:
        raise
    except Exception as exc:  # a saved file that no longer loads, or a bug: one line, exit 1, never a traceback
        click.echo(f"Error: {a.id} could not use what {run_dir} saved: {one_line(exc)}", err=True)
        click.get_current_context().exit(1)
    click.echo(answer)
