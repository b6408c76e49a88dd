"""``report.md`` of a run: the same page model as Markdown, for a terminal or a git forge.

Images and files are linked relative to the run folder (a forge shows the
images); Markdown artifacts are included as they are except for raw HTML,
which is escaped; CSV/TSV tables are cut to their first rows; tunes link
their MIDI files.  Text from the run is escaped so that it cannot break a
table or start markup.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from rnnsuite import __version__
from rnnsuite.report.media import Media
from rnnsuite.report.model import RunPage, Section, bars_met, heading, status_key, task_lines
from rnnsuite.report.strings import texts
from rnnsuite.reporters import bar_label, fmt

#: what can start markup anywhere in a line (``<`` an HTML tag); ``_`` only where it can open or close emphasis
_SPECIAL = re.compile(r"([\\`*\[\]<|~])|(?<!\w)_|_(?!\w)")


def md(text: object) -> str:
    """Text escaped for Markdown, on one line."""
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), " ".join(str(text).split()))


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of cells that are already Markdown."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def md_link(text: str, href: str, image: bool = False) -> str:
    return f"{'!' if image else ''}[{md(text)}]({quote(href, safe='/')})"


def render(page: RunPage, lang: str) -> str:
    t = texts(lang)
    out = [f"# {md(heading(page, t))}", ""]
    meta = [f"{t('folder')}: `{page.run_dir.resolve()}`"] + ([f"{t('seed')} {page.seed}"]
                                                              if page.seed is not None else [])
    out += [" · ".join(meta), ""]
    if page.quick:
        out += [f"> {md(t('quick'))}", ""]
    if not page.sections:
        out += [md(t("no_results")), ""]
    else:
        rows = [[f"[{md(s.id)}](#{anchor(s)})", md(s.network), md(t(status_key(s, page.quick))), bars_met(s),
                 "" if s.seconds is None else f"{s.seconds:.1f}"] for s in page.sections]
        header = [t("assignment"), t("network"), t("status"), t("bars_met"), t("seconds")]
        out += [f"## {md(t('summary'))}", "", md_table(header, rows), ""]
    for s in page.sections:
        out += section(s, page.quick, lang)
    out += ["---", md(t("generated", version=__version__)), ""]
    return "\n".join(out)


def anchor(s: Section) -> str:
    """The heading's anchor as forges make it: lower case, spaces to dashes, punctuation dropped."""
    return re.sub(r"[^\w\- ]", "", f"{s.id} {s.network}".strip().lower()).replace(" ", "-")


def section(s: Section, quick: bool, lang: str) -> list[str]:
    t = texts(lang)
    out = [f"## {md(f'{s.id} {s.network}'.strip())}", ""]
    out += [f"**{label}:** {md(text)}  " for _, label, text in task_lines(s, lang)]
    out += [f"**{md(t('status'))}:** {md(t(status_key(s, quick)))}" + (f": {md(s.error)}" if s.error else ""), ""]
    if s.metrics:
        rows = [[md(m.name) + (f" ({md(t('baseline'))})" if m.baseline else ""), fmt(m.value),
                 "; ".join(md(bar_label(b)) for b in m.bars), md(t(m.verdict)) if m.verdict else ""]
                for m in s.metrics]
        out += [f"### {md(t('metrics'))}", "", md_table([t("metric"), t("value"), t("bar"), t("verdict")], rows), ""]
    curves = [f"- {md(name)}: {fmt(finite[0])} → {fmt(finite[-1])} ({md(t('epochs', n=len(values)))})"
              for name, values in s.history.items() for finite in [[v for v in values if v is not None]] if finite]
    if curves:
        out += [f"### {md(t('loss_curves'))}", "", *curves, ""]
    if s.media:
        out += [f"### {md(t('artifacts'))}", ""]
        for m in s.media:
            out += media(m, t)
    return out


def media(m: Media, t, level: int = 4) -> list[str]:
    """One artifact as Markdown lines (a group: its items under a smaller heading)."""
    heading = [f"{'#' * min(level, 6)} {md(m.name)}", ""]
    if m.kind == "group":
        lines = heading + [line for item in m.items for line in media(item, t, level + 1)]
        return lines + ([f"+{m.more}", ""] if m.more else [])
    if m.kind == "missing":
        return heading + [f"`{md(m.href)}`: {md(t('missing'))}", ""]
    if m.kind == "image":
        return heading + [md_link(m.name, m.href, image=True), ""]
    if m.kind == "table":
        header, rows = (m.rows[0], m.rows[1:]) if m.rows else ([], [])
        width = max([len(header), *(len(r) for r in rows)], default=0)
        cells = [[md(c) for c in r] + [""] * (width - len(r)) for r in [header, *rows]]
        note = t("rows_shown", shown=len(rows), total=m.total_rows) if m.total_rows > len(rows) else ""
        return heading + [md_table(cells[0], cells[1:]) if width else "", "",
                          f"{md(note)} {md_link(m.path.name, m.href)}".strip(), ""]
    if m.kind == "markdown":  # as written, except that raw HTML (a sample's "<unk>", "<script>") stays text
        return heading + [m.text.rstrip().replace("<", "\\<"), "", md_link(m.path.name, m.href), ""]
    if m.kind == "text":
        fence = "~~~~"  # a text holding ``` cannot close this fence
        return heading + [fence, m.text.replace(fence, "~~~ ~"), fence, ""]
    if m.kind == "audio":  # played in report.html only; the tune's files are linked beside it
        return []
    named = "" if m.path is not None and m.name == m.path.name else f"{md(m.name)}: "  # a folder's file
    return [f"- {named}{md_link(m.path.name if m.path else m.href, m.href)}", ""]
