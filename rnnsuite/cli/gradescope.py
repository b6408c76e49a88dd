"""``rnnsuite gradescope build``: the Gradescope autograder bundle of a variant."""
from __future__ import annotations

import tempfile
from pathlib import Path

import click

from rnnsuite.cli.common import SEED, manager, select_assignments
from rnnsuite.grading.points import VISIBILITIES


@click.group("gradescope")
def gradescope_cmd() -> None:
    """Gradescope: grade a variant's submissions as a Gradescope autograder."""


@gradescope_cmd.command("build")
@click.option("--variant", "variant", type=int, required=True, help="Lab variant the submissions answer.")
@click.option("--task", "-t", "tasks", type=int, multiple=True, help="Assignment number; repeatable. Default: all.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("autograder.zip"),
              show_default=True, help="The zip to upload to Gradescope (must not exist yet).")
@click.option("--hidden-data", "hidden_data", multiple=True, metavar="NAME=PATH|DIR",
              help="Hidden test data to put in the bundle, as `rnnsuite grade` takes it (docs/grading.md).")
@click.option("--points", "points_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="TOML of points, weights and visibility per test (docs/grading.md), put in the bundle.")
@click.option("--visibility", type=click.Choice(VISIBILITIES), default=None,
              help="What students see of their results by default (e.g. after_due_date); hidden tests still count.")
@click.option("--stdout-visibility", "stdout_visibility", type=click.Choice(VISIBILITIES), default="hidden",
              show_default=True, help="When students see the autograder's output.")
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True,
              help="Wall-clock seconds per assignment (keep the total under Gradescope's own timeout).")
@click.option("--memory", "memory_mb", type=click.IntRange(min=64), default=4096, show_default=True,
              help="Memory cap of the submission's child, MB.")
@click.option("--quick", is_flag=True, help="Small data and few epochs (a trial bundle).")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the data split and training.")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Override the training epochs.")
@click.option("--full", is_flag=True, help="The full-size canonical data sets (prefetched by setup.sh).")
@click.option("--wheel", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="This rnnsuite's wheel to put in the bundle; default: built from the installed source.")
def build_cmd(variant, tasks, out, hidden_data, points_file, visibility, stdout_visibility, timeout, memory_mb, quick,
              seed, epochs, full, wheel) -> None:
    """Write the Gradescope autograder zip for a variant.

    The zip holds setup.sh (installs rnnsuite from the wheel inside and
    prefetches the data, so grading runs offline), run_autograder (grades
    /autograder/submission into /autograder/results/results.json) and the
    hidden data and points file if given. Upload it as the assignment's
    autograder, on the Ubuntu 24.04 base image (Python 3.12). See
    docs/grading.md.
    """
    from rnnsuite.cli.grade import _hidden
    from rnnsuite.errors import UserError
    from rnnsuite.grading import gradescope
    from rnnsuite.grading.points import Points

    reg = manager().registry
    v, chosen = select_assignments(reg, variant, tasks)
    Points.load(points_file)  # checked now, not on Gradescope
    hidden_folder, hidden_paths = _hidden(hidden_data, set(reg.datasets))
    unused = sorted(set(hidden_paths) - {name for a in chosen for name in a.datasets})
    if unused:
        raise UserError(f"--hidden-data {unused[0]}: no chosen assignment uses this data set")
    if out.exists():
        raise UserError(f"--out {out} exists; give a new file name, or remove it")
    root = click.get_current_context().find_root()
    settings = {"variant": v.number, "tasks": [a.number for a in chosen] if tasks else [], "seed": seed,
                "quick": quick, "full": full, "epochs": epochs, "timeout": timeout, "memory_mb": memory_mb,
                "visibility": visibility, "stdout_visibility": stdout_visibility, "rnnsuite": gradescope.__version__}
    datasets = sorted({name for a in chosen for name in a.datasets})
    with tempfile.TemporaryDirectory(prefix="rnnsuite-wheel-") as folder:
        if wheel is None:
            click.echo("Building rnnsuite's wheel (pip wheel --no-deps) ...", err=True)
        made = gradescope.check_wheel(wheel) if wheel else gradescope.build_wheel(Path(folder))
        try:
            gradescope.bundle(out, settings=settings, datasets=datasets, wheel=made, points=points_file,
                              hidden_paths=hidden_paths, hidden_folder=hidden_folder,
                              plugins=tuple((root.obj or {}).get("plugins", ())))
        except OSError as exc:
            raise UserError(f"--out {out}: cannot write it ({exc.strerror or exc})") from None
    what = ", ".join(a.id for a in chosen)
    test_set = "hidden data inside" if hidden_paths or hidden_folder else "public test set (no --hidden-data)"
    click.echo(f"Wrote {out}: {what}; setup.sh prefetches {', '.join(datasets) or 'no data set'}; {test_set}. "
               "Upload it to Gradescope (Ubuntu 24.04 base image).")
