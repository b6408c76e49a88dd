"""``rnnsuite gradcheck``: the reference FRNN's BPTT against finite differences."""
from __future__ import annotations

import click

from rnnsuite.cli.common import SEED, print_json

LOSS_CHOICES = ("ce", "bce", "mse")


@click.command("gradcheck")
@click.option("--hidden", "k", type=click.IntRange(min=1), default=8, show_default=True, help="Hidden size k.")
@click.option("--inputs", "n", type=click.IntRange(min=1), default=3, show_default=True,
              help="Input size n (vocabulary size with --tokens).")
@click.option("--outputs", "m", type=click.IntRange(min=1), default=None,
              help="Output size m  [default: 1 for bce, else 3]")
@click.option("--steps", "T", type=click.IntRange(min=1), default=5, show_default=True, help="Sequence length T.")
@click.option("--batch", "B", type=click.IntRange(min=1), default=4, show_default=True, help="Mini-batch size B.")
@click.option("--loss", type=click.Choice(LOSS_CHOICES), default="ce", show_default=True)
@click.option("--every-step", is_flag=True, help="Outputs and targets at every step (default: the last step only).")
# The old spelling, one letter from --outputs: still accepted, no longer shown.
@click.option("--output", "output_at", type=click.Choice(("last", "all")), default=None, hidden=True)
@click.option("--truncate", type=click.IntRange(min=1), default=None, help="Truncated BPTT: K steps back.")
@click.option("--tokens", is_flag=True, help="Integer token-id inputs instead of real vectors.")
@click.option("--mask", "masked", is_flag=True, help="Left-padded sequences of random lengths, with a mask.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (schema: docs/cli.md).")
def gradcheck_cmd(k, n, m, T, B, loss, every_step, output_at, truncate, tokens, masked, seed, as_json):
    """Check the scratch FRNN's BPTT gradients against finite differences.

    Exit status 0 when every parameter passes (max relative error <= 1e-6), 1 otherwise.
    """
    import numpy as np

    from rnnsuite.scratch.frnn import FRNN
    from rnnsuite.scratch.gradcheck import check_gradients, random_problem

    output = "all" if every_step or output_at == "all" else "last"
    if m is None:
        m = 1 if loss == "bce" else 3
    if loss == "bce" and m != 1:
        raise click.BadParameter("binary cross-entropy has exactly one output", param_hint="'--outputs'")
    if loss == "ce" and m < 2:
        raise click.BadParameter("softmax cross-entropy needs at least two classes (one class has loss 0)",
                                 param_hint="'--outputs'")
    model = FRNN(n, k, m, output=output, loss=loss, rng=seed, dtype=np.float64)
    X, targets, mask = random_problem(n, m, batch=B, steps=T, loss=loss, output=output, tokens=tokens,
                                      masked=masked, rng=seed + 1)
    result = check_gradients(model, X, targets, mask, truncate=truncate, seed=seed)
    if as_json:
        print_json({"model": repr(model), **result.to_dict()})
    else:
        _print_table(model, result, truncate)
    raise SystemExit(0 if result.passed else 1)


def _print_table(model, result, truncate) -> None:
    from rich.console import Console
    from rich.table import Table

    title = f"{model!r}: {'truncated BPTT, ' + str(truncate) + ' steps' if truncate else 'full BPTT'}"
    table = Table(title=title)
    for column in ("parameter", "shape", "max rel error", "mean rel error", "verdict"):
        table.add_column(column, justify="left" if column in ("parameter", "verdict") else "right")
    for p in result.params:
        verdict = "[green]pass[/]" if p.passed else "[red]FAIL[/]"
        table.add_row(p.name, " x ".join(map(str, p.shape)), f"{p.max_error:.2e}", f"{p.mean_error:.2e}", verdict)
    console = Console()
    console.print(table)
    console.print(f"loss {result.loss:.6f}; tolerance {result.tolerance:g}; {result.diagnosis}", highlight=False)
