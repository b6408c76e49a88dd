"""Issue 13's bad inputs, each as a new user types it: exit status 2 (130 for Ctrl-C) and one clear line."""
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import LINE_PLUGIN
from grading_helpers import GOOD_LINE
from rnnsuite.datasets import cache, fetch, sources

from rnnsuite.cli import cli
from rnnsuite.errors import DataError


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSUITE_DATA_DIR", str(tmp_path / "cache"))


def rnnsuite(*args: str) -> tuple[int, list[str]]:
    """Exit status and the non-empty lines of stderr."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, [line for line in result.stderr.splitlines() if line.strip()]


def test_negative_seed_is_refused_by_its_type_before_anything_is_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = rnnsuite("run", "--variant", "5", "--task", "1", "--seed", "-1")
    assert code == 2
    assert err == ["Error: Invalid value for '--seed': -1 is not in the range x>=0. (see 'rnnsuite run --help')"]
    assert list(tmp_path.iterdir()) == []  # no runs/ folder, no cache


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs a /sys (sysfs), where no folder can be made")
def test_out_where_nothing_can_be_written():
    code, err = rnnsuite("run", "--variant", "5", "--task", "1", "--out", "/sys/rnnsuite-run")
    assert code == 2 and len(err) == 1
    assert err[0].startswith("Error: --out /sys/rnnsuite-run: cannot write there (")


def test_out_below_a_file(tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    code, err = rnnsuite("run", "--variant", "5", "--task", "1", "--out", str(tmp_path / "afile" / "sub"))
    assert code == 2
    assert err == [f"Error: --out {tmp_path / 'afile' / 'sub'}: {tmp_path / 'afile'} is a file, not a folder"]


def test_out_reused_for_a_second_run_is_refused_and_the_first_run_kept(write_plugin, tmp_path):
    plugin = str(write_plugin(LINE_PLUGIN))
    out = tmp_path / "my-run"
    first = CliRunner().invoke(cli, ["-p", plugin, "run", "--variant", "97", "--task", "1", "--out", str(out)])
    assert first.exit_code == 0, first.output
    summary = (out / "summary.json").read_text()
    code, err = rnnsuite("-p", plugin, "run", "--variant", "97", "--task", "3", "--out", str(out))
    assert code == 2
    assert err == [f"Error: --out {out} already holds files (report.html, report.md, summary.json, ...); results are "
                   "never mixed: give a new folder, or remove this one"]
    assert (out / "summary.json").read_text() == summary and sorted(p.name for p in out.iterdir()) == [
        "report.html", "report.md", "summary.json", "v97.1"]


def corrupt_vega_cache() -> Path:
    """A cached vega_datasets folder whose CSV is not the pinned file (as after a disk error)."""
    folder = sources.VEGA.folder()
    member = folder / sources.VEGA.members[0]
    member.parent.mkdir(parents=True)
    member.write_bytes(b"date,temp_max\n2012-01-01,\xff\xfe\x00garbage\n")
    cache.write_manifest(folder, {sources.VEGA.members[0]: cache.sha256(member)})
    return folder


def offline(monkeypatch):
    def no_network(artifact, dest):
        raise DataError(f"could not download {artifact.requirement} with pip (no network?)")

    monkeypatch.setattr(fetch, "downloader", no_network)


def test_a_corrupt_cache_is_named_as_such_and_fetched_again(monkeypatch):
    """Offline, so fetching again fails; tests/test_datasets_fetch.py repairs it from a served archive."""
    folder = corrupt_vega_cache()
    offline(monkeypatch)
    code, err = rnnsuite("run", "--variant", "6", "--task", "1", "--quick")
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"Error in v6.1: the cached copy of vega_datasets==0.9.0 in {folder} was corrupt (")
    assert err[0].endswith("and was removed; fetching it again failed: could not download vega_datasets==0.9.0 "
                           "with pip (no network?)")
    assert "UTF-8" not in err[0]  # no advice about the user's own file
    corrupt_vega_cache()
    code, err = rnnsuite("data", "fetch", "temperatures")
    assert code == 2 and len(err) == 1 and err[0].startswith("Error: the cached copy of vega_datasets==0.9.0")


def test_data_with_the_wrong_columns_names_those_found_and_needed(tmp_path):
    wrong = tmp_path / "weather.csv"
    wrong.write_text("city,temp\nOslo,\nBergen,\n")
    code, err = rnnsuite("run", "--variant", "6", "--task", "1", "--quick", "--out", str(tmp_path / "r"),
                         "--data", f"temperatures={wrong}")
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"Error in v6.1: {wrong}: found columns city, temp; a series needs a date column "
                             "(one of date, datetime,")
    assert "and a numeric column (one of temp_max, temp," in err[0]


def test_the_same_data_set_twice(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("date,temp\n2020-01-01,1\n")
    b.write_text("date,temp\n2020-01-01,1\n")
    code, err = rnnsuite("run", "--variant", "6", "--data", f"temperatures={a}", "--data", f"temperatures={b}")
    assert code == 2
    assert err == [f"Error: --data temperatures is given twice ({a} and {b}); give one file per data set"]


def test_a_utf16_file_is_called_utf16(tmp_path):
    saved = tmp_path / "temps.csv"
    saved.write_bytes("date,temp\n2020-01-01,1.5\n".encode("utf-16"))  # Excel's "Unicode text", with its BOM
    code, err = rnnsuite("run", "--variant", "6", "--task", "1", "--quick", "--out", str(tmp_path / "r"),
                         "--data", f"temperatures={saved}")
    assert code == 2
    assert err == [f"Error in v6.1: {saved}: looks like UTF-16 text (it starts with a UTF-16 byte-order mark), "
                   "not UTF-8; save it as UTF-8 and try again"]


def test_ctrl_c_during_grade_claims_only_what_is_true(write_plugin, tmp_path, monkeypatch):
    from rnnsuite.grading import batch

    def interrupted(self, submissions, on_done=None, **settings):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch.Batch, "run", interrupted)
    plugin = str(write_plugin(LINE_PLUGIN))
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "alice.py").write_text(textwrap.dedent(GOOD_LINE))
    out = tmp_path / "grades"
    code, err = rnnsuite("-p", plugin, "grade", str(tmp_path / "subs"), "--variant", "97", "--out", str(out))
    err = [line for line in err if not line.startswith("warning")]  # the public-test-set warning
    assert code == 130 and len(err) == 1 and err[0].startswith("Interrupted")
    assert not (out.exists() and [p for p in out.rglob("*") if p.is_file()])  # nobody was graded ...
    assert "saved" not in err[0] or "nothing was saved" in err[0]  # ... so the line may not claim otherwise


def without(*numbers: int):
    """The loaded registry as if the given built-in variants had not landed yet."""
    from rnnsuite.manager import Manager

    registry = Manager().load().registry
    for n in numbers:
        registry.variants.pop(n, None)
    return registry


def test_a_planned_variant_is_called_planned():
    from rnnsuite.cli.common import variant_or_error
    from rnnsuite.errors import UserError

    registry = without(3)
    shipped = ", ".join(map(str, sorted(registry.variants)))
    with pytest.raises(UserError) as exc:
        variant_or_error(registry, 3)
    assert str(exc.value) == (f"variant 3 is planned but not shipped yet (shipped: {shipped}); `rnnsuite data info "
                              "NAME` shows the data it will use: digits, en_ru_pairs, glyphs")


def test_the_planned_list_comes_from_the_cards_and_shrinks_as_variants_land():
    from rnnsuite.cli.common import planned_variants

    assert list(planned_variants(without(1, 2, 3, 4))) == [1, 2, 3, 4]
    assert list(planned_variants(without(2, 4))) == [2, 4]  # 1 and 3 landed
    assert planned_variants(without()) == {n: planned_variants(without(1, 2, 3, 4))[n] for n in (1, 2, 3, 4)
                                           if n not in without().variants}
    code, err = rnnsuite("run", "--variant", "42")
    shipped = ", ".join(map(str, sorted(without().variants)))
    assert code == 2 and len(err) == 1 and err[0].startswith(f"Error: unknown variant 42; shipped variants: {shipped}")


def test_json_of_the_bad_input_run_is_still_a_document(tmp_path):
    """--json with a failing assignment: the summary on stdout, the one line on stderr, exit 2."""
    wrong = tmp_path / "weather.csv"
    wrong.write_text("city,temp\nOslo,\n")
    result = CliRunner().invoke(cli, ["run", "--variant", "6", "--task", "1", "--quick", "--out", str(tmp_path / "r"),
                                      "--data", f"temperatures={wrong}", "--json"])
    assert result.exit_code == 2
    summary = json.loads(result.stdout)
    assert summary["results"][0]["input_error"] is True and "found columns city, temp" in summary["results"][0]["error"]
    assert [line for line in result.stderr.splitlines() if line.startswith("Error")] == [
        f"Error in v6.1: {summary['results'][0]['error']}"]
