"""``rnnsuite data``: list, inspect, fetch, locate and verify the data sets."""
from __future__ import annotations

import time

import click

from rnnsuite.errors import DataError, UserError


def _datasets() -> dict:
    """name -> Dataset, from every loaded plugin."""
    from rnnsuite.cli.common import manager

    return {name: c.value for name, c in sorted(manager().registry.datasets.items())}


def _used_by(name: str) -> str:
    """The loaded assignments that train on a data set (the card names the course's intended ones)."""
    from rnnsuite.cli.common import manager

    variants = manager().registry.variants.values()
    return ", ".join(a.id for c in variants for a in c.value.assignments if name in a.datasets) or "-"


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


@click.group("data")
def data_cmd() -> None:
    """List, fetch, locate and verify the data sets."""


@data_cmd.command("list")
def list_cmd() -> None:
    """The data cards: records, size, licence, cached or not, used by."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="rnnsuite data sets")
    # Fixed columns never wrap; the prose columns share what width is left.
    for col, share in (("name", None), ("title", 3), ("records", None), ("size", 1), ("licence", 2),
                       ("cached", None), ("used by", 1)):
        table.add_column(col, no_wrap=share is None, ratio=share, overflow="fold",
                         justify="right" if col == "records" else "left")
    for d in _datasets().values():
        table.add_row(d.name, d.title + (" (substitute)" if d.substitute_for else ""),
                      f"{d.records:,}" if d.records is not None else "?", d.size, d.licence,
                      "yes" if _cached(d) else "no", _used_by(d.name))
    Console().print(table)


@data_cmd.command("info")
@click.argument("name")
def info_cmd(name: str) -> None:
    """Everything on one data card."""
    d = _one(name)
    rows = [("name", d.name), ("title", d.title), ("description", d.description), ("source", d.source),
            ("full source", d.full_source or "-"), ("licence", d.licence), ("citation", d.citation),
            ("size", d.size), ("records", f"{d.records:,}" if d.records is not None else "?"),
            ("used by", _used_by(d.name)), ("meant for", ", ".join(d.used_by) or "-"),
            ("split", f"{d.split}: {d.split_why}"),
            ("substitute for", d.substitute_for or "-"), ("cached", "yes" if _cached(d) else "no")]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"{key:<{width}}  {value}")


@data_cmd.command("fetch")
@click.argument("names", nargs=-1)
@click.option("--full", is_flag=True, help="Fetch the full-size canonical source (by URL) instead.")
@click.option("--all", "all_", is_flag=True, help="Fetch every data set.")
def fetch_cmd(names: tuple[str, ...], full: bool, all_: bool) -> None:
    """Fetch NAME (or --all) into the cache, verified against the pinned hashes."""
    from rich.console import Console

    table = _datasets()
    if all_:
        names = tuple(table)
    if not names:
        raise UserError(f"name a data set to fetch, or --all; valid names: {', '.join(table)}")
    chosen = [_one(n) for n in names]
    console = Console(stderr=True)
    for d in chosen:
        if d.fetch is None:
            console.print(f"{d.name}: nothing to fetch")
            continue
        start = time.monotonic()
        with console.status(f"{d.name}: starting") as status:
            where = d.fetch(full=full, progress=lambda msg, d=d: status.update(f"{d.name}: {msg}"))
        if where is None:
            console.print(f"{d.name}: " + ("no full-size source; the default is used" if full
                                          else "nothing to fetch (generated or plugin-provided)"))
        else:
            console.print(f"{d.name}: ready in {time.monotonic() - start:.1f} s ({where})")


@data_cmd.command("path")
@click.argument("name", required=False)
def path_cmd(name: str | None) -> None:
    """Where NAME's files are cached (or the cache root)."""
    from rnnsuite.datasets import cache
    from rnnsuite.datasets.cards import NEEDS

    if name is None:
        click.echo(str(cache.data_dir()))
        return
    d = _one(name)
    artifacts = NEEDS.get(d.name)
    if not artifacts:
        click.echo(str(cache.data_dir()) if artifacts is not None else "(provided by a plugin)")
        return
    for a in artifacts:
        click.echo(str(a.folder()))


@data_cmd.command("verify")
def verify_cmd() -> None:
    """Re-hash every cached file against the pinned hashes."""
    from rnnsuite.datasets import cache, fetch, sources

    bad = 0
    for a in sources.ARTIFACTS:
        if not a.is_cached():
            click.echo(f"{a.requirement:<40} not cached")
            continue
        problems = fetch.verify(a)
        if problems:
            bad += 1
            click.echo(f"{a.requirement:<40} BAD: {'; '.join(problems[:3])}")
        else:
            click.echo(f"{a.requirement:<40} ok ({cache.human(cache.size_of(a.folder()))})")
    if bad:
        raise DataError(f"{bad} cached artifact(s) do not match their pins in {cache.data_dir()}; "
                        "delete those folders and run `rnnsuite data fetch` again")
