"""``report.html`` of a run: the page model drawn as one self-contained HTML file.

Images are inlined as data URIs (downscaled to ``MAX_WIDTH`` pixels, and
linked instead when still over ``MAX_IMAGE_BYTES``); tunes are synthesized
into inline WAVs until the page's ``AUDIO_BUDGET`` is spent, then linked.
Markdown artifacts are rendered with markdown-it-py with raw HTML, links and
images switched off, so a sample's text is shown, never run or fetched.
"""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path

from rnnsuite import __version__
from rnnsuite.report import synth
from rnnsuite.report.media import IMAGES, Media
from rnnsuite.report.model import MetricRow, RunPage, Section, bars_met, heading, status_key, task_lines
from rnnsuite.report.page import document, e, link, meter, row, size, table, td
from rnnsuite.report.strings import texts
from rnnsuite.reporters import bar_label, fmt

MAX_WIDTH = 1200  # pixels: wider images are scaled down
MAX_IMAGE_BYTES = 1_500_000  # an image still larger after scaling is linked
AUDIO_BUDGET = 4_000_000  # bytes of WAV per page (about eight 30 s tunes); later tunes are linked
INFO_CHARS = 300  # of one value of a result's info


def render(page: RunPage, lang: str) -> str:
    return RunHtml(page, lang).render()


class RunHtml:
    def __init__(self, page: RunPage, lang: str) -> None:
        self.page, self.lang, self.t = page, lang, texts(lang)
        self.audio_left = AUDIO_BUDGET

    def render(self) -> str:
        t, page = self.t, self.page
        title = heading(page, t)
        body = [f"<header>\n<h1>{e(title)}</h1>\n<p class=\"meta\">{e(self.meta())}</p>"]
        if page.quick:
            body.append(f'<p class="quick">{e(t("quick"))}</p>')
        body.append("</header>")
        body.append(f"<h2>{e(t('summary'))}</h2>\n{self.summary()}" if page.sections else
                    f"<p>{e(t('no_results'))}</p>")
        body += [self.section(s) for s in page.sections]
        return document(f"{title} — {t('run_report')}", "\n".join(body), self.lang,
                        t("generated", version=__version__))

    def meta(self) -> str:
        parts = [f"{self.t('folder')}: {self.page.run_dir.resolve()}"]
        if self.page.seed is not None:
            parts.append(f"{self.t('seed')} {self.page.seed}")
        return " · ".join(parts)

    def summary(self) -> str:
        rows = [row([td(f'<a href="#{e(s.id)}">{e(s.id)}</a>'), td(e(s.network)), td(self.badge(s)),
                     td(bars_met(s), "num"), td("" if s.seconds is None else f"{s.seconds:.1f}", "num")])
                for s in self.page.sections]
        t = self.t
        return table([t("assignment"), t("network"), t("status"), t("bars_met"), t("seconds")], rows, "summary")

    def badge(self, s: Section) -> str:
        shown = status_key(s, self.page.quick)
        cls = "error-badge" if shown == "error" else shown
        return f'<span class="badge {e(cls)}">{e(self.t(shown))}</span>'

    # -- one assignment ----------------------------------------------------------------------
    def section(self, s: Section) -> str:
        t = self.t
        title = f"{s.id} {s.network}".strip()
        parts = [f'<section id="{e(s.id)}">\n<h2>{e(title)} {self.badge(s)}</h2>', self.task(s)]
        if s.error:
            parts.append(f'<p class="error">{e(s.error)}</p>')
        if s.metrics:
            parts.append(f"<h3>{e(t('metrics'))}</h3>\n{self.metrics(s.metrics)}")
        if s.history:
            parts.append(f"<h3>{e(t('loss_curves'))}</h3>\n{self.curves(s)}")
        if s.media:
            parts.append(f"<h3>{e(t('artifacts'))}</h3>")
            parts += [self.media(m) for m in s.media]
        parts.append(self.network(s))
        if s.info:
            parts.append(self.info(s))
        parts.append("</section>")
        return "\n".join(p for p in parts if p)

    def task(self, s: Section) -> str:
        """The task in the page's language first, then in the other."""
        lines = []
        for lang, label, text in task_lines(s, self.lang):
            cls = "" if lang == self.lang else ' class="other-language"'
            lines.append(f'<p lang="{lang}"{cls}><b>{e(label)}:</b> {e(text)}</p>')
        return "\n".join(lines)

    def metrics(self, rows: list[MetricRow]) -> str:
        t = self.t
        out = []
        for m in rows:
            name = e(m.name) + (f' <span class="note">({e(t("baseline"))})</span>' if m.baseline else "")
            bars = "<br>".join(e(bar_label(b)) for b in m.bars)
            meters = "<br>".join(meter(m.value, b.target) for b in m.bars)
            verdict = f'<span class="badge {e(m.verdict)}">{e(t(m.verdict))}</span>' if m.verdict else ""
            value = td(e(fmt(m.value)), "num value", metric=m.name, value="" if m.value is None else repr(m.value))
            out.append(row([td(name), value, td(bars), td(meters), td(verdict)], "baseline" if m.baseline else ""))
        return table([t("metric"), t("value"), t("bar"), "", t("verdict")], out, "metrics")

    def curves(self, s: Section) -> str:
        """The last value of each curve, and a chart unless the run drew one (the ``history`` artifact)."""
        lines = []
        for name, values in s.history.items():
            finite = [v for v in values if v is not None]
            if finite:
                lines.append(f"{e(name)}: {e(fmt(finite[0]))} → {e(fmt(finite[-1]))} "
                             f"({e(self.t('epochs', n=len(values)))})")
        chart = "" if s.has_history_plot else svg_chart(s.history, self.t("epoch"))
        return f'<p class="note">{"; ".join(lines)}</p>\n{chart}'

    def network(self, s: Section) -> str:
        """The network's equations and its diagram unrolled over 3 steps (``rnnsuite explain``), folded."""
        import tempfile

        from rnnsuite import explain

        try:
            net = explain.network_of(s.network)
        except KeyError:
            return ""
        with tempfile.TemporaryDirectory() as folder:
            uri = image_data_uri(explain.diagram(explain.Explanation(s.id, net, ""), Path(folder) / "network.png"))
        figure = f'<img src="{uri}" alt="{e(s.id)} unrolled over 3 steps">' if uri else ""
        return (f"<details><summary>{e(self.t('network_works'))}: {e(net.title[self.lang])}</summary>\n"
                f"<p>{e(net.text[self.lang])}</p>\n<pre>{e(chr(10).join(net.equations))}</pre>\n{figure}\n"
                f'<p class="note">rnnsuite explain {e(s.id)}</p>\n</details>')

    def info(self, s: Section) -> str:
        rows = [row([td(e(key)), td(e(info_text(value)))]) for key, value in s.info.items()]
        return f"<details><summary>{e(self.t('info'))}</summary>\n{table(['', ''], rows, 'info')}\n</details>"

    # -- artifacts ---------------------------------------------------------------------------
    def media(self, m: Media) -> str:
        t = self.t
        caption = f"<figcaption>{e(m.name)}</figcaption>"
        if m.kind == "group":
            inner = "\n".join(self.media(item) for item in m.items)
            more = f'<p class="note">+{m.more}</p>' if m.more else ""
            cls = ' class="tune"' if any(i.kind == "audio" for i in m.items) else ""
            return f"<figure{cls}>{caption}\n{inner}{more}\n</figure>"
        if m.kind == "missing":
            return f'<figure>{caption}<p class="note">{e(m.href)}: {e(t("missing"))}</p></figure>'
        if m.kind == "image":
            uri = image_data_uri(m.path)
            if uri is not None:
                return f'<figure>{caption}<img src="{uri}" alt="{e(m.name)}"></figure>'
            return f'<figure>{caption}{self.file_link(m)} <span class="note">{e(t("too_large"))}</span></figure>'
        if m.kind == "table":
            rows = [row([td(e(cell)) for cell in r]) for r in m.rows[1:]]
            shown = t("rows_shown", shown=len(m.rows) - 1, total=m.total_rows) if m.total_rows > len(rows) else ""
            return (f"<figure>{caption}{table(m.rows[0] if m.rows else [], rows, 'data')}"
                    f'<p class="note">{e(shown)} {self.file_link(m)}</p></figure>')
        if m.kind == "markdown":
            return f'<figure>{caption}<div class="rendered">{markdown_html(m.text)}</div>' \
                   f'<p class="note">{self.file_link(m)}</p></figure>'
        if m.kind == "text":
            return f"<figure>{caption}<pre>{e(m.text)}</pre></figure>"
        if m.kind == "audio":
            return self.audio(m)
        named = "" if m.path is not None and m.name == m.path.name else f"{e(m.name)}: "  # a folder's file
        return f"<p>{named}{self.file_link(m)}</p>"

    def file_link(self, m: Media) -> str:
        return f"{link(m.href, m.path.name if m.path else m.href)} ({e(size(m.path))})" if m.href else ""

    def audio(self, m: Media) -> str:
        t = self.t
        length = max((n.start + n.duration for n in m.notes), default=0.0)
        data = synth.wav(synth.synthesize(m.notes)) if m.notes else b""
        if not data or len(data) > self.audio_left:
            return f'<p class="note">{e(t("too_large"))}</p>' if data else ""
        self.audio_left -= len(data)
        note = t("audio_note", notes=len(m.notes), seconds=min(length, synth.MAX_SECONDS))
        if length > synth.MAX_SECONDS:
            note += f" ({t('audio_cut', seconds=synth.MAX_SECONDS)})"
        uri = "data:audio/wav;base64," + base64.b64encode(data).decode("ascii")
        return f'<audio controls preload="auto" src="{uri}"></audio>\n<p class="note">{e(note)}</p>'


def image_data_uri(path: Path | None) -> str | None:
    """The image as a data URI, scaled down to MAX_WIDTH; None when it cannot be read or is still too large.

    Only images Pillow can open are inlined: a broken file is linked, never shown as a broken image.
    """
    if path is None:
        return None
    mime = IMAGES.get(path.suffix.lower())
    try:
        from PIL import Image

        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            animated = getattr(im, "is_animated", False)
            if im.width > MAX_WIDTH and not animated:  # an animation keeps its frames, at its size
                im.thumbnail((MAX_WIDTH, MAX_WIDTH * 8))
                buffer = io.BytesIO()
                im.save(buffer, format="PNG", optimize=True)
                data, mime = buffer.getvalue(), "image/png"
    except Exception:  # noqa: BLE001 - not an image Pillow can read: linked instead
        return None
    if mime is None or len(data) > MAX_IMAGE_BYTES:
        return None
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def markdown_html(text: str) -> str:
    """Markdown (tables included) as HTML; raw HTML is escaped, links and images stay text."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table").disable(["image", "link", "autolink"])
    return md.render(text)


def info_text(value: object) -> str:
    """A value of a result's ``info`` in one line, cut at INFO_CHARS."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= INFO_CHARS else text[:INFO_CHARS - 1] + "…"


def svg_chart(curves: dict[str, list[float | None]], xlabel: str, width: int = 480, height: int = 200) -> str:
    """Curves by epoch as an inline SVG: one polyline each, sharing the axes."""
    values = [v for vs in curves.values() for v in vs if v is not None]
    epochs = max((len(vs) for vs in curves.values()), default=0)
    if not values or epochs < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    pad = 30
    colours = ("#4a7fc1", "#e67e22", "#1e8a4c", "#8e44ad")

    def point(i: int, v: float) -> str:
        x = pad + (width - 2 * pad) * i / (epochs - 1)
        y = height - pad - (height - 2 * pad) * (v - low) / span
        return f"{x:.1f},{y:.1f}"

    lines, legend = [], []
    for k, (name, vs) in enumerate(curves.items()):
        colour = colours[k % len(colours)]
        points = " ".join(point(i, v) for i, v in enumerate(vs) if v is not None)
        lines.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        legend.append(f'<text x="{width - pad}" y="{pad + 14 * k}" text-anchor="end" fill="{colour}" '
                      f'font-size="12">{e(name)}</text>')
    axes = (f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#8a8f98"/>'
            f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#8a8f98"/>'
            f'<text x="{width / 2}" y="{height - 6}" text-anchor="middle" font-size="12">{e(xlabel)}</text>'
            f'<text x="{pad - 4}" y="{pad}" text-anchor="end" font-size="11">{e(fmt(high))}</text>'
            f'<text x="{pad - 4}" y="{height - pad}" text-anchor="end" font-size="11">{e(fmt(low))}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="{e(", ".join(curves))}">{axes}{"".join(lines)}{"".join(legend)}</svg>')
