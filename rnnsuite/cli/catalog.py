"""``rnnsuite list`` and ``rnnsuite info``: what the loaded plugins offer."""
from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from rnnsuite.cli.common import manager, parse_assignment_id, planned_variants, print_json


def catalog(reg) -> dict:
    """Variants, assignments, networks and data sets, with the plugin of each (docs/cli.md)."""
    variants = []
    for number in sorted(reg.variants):
        c = reg.variants[number]
        variants.append(
            {
                "number": number,
                "title": c.value.title,
                "plugin": c.plugin,
                "assignments": [
                    {
                        "id": a.id,
                        "kind": a.kind,
                        "network": a.network,
                        "task": a.task_en,
                        "datasets": list(a.datasets),
                        "model": a.model,
                        "from_course": a.from_course,
                    }
                    for a in c.value.assignments
                ],
            }
        )
    datasets = [
        {"name": n, "title": c.value.title, "records": c.value.records, "plugin": c.plugin}
        for n, c in sorted(reg.datasets.items())
    ]
    models = [{"name": n, "kind": c.value.kind, "plugin": c.plugin} for n, c in sorted(reg.models.items())]
    graders = [{"name": n, "plugin": c.plugin} for n, c in sorted(reg.graders.items())]
    planned = [{"number": n, "datasets": names} for n, names in planned_variants(reg).items()]
    return {"variants": variants, "planned": planned, "datasets": datasets, "models": models, "graders": graders}


def assignment_info(reg, number: int, task: int) -> dict:
    """Everything about one assignment (docs/cli.md, ``rnnsuite info --json``)."""
    a = reg.variant(number).assignment(task)
    return {
        "id": a.id,
        "variant": number,
        "kind": a.kind,
        "network": a.network,
        "plugin": reg.variants[number].plugin,
        "from_course": a.from_course,
        "task_en": a.task_en,
        "task_ru": a.task_ru,
        "datasets": [{"name": n, "title": reg.datasets[n].value.title if n in reg.datasets else None}
                     for n in a.datasets],
        "model": a.model,
        "epochs": a.epochs,
        "quick_epochs": a.quick_epochs,
        "metrics": list(a.metrics),
        "bars": [{"metric": b.metric, "target": b.target, "higher_is_better": b.higher_is_better,
                  "floor": b.floor, "label": b.label(), "why": b.why} for b in a.bars],
        "artifacts": list(a.artifact_names),
    }


@click.command("list")
@click.option("--long", "long_", is_flag=True, help="Every assignment's whole task, model and plugin.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON (schema: docs/cli.md).")
def list_cmd(long_: bool, as_json: bool) -> None:
    """List variants, assignments, networks and data sets, and which plugin gave each.

    One line per assignment by default (the task cut to the width); --long
    shows each assignment's whole task, model and plugin.
    """
    data = catalog(manager().registry)
    if as_json:
        print_json(data)
        return
    console = Console()
    if long_:
        _print_long(console, data)
    else:
        _print_compact(console, data)
    if data["datasets"]:
        names = ", ".join(d["name"] for d in data["datasets"])
        console.print(f"Data sets ({len(data['datasets'])}): {names}  [dim](rnnsuite data list)[/]")
    if data["planned"]:
        numbers = ", ".join(str(p["number"]) for p in data["planned"])
        console.print(f"Planned, not shipped yet: variants {numbers}  [dim](their data: rnnsuite data list)[/]")
    if not data["variants"]:
        console.print("[yellow]No variants loaded.[/]")


def _print_compact(console: Console, data: dict) -> None:
    """One line per assignment; the task takes what width is left and ends in an ellipsis."""
    columns = ("id", "kind", "network", "data", "task")
    rows = [(a["id"], a["kind"], a["network"], ", ".join(a["datasets"]), a["task"])
            for v in data["variants"] for a in v["assignments"]]
    # Fixed widths: left to itself, rich would squeeze the short columns to nothing before cutting the task.
    widths = [max([len(col)] + [len(r[i]) for r in rows]) for i, col in enumerate(columns[:-1])]
    task_width = console.width - sum(widths) - 2 * len(columns)  # one space of padding on each side
    if task_width < 20:  # too narrow to say anything: leave the task to --long
        columns, rows = columns[:-1], [r[:-1] for r in rows]
    table = Table(title="Variants and assignments", box=None, padding=(0, 1), title_justify="left")
    for col, width in zip(columns, widths + [task_width]):
        table.add_column(col, no_wrap=True, overflow="ellipsis", width=width)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print("[dim]Whole tasks: rnnsuite list --long, or rnnsuite info ID[/]")


def _print_long(console: Console, data: dict) -> None:
    """A block per assignment, wrapped to the width."""
    for v in data["variants"]:
        console.rule(f"[bold]Variant {v['number']}[/]: {v['title']}  [dim](plugin {v['plugin']})[/]")
        for a in v["assignments"]:
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column()
            empty = "" if a["from_course"] else " [dim](the course leaves this cell empty)[/]"
            grid.add_row(f"[bold]{a['id']}[/]", f"{a['kind']}, {a['network']}{empty}")
            grid.add_row("", a["task"])
            grid.add_row("", f"data: {', '.join(a['datasets']) or '-'}; model: {a['model']}")
            console.print(grid)


@click.command("info")
@click.argument("assignment_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the assignment as JSON (schema: docs/cli.md).")
def info_cmd(assignment_id: str, as_json: bool) -> None:
    """Show one assignment, e.g. ``rnnsuite info v5.2``."""
    reg = manager().registry
    a = assignment_info(reg, *parse_assignment_id(assignment_id, reg))
    if as_json:
        print_json(a)
        return
    console = Console()
    console.print(f"[bold]{a['id']}[/]  {a['kind']}  {a['network']}   (plugin {a['plugin']})")
    if not a["from_course"]:
        console.print("[dim]The course leaves this cell empty; rnnsuite fills it.[/]")
    console.print(f"[bold]Task[/]: {a['task_en']}")
    console.print(f"[bold]Задание[/]: {a['task_ru']}")
    for d in a["datasets"]:
        console.print(f"[bold]Data[/]: {d['name']} - {d['title'] or '[red]not loaded[/]'}")
    console.print(f"[bold]Model factory[/]: {a['model']}")
    console.print(f"[bold]Epochs[/]: {a['epochs']} ({a['quick_epochs']} with --quick)")
    console.print(f"[bold]Metrics[/]: {', '.join(a['metrics']) or '-'}")
    for bar in a["bars"]:
        why = f" - {bar['why']}" if bar["why"] else ""
        console.print(f"[bold]Bar[/]: {bar['metric']} {bar['label']}{why}")
    if a["artifacts"]:
        console.print(f"[bold]Artifacts[/]: {', '.join(a['artifacts'])}")
