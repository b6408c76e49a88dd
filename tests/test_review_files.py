"""The review files students download, byte for byte as they are distributed, load through --data.

The fixtures copy what the real files contain (checked against the UCI
"Sentiment Labelled Sentences" archive and Kaggle's Restaurant_Reviews.tsv):
LF line endings and a final newline; in imdb_labelled.txt two spaces before
every tab, quotes opened and never closed, and Windows-1252 punctuation
stored as C1 controls (U+0085 "...", U+0096 en dash, U+0097 em dash) next to
real UTF-8 accents; in yelp_labelled.txt accents and quotes inside sentences;
a header line in the Kaggle TSV.
"""
from __future__ import annotations

import pytest
from rnnsuite.datasets import text

from rnnsuite.errors import DataError

IMDB = (
    "A very, very, very slow-moving, aimless movie about a distressed, drifting young man.  \t0\n"
    "It's practically perfect in all of them \u0096 a true masterpiece in a sea of faux \"masterpieces.  \t1\n"
    "\" The structure of this film is easily the most tightly constructed in the history of cinema.  \t1\n"
    "The script is\u0085was there a script?  \t0\n"
    "Let's start with all the problems\u0097the acting was very, very bad.  \t0\n"
    "\"You'll love it!  \t1\n"
    "I am so tired of clich\u00e9s that is just lazy writing.  \t0\n"
    "Definitely worth seeing\u0085 it's the sort of thought provoking film that forces you to think.  \t1\n"
).encode("utf-8")

YELP = (
    "Wow... Loved this place.\t1\n"
    "Crust is not good.\t0\n"
    "My fianc\u00e9 and I came in the middle of the day and we were greeted and seated right away.\t1\n"
    "As for the \"mains,\" also uninspired.\t0\n"
    "I'm so happy to be here!!!\"\t1\n"
    "The cr\u00eape was delicate and thin and moist.\t1\n"
    "I think food should have flavor and texture and both were lacking.\t0\n"
).encode("utf-8")

KAGGLE = b"Review\tLiked\n" + YELP  # the same sentences under a header line


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_the_imdb_fixture_is_faithful_to_the_real_file():
    """What broke the old reader: str.splitlines takes U+0085 for a line break."""
    decoded = IMDB.decode("utf-8")
    assert len(decoded.splitlines()) > decoded.count("\n") and b"\r" not in IMDB
    assert all(line.count("\t") == 1 for line in decoded.split("\n")[:-1]) and IMDB.endswith(b"\n")


def test_uci_imdb_sentences_load_as_distributed(tmp_path):
    r = text.read_labelled(write(tmp_path, "imdb_labelled.txt", IMDB))
    assert len(r) == 8 and r.labels.tolist() == [0, 1, 1, 0, 0, 1, 0, 1]
    assert r.texts[0] == "A very, very, very slow-moving, aimless movie about a distressed, drifting young man."
    assert r.texts[1] == ("It's practically perfect in all of them \u2013 a true masterpiece in a sea of faux "
                          "\"masterpieces.")
    assert r.texts[2].startswith('" The structure') and r.texts[5] == "\"You'll love it!"  # quotes kept as text
    assert r.texts[3] == "The script is\u2026was there a script?"
    assert "problems\u2014the acting" in r.texts[4] and "clich\u00e9s" in r.texts[6]
    assert not any(0x80 <= ord(c) < 0xA0 for t in r.texts for c in t)


@pytest.mark.parametrize("name", ["yelp_labelled.txt", "amazon_cells_labelled.txt"])
def test_uci_yelp_and_amazon_sentences_load_as_distributed(tmp_path, name):
    r = text.read_labelled(write(tmp_path, name, YELP))
    assert r.labels.tolist() == [1, 0, 1, 0, 1, 1, 0]
    assert r.texts[2].startswith("My fianc\u00e9 and I") and r.texts[4] == "I'm so happy to be here!!!\""


def test_kaggle_restaurant_reviews_tsv_with_its_header(tmp_path):
    r = text.restaurant_reviews(path=write(tmp_path, "Restaurant_Reviews.tsv", KAGGLE))
    assert r.labels.tolist() == [1, 0, 1, 0, 1, 1, 0]
    assert r.texts[0] == "Wow... Loved this place." and r.texts[3] == 'As for the "mains," also uninspired.'


@pytest.mark.parametrize("transform", [
    lambda b: b.replace(b"\n", b"\r\n"),  # saved again on Windows
    lambda b: b.rstrip(b"\n"),  # no final newline
    lambda b: b"\xef\xbb\xbf" + b,  # a byte-order mark from a Windows editor
])
def test_the_same_files_resaved(tmp_path, transform):
    for name, content, labels in (("imdb_labelled.txt", IMDB, [0, 1, 1, 0, 0, 1, 0, 1]),
                                  ("Restaurant_Reviews.tsv", KAGGLE, [1, 0, 1, 0, 1, 1, 0])):
        r = text.read_labelled(write(tmp_path, name, transform(content)))
        assert r.labels.tolist() == labels
        assert not any("\r" in t or t != t.strip() for t in r.texts)


@pytest.mark.parametrize("name, content, message", [
    ("Restaurant_Reviews.tsv", b"Review\tLiked\nGreat food.\t5\nAwful.\t1\n", "unknown label '5'"),
    ("yelp_labelled.txt", b"Great food.\t1\nno tab on this line\n", "line 2 has no tab"),
    ("reviews.csv", b"review,sentiment\nGreat food.,5 stars\n", "unknown label '5 stars'"),
])
def test_a_review_file_with_other_labels_is_a_one_line_error(tmp_path, name, content, message):
    with pytest.raises(DataError) as info:
        text.restaurant_reviews(path=write(tmp_path, name, content))
    assert message in str(info.value) and name in str(info.value) and "\n" not in str(info.value)
