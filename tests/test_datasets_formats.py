"""Parsing every supported file format, on small files the tests write themselves."""
import bz2
import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from rnnsuite.datasets import frames, images, series, text, translation
from rnnsuite.errors import DataError


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSUITE_DATA_DIR", str(tmp_path / "cache"))


def write_mo(path: Path, catalog: dict[str, str]) -> Path:
    """A minimal GNU .mo file (what msgfmt writes, without the hash table)."""
    keys = sorted(catalog)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(catalog[k].encode() + b"\0" for k in keys)
    n = len(keys)
    start = 7 * 4 + 16 * n
    offsets, pos = [], 0
    for k in keys:
        offsets.append((len(k.encode()), start + pos))
        pos += len(k.encode()) + 1
    toffsets, pos = [], 0
    for k in keys:
        toffsets.append((len(catalog[k].encode()), start + len(ids) + pos))
        pos += len(catalog[k].encode()) + 1
    header = struct.pack("<7I", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, 0)
    table = b"".join(struct.pack("<2I", *o) for o in offsets + toffsets)
    path.write_bytes(header + table + ids + strs)
    return path


# -- labelled texts --------------------------------------------------------------

def test_imdb_kaggle_csv(tmp_path):
    p = tmp_path / "IMDB Dataset.csv"
    p.write_text('review,sentiment\n"Great film, loved it",positive\n"Dull.<br />Boring",negative\n', "utf-8")
    r = text.movie_reviews(path=p)
    assert r.texts == ["Great film, loved it", "Dull.<br />Boring"]
    assert r.labels.tolist() == [1, 0] and r.label_names == ("negative", "positive")


def test_rotten_tomatoes_bz2_csv_drops_plot_keeps_order(tmp_path):
    p = tmp_path / "rt.csv.bz2"
    p.write_bytes(bz2.compress(b"category,text,movie_name\nplot,A story,M\nrotten,Bad,M\nfresh,Good,M\n"))
    r = text.read_labelled(p)
    assert r.texts == ["Bad", "Good"] and r.labels.tolist() == [0, 1]


def test_uci_tab_separated_sentences(tmp_path):
    p = tmp_path / "yelp_labelled.txt"
    p.write_text("Wow... Loved this place.\t1\nCrust is not good.\t0\n", "utf-8")
    r = text.restaurant_reviews(path=p)
    assert r.labels.tolist() == [1, 0] and r.texts[1] == "Crust is not good."


def test_aclimdb_folder(tmp_path):
    for sub, body in (("train/pos", "fine"), ("train/neg", "awful"), ("test/pos", "nice")):
        (tmp_path / "aclImdb" / sub).mkdir(parents=True)
        (tmp_path / "aclImdb" / sub / "0_9.txt").write_text(body, "utf-8")
    r = text.movie_reviews(path=tmp_path / "aclImdb")
    assert sorted(zip(r.texts, r.labels.tolist())) == [("awful", 0), ("fine", 1), ("nice", 1)]


def test_review_text_and_english_corpus_from_a_csv(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text('text,label\n"One\n review",1\nTwo,0\n', "utf-8")
    assert text.review_text(path=p) == "One review\nTwo"
    assert text.english_corpus(path=p).count("\n") == 1


@pytest.mark.parametrize("content,message", [
    (b"title,body\nx,y\n", "wrong columns"),
    (b"", "empty"),
    (b"review,sentiment\n\xff\xfe bad,positive\n", "not UTF-8"),
    ("review,sentiment\nok,positive\n".encode("utf-16"),
     "looks like UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8; save it as UTF-8"),
    ("review,sentiment\nok,positive\n".encode("utf-16-le"), "looks like UTF-16 text (every other byte is zero)"),
    ("review,sentiment\nok,positive\n".encode("utf-32"), "looks like UTF-32 text"),
    (b"review,sentiment\nok,maybe\n", "unknown label"),
    (b"review,sentiment\n", "no data rows"),
])
def test_bad_csv_is_a_one_line_data_error_naming_the_file(tmp_path, content, message):
    p = tmp_path / "reviews.csv"
    p.write_bytes(content)
    with pytest.raises(DataError) as info:
        text.movie_reviews(path=p)
    msg = str(info.value)
    assert message in msg and "reviews.csv" in msg and "\n" not in msg


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        text.movie_reviews(path=tmp_path / "nope.csv")


# -- translation pairs -----------------------------------------------------------

PO = '''# Russian translation
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#: a.py:1
msgid "Save"
msgstr "Сохранить"

#, fuzzy
msgid "Delete"
msgstr "Удалить?"

msgid "Untranslated"
msgstr ""

msgctxt "month"
msgid "May"
msgstr "Май"

msgid ""
"A long "
"line"
msgstr ""
"Длинная "
"строка"

msgid "%d file"
msgid_plural "%d files"
msgstr[0] "%d файл"
msgstr[1] "%d файла"
msgstr[2] "%d файлов"

msgid "Say \\"hi\\""
msgstr "Скажи \\"привет\\""
'''


def test_po_parser_skips_fuzzy_and_empty_and_joins_lines(tmp_path):
    p = tmp_path / "django.po"
    p.write_text(PO, "utf-8")
    assert translation.read_po(p) == [("Save", "Сохранить"), ("May", "Май"), ("A long line", "Длинная строка"),
                                      ("%d file", "%d файл"), ('Say "hi"', 'Скажи "привет"')]


def test_mo_parser_strips_context(tmp_path):
    p = write_mo(tmp_path / "lab.mo", {"": "Content-Type: text/plain; charset=UTF-8\n",
                                       "Open": "Открыть", "menu\x04File": "Файл", "Same": "Same"})
    assert sorted(translation.read_mo(p)) == [("File", "Файл"), ("Open", "Открыть"), ("Same", "Same")]


def test_folder_of_catalogues_gives_unique_translated_pairs(tmp_path):
    write_mo(tmp_path / "a.mo", {"": "Content-Type: text/plain; charset=UTF-8\n", "Open": "Открыть", "Same": "Same"})
    (tmp_path / "b.po").write_text(PO + '\nmsgid "Open"\nmsgstr "Открыть"\n', "utf-8")
    pairs = translation.en_ru_pairs(path=tmp_path)
    assert pairs.source[:2] == ["Open", "Save"] and pairs.source.count("Open") == 1
    assert "Same" not in pairs.source
    assert (pairs.source_lang, pairs.target_lang) == ("en", "ru")
    back = pairs.reversed()
    assert back.source[0] == "Открыть" and back.source_lang == "ru"


def test_tatoeba_tab_file_and_bible_csv(tmp_path):
    t = tmp_path / "rus.txt"
    t.write_text("Go.\tИди.\tCC-BY 2.0 (France)\nHi.\tЗдравствуйте.\tCC-BY\n", "utf-8")
    assert translation.en_ru_pairs(path=t).target == ["Иди.", "Здравствуйте."]
    c = tmp_path / "bible.csv"
    c.write_text("English,Russian\nIn the beginning,В начале\n", "utf-8")
    assert translation.en_ru_pairs(path=c).source == ["In the beginning"]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(DataError, match="wrong columns"):
        translation.en_ru_pairs(path=bad)


MEDLINE = b"""<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation><Article><ArticleTitle>A <i>study</i> of X.</ArticleTitle>
<Abstract><AbstractText Label="AIMS">We aim.</AbstractText><AbstractText>We found.</AbstractText></Abstract>
<Language>eng</Language></Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><Article><ArticleTitle>Etude</ArticleTitle>
<Abstract><AbstractText>Nous.</AbstractText></Abstract><Language>fre</Language></Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><Article><ArticleTitle>No abstract</ArticleTitle>
<Language>eng</Language></Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>
"""


def test_medline_xml_gz_keeps_english_with_abstracts(tmp_path):
    p = tmp_path / "pubmed.xml.gz"
    p.write_bytes(gzip.compress(MEDLINE))
    pairs = translation.pubmed(path=p)
    assert pairs.source == ["We aim. We found."] and pairs.target == ["A study of X."]
    p.write_bytes(gzip.compress(MEDLINE)[:100])
    with pytest.raises(DataError, match="pubmed.xml.gz"):
        translation.pubmed(path=p)


def test_arxiv_json_lines(tmp_path):
    p = tmp_path / "arxiv.json"
    p.write_text('{"title": "T1", "abstract": " A1\\n more"}\n{"title": "T2", "abstract": "A2"}\n', "utf-8")
    assert translation.pubmed(path=p).source == ["A1 more", "A2"]


# -- series, images, frames -------------------------------------------------------

def test_series_csv_sorted_by_date_with_gaps(tmp_path):
    p = tmp_path / "daily-min-temperatures.csv"
    p.write_text("Date,Temp\n1981-01-02,17.9\n1981-01-01,20.7\n1981-01-03,\n", "utf-8")
    s = series.temperatures(path=p)
    assert s.values.tolist() == [20.7, 17.9] and s.values.dtype == np.float64
    assert s.times[0] == np.datetime64("1981-01-01")


def test_series_dates_in_an_unnamed_first_column(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("when,reading\n2020-01-02,3.5\n2020-01-01,2.5\n", "utf-8")
    assert series.temperatures(path=p).values.tolist() == [2.5, 3.5]


NEEDS = "a series needs a date column (one of date, datetime,"


@pytest.mark.parametrize("content, found", [
    ("city,temp\nOslo,\nBergen,\n", "found columns city, temp; " + NEEDS),  # no dates at all
    ("temp\n1\n2\n3\n", "found columns temp; " + NEEDS),  # numbers are not dates (numpy reads "1" as a year)
    ("date,temp\n2020-01-01,\n2020-01-02,\n", "column 'temp' holds no values; found columns date, temp; " + NEEDS),
])
def test_series_with_the_wrong_columns_names_those_found_and_needed(tmp_path, content, found):
    p = tmp_path / "wrong.csv"
    p.write_text(content, "utf-8")
    with pytest.raises(DataError) as info:
        series.temperatures(path=p)
    assert str(info.value).startswith(f"{p}: {found}")
    assert "one of temp_max, temp," in str(info.value) and "\n" not in str(info.value)


def test_series_fahrenheit_conversion(tmp_path):
    p = tmp_path / "temps.csv"
    p.write_text("date,temp\n2010/01/01 00:00,32\n2010/01/01 01:00,212\n", "utf-8")
    s = series.read_series(p, value="temp", fahrenheit=True)
    assert s.values.tolist() == [0.0, 100.0] and s.unit == "°C"
    bad = tmp_path / "bad.csv"
    bad.write_text("date,city\n2010-01-01,Oslo\n", "utf-8")
    with pytest.raises(DataError, match="numeric"):
        series.temperatures(path=bad)


def test_pixel_csv_gz(tmp_path):
    p = tmp_path / "digits.csv.gz"
    p.write_bytes(gzip.compress(b"0,16,8,4,3\n16,16,16,16,7\n"))
    im = images.digits(path=p)
    assert im.images.shape == (2, 2, 2) and im.images.dtype == np.float32
    assert im.images.max() == 1.0 and im.labels.tolist() == [3, 7]


def _png(path: Path, array: np.ndarray) -> Path:
    import matplotlib.image as mpimg

    mpimg.imsave(str(path), array, cmap="gray", vmin=0, vmax=1)
    return path


def test_glyph_sheet_png(tmp_path):
    sheet = np.zeros((4, 6))
    sheet[0:2, 0:3] = 1  # glyph 0 fully on
    im = images.glyphs(path=_png(tmp_path / "sheet.png", sheet), rows=2, cols=2)
    assert im.images.shape == (4, 2, 3) and im.labels.tolist() == [0, 1, 2, 3]
    assert im.images[0].min() == 1.0 and im.images[1].max() == 0.0
    with pytest.raises(DataError, match="equal glyphs"):
        images.glyphs(path=tmp_path / "sheet.png", rows=3, cols=4)
    from PIL import Image  # a JPEG sheet (read as 0-255 integers) gives the same glyphs in [0, 1]

    Image.fromarray((np.kron(sheet, np.ones((8, 8))) * 255).astype(np.uint8)).save(tmp_path / "sheet.jpg", quality=95)
    jpeg = images.glyphs(path=tmp_path / "sheet.jpg", rows=2, cols=2)
    assert jpeg.images.shape == (4, 16, 24) and jpeg.images[0].min() == 1.0 and jpeg.images[1].max() == 0.0
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(DataError, match="broken.png"):
        images.glyphs(path=tmp_path / "broken.png")


def test_clip_folders(tmp_path):
    for clip in ("a", "b"):
        (tmp_path / clip).mkdir()
        for t in range(3):
            _png(tmp_path / clip / f"{clip}_walk{t}.png", np.full((8, 8), t / 2))
    fr = frames.sprites(path=tmp_path)
    assert fr.clips.shape == (2, 3, 2, 2) and fr.names == ["a", "b"]
    assert fr.clips[0, 2].mean() == pytest.approx(1.0, abs=0.01)


def test_shapes_are_seeded():
    a = frames.shapes(n=6, frames=5, size=16, seed=3)
    b = frames.shapes(n=6, frames=5, size=16, seed=3)
    assert a.clips.shape == (6, 5, 16, 16) and a.clips.dtype == np.float32
    assert np.array_equal(a.clips, b.clips) and a.names == b.names
    assert 0.0 <= a.clips.min() and a.clips.max() == 1.0
    assert not np.array_equal(a.clips[:, 0], a.clips[:, -1])


# -- music -------------------------------------------------------------------------

def test_folder_of_midi_and_abc_files(tmp_path):
    """The course's example data is MIDI: a folder of .mid files (and ABC) parses to tokens."""
    music21 = pytest.importorskip("music21")
    from rnnsuite.datasets import music

    melody = music21.stream.Stream()
    for pitch, length in [("C4", 1.0), ("E4", 0.5), ("G4", 0.5), ("C5", 2.0)] * 3:
        melody.append(music21.note.Note(pitch, quarterLength=length))
    melody.append(music21.note.Rest(quarterLength=1.0))
    folder = tmp_path / "tunes"
    folder.mkdir()
    melody.write("midi", fp=str(folder / "arpeggio.mid"))
    (folder / "scale.abc").write_text("X:1\nT:scale\nM:4/4\nL:1/4\nK:C\nCDEF GABc|cBAG FEDC|\n")
    (folder / "notes.txt").write_text("not music")
    tokens = music.music(path=folder, min_notes=8)
    assert len(tokens.sequences) == 2  # files sorted by name: arpeggio.mid, scale.abc
    midi, abc = tokens.sequences
    assert midi[:4] == ["C4_1", "E4_0.5", "G4_0.5", "C5_2"] and len(midi) >= 12
    assert abc[:8] == ["C4_1", "D4_1", "E4_1", "F4_1", "G4_1", "A4_1", "B4_1", "C5_1"]


def test_music_folder_without_tunes_is_a_data_error(tmp_path):
    from rnnsuite.datasets import music

    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(DataError, match="no music files"):
        music.music(path=tmp_path)
