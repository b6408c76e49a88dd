"""The HTML both reports share: escaping, the page around the content, its style.

Every report is one self-contained file: the style is inline, images and
audio are data URIs, there is no script at all, and the page's content
security policy forbids loading anything from anywhere else.  Every string
that comes from a run or a grading (metric names, samples, students' names
and messages) goes through :func:`e`.
"""
from __future__ import annotations

import html
import math
from pathlib import Path
from urllib.parse import quote

from rnnsuite import __version__

#: nothing from the network or the disk; inline style; images and audio as data URIs
CSP = "default-src 'none'; img-src data:; media-src data:; style-src 'unsafe-inline'"

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2126; margin: 0;
       background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 1.2em 1.5em 3em; background: #fff; }
h1 { font-size: 1.6em; margin: .3em 0 .2em; } h2 { margin-top: 2em; border-bottom: 2px solid #e3e6ea; }
h3 { margin: 1.4em 0 .5em; font-size: 1.08em; } h4 { margin: 1em 0 .3em; }
.meta, .note, .other-language { color: #5b6470; } .note { font-size: .9em; }
.quick { background: #fff6db; border-left: 4px solid #e0b000; padding: .4em .8em; }
.warning { background: #fde8e8; border-left: 4px solid #c0392b; padding: .4em .8em; margin: .3em 0; }
.error { color: #a61b1b; white-space: pre-wrap; }
table { border-collapse: collapse; margin: .4em 0; font-size: .93em; }
th, td { border: 1px solid #dde1e6; padding: .25em .55em; text-align: left; vertical-align: top; }
th { background: #f0f2f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.baseline td { color: #5b6470; }
.badge { display: inline-block; padding: .05em .55em; border-radius: .8em; font-size: .85em; color: #fff; }
.passed, .pass { background: #1e8a4c; } .failed, .fail, .error-badge { background: #c0392b; }
.not_met_quick, .not_run { background: #8a8f98; }
.meter { display: inline-block; position: relative; width: 110px; height: .7em; background: #eceff3;
         vertical-align: middle; border-radius: 2px; }
.meter .fill { position: absolute; left: 0; top: 0; bottom: 0; background: #4a7fc1; border-radius: 2px; }
.meter .target { position: absolute; top: -3px; bottom: -3px; width: 2px; background: #1d2126; }
figure { margin: 1em 0; } figcaption { font-weight: 600; margin-bottom: .3em; }
img { max-width: 100%; height: auto; border: 1px solid #eceff3; }
.tune { display: inline-block; vertical-align: top; margin: 0 1em 1em 0; }
.rendered { max-height: 32em; overflow: auto; border: 1px solid #eceff3; padding: 0 .6em; }
.rendered h1, .rendered h2, .rendered h3 { font-size: 1.05em; border: none; margin: .8em 0 .3em; }
tr.lost td { background: #fff4f2; }
pre { white-space: pre-wrap; max-height: 32em; overflow: auto; background: #f6f7f9; padding: .6em; }
.hist { display: flex; height: .9em; width: 220px; border: 1px solid #dde1e6; }
.hist span { display: block; height: 100%; }
.band0 { background: #c0392b; } .band1 { background: #e67e22; } .band2 { background: #f1c40f; }
.band3 { background: #1e8a4c; }
footer { margin-top: 3em; color: #8a8f98; font-size: .85em; }
"""


def e(text: object) -> str:
    """Text (any value) escaped for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def link(href: str, text: str) -> str:
    """A link to a file of the run folder (relative, percent-encoded, escaped)."""
    return f'<a href="{e(quote(href, safe="/"))}">{e(text)}</a>'


def size(path: Path | None) -> str:
    """A file's size in words: ``1.4 MB``; empty when it cannot be read."""
    try:
        n = path.stat().st_size if path is not None else None
    except OSError:
        n = None
    if n is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def meter(value: float | None, target: float | None) -> str:
    """A small bar of the value with a tick at the target, on a scale that holds both (non-negative values)."""
    if value is None or target is None or value < 0 or target < 0 or not math.isfinite(value + target):
        return ""
    scale = max(value, target) * 1.1 or 1.0
    return (f'<span class="meter" title="{e(f"{value:.4g} / {target:.4g}")}">'
            f'<span class="fill" style="width:{100 * value / scale:.1f}%"></span>'
            f'<span class="target" style="left:{100 * target / scale:.1f}%"></span></span>')


def document(title: str, body: str, lang: str, footer: str) -> str:
    """The whole page around ``body`` (already HTML)."""
    return (f'<!DOCTYPE html>\n<html lang="{e(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="rnnsuite {e(__version__)}">\n'
            f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n"
            f"<footer>{e(footer)}</footer>\n</main>\n</body>\n</html>\n")


def attrs(cls: str = "", **data: object) -> str:
    """`` class="..." data-k="..."`` (escaped), for the attributes given."""
    return (f' class="{e(cls)}"' if cls else "") + "".join(f' data-{k}="{e(v)}"' for k, v in data.items())


def td(content: str, cls: str = "", **data: object) -> str:
    """A cell of HTML ``content``."""
    return f"<td{attrs(cls, **data)}>{content}</td>"


def row(cells: list[str], cls: str = "") -> str:
    """A table row of cells made by :func:`td`."""
    return f"<tr{attrs(cls)}>{''.join(cells)}</tr>"


def table(header: list[str], rows: list[str], cls: str = "") -> str:
    """A table: the header's texts (escaped here), then rows made by :func:`row`."""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "\n".join(rows)
    return f"<table{attrs(cls)}><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>"
