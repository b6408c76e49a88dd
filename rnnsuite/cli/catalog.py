"""``rnnsuite list`` and ``rnnsuite info``: what the loaded plugins offer."""
from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from rnnsuite.cli.common import manager, parse_assignment_id


def catalog(reg) -> dict:
    """Variants, assignments, networks and data sets, with the plugin of each."""
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
    return {"variants": variants, "datasets": datasets, "models": models, "graders": graders}


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def list_cmd(as_json: bool) -> None:
    """List variants, assignments, networks and data sets, and which plugin gave each."""
    data = catalog(manager().registry)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console = Console()
    table = Table(title="Variants and assignments")
    for col in ("id", "kind", "network", "task", "data", "plugin"):
        table.add_column(col)
    for v in data["variants"]:
        for a in v["assignments"]:
            task = a["task"] if a["from_course"] else f"{a['task']} [dim](the course leaves this cell empty)[/]"
            table.add_row(a["id"], a["kind"], a["network"], task, ", ".join(a["datasets"]), v["plugin"])
        table.add_section()
    console.print(table)
    if data["datasets"]:
        names = ", ".join(d["name"] for d in data["datasets"])
        console.print(f"Data sets ({len(data['datasets'])}): {names}  [dim](rnnsuite data list)[/]")
    if not data["variants"]:
        console.print("[yellow]No variants loaded.[/]")


@click.command("info")
@click.argument("assignment_id", metavar="ID")
def info_cmd(assignment_id: str) -> None:
    """Show one assignment, e.g. ``rnnsuite info v5.2``."""
    reg = manager().registry
    number, task = parse_assignment_id(assignment_id, reg)
    a = reg.variant(number).assignment(task)
    console = Console()
    console.print(f"[bold]{a.id}[/]  {a.kind}  {a.network}   (plugin {reg.variants[number].plugin})")
    if not a.from_course:
        console.print("[dim]The course leaves this cell empty; rnnsuite fills it.[/]")
    console.print(f"[bold]Task[/]: {a.task_en}")
    console.print(f"[bold]Задание[/]: {a.task_ru}")
    for name in a.datasets:
        title = reg.datasets[name].value.title if name in reg.datasets else "[red]not loaded[/]"
        console.print(f"[bold]Data[/]: {name} - {title}")
    console.print(f"[bold]Model factory[/]: {a.model}")
    console.print(f"[bold]Epochs[/]: {a.epochs} ({a.quick_epochs} with --quick)")
    console.print(f"[bold]Metrics[/]: {', '.join(a.metrics) or '-'}")
    for bar in a.bars:
        why = f" - {bar.why}" if bar.why else ""
        console.print(f"[bold]Bar[/]: {bar.metric} {bar.label()}{why}")
    if a.artifact_names:
        console.print(f"[bold]Artifacts[/]: {', '.join(a.artifact_names)}")
