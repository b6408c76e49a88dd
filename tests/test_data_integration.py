"""The real default data sets: fetched once into the cache, counts match the cards."""
import numpy as np
import pytest

from rnnsuite.datasets import fetch, records, sources
from rnnsuite.datasets.cards import by_name

pytestmark = pytest.mark.integration

TYPES = {
    "movie_reviews": records.TextLabels, "movie_reviews_long": records.TextLabels,
    "restaurant_reviews": records.TextLabels, "review_text": str, "english_corpus": str,
    "en_ru_pairs": records.Pairs, "pubmed": records.Pairs, "temperatures": records.Series,
    "temperatures_hourly": records.Series, "music": records.Tokens, "digits": records.Images,
    "mnist5k": records.Images, "glyphs": records.Images, "sprites": records.Frames, "shapes": records.Frames,
}


@pytest.mark.parametrize("name", sorted(TYPES))
def test_default_loads_with_the_cards_count(name):
    card = by_name()[name]
    data = card.load()
    assert isinstance(data, TYPES[name])
    count = data.count("\n") + 1 if isinstance(data, str) else len(data)
    assert count == card.records
    if card.is_cached is not None:
        assert card.is_cached()


def test_cached_artifacts_match_their_pins():
    for a in sources.ARTIFACTS:
        fetch.ensure(a)
        assert fetch.verify(a) == [], a.requirement


def test_shapes_and_values():
    d = by_name()
    mr = d["movie_reviews"].load()
    assert int(mr.labels.sum()) == 7403 and mr.labels.dtype.kind == "i"
    long = d["movie_reviews_long"].load()
    assert int(long.labels.sum()) == 750 and not long.texts[0].startswith("\ufeff")
    t = d["temperatures"].load()
    assert t.unit == "°C" and np.all(np.diff(t.times.astype("int64")) > 0) and -10 < t.values.min() < t.values.max() < 40
    h = d["temperatures_hourly"].load()
    assert h.unit == "°C" and -15 < h.values.min() < h.values.max() < 40
    for name, shape in (("digits", (8, 8)), ("mnist5k", (28, 28)), ("glyphs", (16, 9))):
        im = d[name].load()
        assert im.images.shape[1:] == shape and im.images.dtype == np.float32
        assert 0.0 <= im.images.min() and im.images.max() <= 1.0
    assert set(np.unique(d["glyphs"].load().images)) == {0.0, 1.0}
    sp = d["sprites"].load()
    assert sp.clips.shape == (6, 8, 32, 24) and sp.clips.max() > 0.3
    pairs = d["en_ru_pairs"].load()
    assert (pairs.source_lang, pairs.target_lang) == ("en", "ru")
    assert any("\u0400" <= ch <= "\u04ff" for ch in pairs.target[0] + pairs.target[-1])
    tunes = d["music"].load()
    assert all(tok.rsplit("_", 1)[1] for seq in tunes.sequences for tok in seq)
