"""``rnnsuite data``: list, inspect, fetch, locate and verify the data sets.

Everything here comes from the ``Dataset`` values the plugins contribute
(``fetch``, ``is_cached``, ``locate``, ``verify``, ``needs``): the host never
imports the datasets plugin, so a third-party data set is listed, fetched
and verified the same way.
"""
from __future__ import annotations

import time

import click

from rnnsuite.cli.common import manager, print_json
from rnnsuite.errors import DataError, UserError


def _datasets() -> dict:
    """name -> Dataset, from every loaded plugin."""
    return {name: c.value for name, c in sorted(manager().registry.datasets.items())}


def _used_by(name: str) -> list[str]:
    """The loaded assignments that train on a data set (the card's ``used_by`` names the course's intended ones)."""
    variants = manager().registry.variants.values()
    return [a.id for c in variants for a in c.value.assignments if name in a.datasets]


def _one(name: str):
    table = _datasets()
    if name not in table:
        raise UserError(f"unknown data set {name!r}; valid names: {', '.join(table)}")
    return table[name]


def _cached(d) -> bool:
    try:
        return bool(d.is_cached()) if d.is_cached else False
    except Exception:  # noqa: BLE001 - a card's check must not break the listing
        return False


def card(d) -> dict:
    """One data card as the JSON of ``data list --json`` (docs/cli.md)."""
    return {"name": d.name, "title": d.title, "description": d.description, "records": d.records, "size": d.size,
            "licence": d.licence, "citation": d.citation, "source": d.source, "full_source": d.full_source or None,
            "split": d.split, "split_why": d.split_why, "substitute_for": d.substitute_for or None,
            "needs": list(d.needs), "cached": _cached(d), "used_by": _used_by(d.name), "meant_for": list(d.used_by),
            "plugin": manager().registry.datasets[d.name].plugin}


@click.group("data")
def data_cmd() -> None:
    """List, fetch, locate and verify the data sets."""


@data_cmd.command("list")
@click.option("--long", "long_", is_flag=True, help="Every card's title, size, licence and split, wrapped.")
@click.option("--json", "as_json", is_flag=True, help="Print every data card as JSON (schema: docs/cli.md).")
def list_cmd(long_: bool, as_json: bool) -> None:
    """The data sets: records, cached or not, the assignments using them (--long: the whole cards)."""
    from rich.console import Console

    cards = [card(d) for d in _datasets().values()]
    if as_json:
        print_json({"datasets": cards})
        return
    console = Console()
    if long_:
        _print_long(console, cards)
    else:
        _print_compact(console, cards)


def _print_compact(console, cards: list[dict]) -> None:
    """One line per set; the title takes what width is left and ends in an ellipsis."""
    from rich.table import Table

    columns = ("name", "records", "cached", "used by", "title")
    rows = [(c["name"], f"{c['records']:,}" if c["records"] is not None else "?",
             "-" if not c["needs"] else "yes" if c["cached"] else "no",  # "-": generated, nothing to cache
             ", ".join(c["used_by"]) or "-", c["title"] + (" (substitute)" if c["substitute_for"] else ""))
            for c in cards]
    widths = [max([len(col)] + [len(r[i]) for r in rows]) for i, col in enumerate(columns[:-1])]
    title_width = max(console.width - sum(widths) - 2 * len(columns), 10)
    table = Table(title="rnnsuite data sets", box=None, padding=(0, 1), title_justify="left")
    for col, width in zip(columns, widths + [title_width]):
        table.add_column(col, no_wrap=True, overflow="ellipsis", width=width,
                         justify="right" if col == "records" else "left")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print("[dim]Whole cards: rnnsuite data list --long, or rnnsuite data info NAME[/]")


def _print_long(console, cards: list[dict]) -> None:
    """A block per card, wrapped to the width."""
    from rich.table import Table

    for c in cards:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, style="dim", min_width=len("instead of"))
        grid.add_column()
        records = f"{c['records']:,}" if c["records"] is not None else "?"
        grid.add_row("records", f"{records}; {c['size']}; cached: {'yes' if c['cached'] else 'no'}")
        grid.add_row("licence", c["licence"])
        grid.add_row("split", c["split"])
        grid.add_row("used by", ", ".join(c["used_by"]) or "-")
        grid.add_row("meant for", ", ".join(c["meant_for"]) or "-")
        if c["substitute_for"]:
            grid.add_row("instead of", c["substitute_for"])
        console.print(f"[bold]{c['name']}[/]: {c['title']}", highlight=False)
        console.print(grid, highlight=False)


@data_cmd.command("info")
@click.argument("name")
def info_cmd(name: str) -> None:
    """Everything on one data card."""
    d = _one(name)
    rows = [("name", d.name), ("title", d.title), ("description", d.description), ("source", d.source),
            ("full source", d.full_source or "-"), ("licence", d.licence), ("citation", d.citation),
            ("size", d.size), ("records", f"{d.records:,}" if d.records is not None else "?"),
            ("used by", ", ".join(_used_by(d.name)) or "-"), ("meant for", ", ".join(d.used_by) or "-"),
            ("split", f"{d.split}: {d.split_why}"), ("substitute for", d.substitute_for or "-"),
            ("fetches", ", ".join(d.needs) or "-"), ("cached", "yes" if _cached(d) else "no")]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"{key:<{width}}  {value}")


@data_cmd.command("fetch")
@click.argument("names", nargs=-1)
@click.option("--full", is_flag=True, help="Fetch the full-size canonical source (by URL) instead.")
@click.option("--all", "all_", is_flag=True, help="Fetch every data set.")
def fetch_cmd(names: tuple[str, ...], full: bool, all_: bool) -> None:
    """Fetch NAME (or --all) into the cache, verified against the pinned hashes.

    A cached copy that no longer matches its hashes is fetched again (and a note says so).
    """
    from rich.console import Console

    table = _datasets()
    if all_:
        names = tuple(table)
    if not names:
        raise UserError(f"name a data set to fetch, or --all; valid names: {', '.join(table)}")
    chosen = [_one(n) for n in names]
    console = Console(stderr=True, soft_wrap=True)  # a path is never cut
    for d in chosen:
        if d.fetch is None:
            console.print(f"{d.name}: nothing to fetch (provided by its plugin)")
            continue
        start = time.monotonic()
        with console.status(f"{d.name}: starting") as status:
            where = d.fetch(full=full, progress=lambda msg, d=d: status.update(f"{d.name}: {msg}"))
        if where is None:
            console.print(f"{d.name}: " + ("no full-size source; the default is used" if full
                                          else "nothing to fetch (generated or plugin-provided)"))
        else:
            console.print(f"{d.name}: ready in {time.monotonic() - start:.1f} s ({where})", highlight=False)


@data_cmd.command("path")
@click.argument("name", required=False)
def path_cmd(name: str | None) -> None:
    """Where NAME's files are cached (without NAME: every data set's)."""
    chosen = [_one(name)] if name else list(_datasets().values())
    for d in chosen:
        folders = [str(f) for f in d.locate()] if d.locate else []
        where = folders or ["(generated: nothing is cached)" if d.locate else "(provided by its plugin)"]
        for folder in where:
            click.echo(folder if name else f"{d.name}\t{folder}")


@data_cmd.command("verify")
def verify_cmd() -> None:
    """Re-hash every cached data set against the pinned hashes."""
    table = _datasets()
    width = max(map(len, table), default=0)
    bad = []
    for d in table.values():
        if d.verify is None:
            state = "nothing to verify (provided by its plugin)"
        elif not d.needs:
            state = "nothing to verify (generated)"
        else:
            problems = d.verify()
            if problems:
                bad.append(d.name)
                state = f"BAD: {'; '.join(problems[:3])}"
            else:
                state = "ok" if _cached(d) else "not cached"
        click.echo(f"{d.name:<{width}}  {state}")
    if bad:
        raise DataError(f"{len(bad)} cached data set(s) do not match their pinned hashes; "
                        f"`rnnsuite data fetch {' '.join(bad)}` fetches them again")
