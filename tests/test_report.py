"""The run report (report.html, report.md), the grading report and ``rnnsuite report``: fast, no browser."""
from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import sys
import wave
from html import escape as html_escape
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from report_helpers import results_of, run_report_variant, write_report_plugin

from rnnsuite import reporters
from rnnsuite.cli import cli
from rnnsuite.errors import UserError
from rnnsuite.report import synth, write_grading_report, write_report, write_run_report
from rnnsuite.report.page import CSP
from rnnsuite.report.run_html import MAX_WIDTH, markdown_html
from rnnsuite.report.run_md import md
from rnnsuite.report.strings import STRINGS, language, texts
from rnnsuite.reporters import fmt

RNNSUITE = [sys.executable, "-m", "rnnsuite.cli"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run of the report fixture variant (v96.2 raises), shared by the tests that only read it."""
    tmp = tmp_path_factory.mktemp("report")
    out, result = run_report_variant(tmp, "--lang", "en")
    assert result.exit_code == 1, result.output  # v96.2 raised
    return out


# -- the synthesizer ---------------------------------------------------------------------------
def test_a4_sounds_at_440_hz_as_an_8_bit_wav():
    notes = synth.from_quarters([(69, 0, 2), (None, 2, 1)])  # A4 for two quarters, then a rest
    assert notes == [synth.Note(69, 0.0, 1.0)]  # 120 quarters a minute: a quarter is half a second
    data = synth.wav(synth.synthesize(notes))
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 1, synth.RATE)
        pcm = np.frombuffer(w.readframes(w.getnframes()), np.uint8).astype(float) - 128
    assert len(pcm) == pytest.approx(synth.RATE * (1.0 + synth.RELEASE), abs=2)
    spectrum = np.abs(np.fft.rfft(pcm))
    assert np.fft.rfftfreq(len(pcm), 1 / synth.RATE)[spectrum.argmax()] == pytest.approx(440, abs=2)
    assert pcm.max() <= 127 and pcm.max() > 100  # scaled to the peak, not clipped


def test_voices_add_up_and_a_long_tune_is_cut():
    chord = synth.synthesize([synth.Note(60, 0, 0.5), synth.Note(64, 0, 0.5), synth.Note(67, 0, 0.5)])
    assert np.abs(chord).max() == pytest.approx(synth.PEAK)
    long = [synth.Note(60 + i % 12, i * 0.5, 0.5) for i in range(200)]  # 100 s
    assert len(synth.synthesize(long)) == int(synth.MAX_SECONDS * synth.RATE) + 1
    assert len(synth.synthesize([])) == 1 and not synth.synthesize([]).any()


def test_envelope_rises_holds_and_releases():
    env = synth.envelope(synth.RATE, synth.RATE)  # held one second
    assert env[0] == 0 and env.max() == pytest.approx(1, abs=0.01) and env[-1] == 0
    assert env[synth.RATE // 2] == pytest.approx(synth.SUSTAIN)


# -- strings and language ----------------------------------------------------------------------
def test_every_string_has_both_languages_with_the_same_placeholders():
    for key, (en, ru) in STRINGS.items():
        assert en and ru, key
        assert set(re.findall(r"{(\w+)", en)) == set(re.findall(r"{(\w+)", ru)), key


@pytest.mark.parametrize("env, expected", [({"LANG": "ru_RU.UTF-8"}, "ru"), ({"LANG": "en_GB.UTF-8"}, "en"),
                                           ({"LANG": "ru_RU.UTF-8", "LC_ALL": "C.UTF-8"}, "en"),
                                           ({"LC_MESSAGES": "ru_UA", "LANG": "C"}, "ru"), ({}, "en")])
def test_the_default_language_comes_from_the_locale(monkeypatch, env, expected):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert language() == expected
    assert language("en") == "en"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language 'de'"):
        language("de")
    assert texts("ru")("rows_shown", shown=2, total=9) == "первые 2 из 9 строк"


# -- the run report ----------------------------------------------------------------------------
def html_of(run_dir: Path) -> str:
    return (run_dir / "report.html").read_text(encoding="utf-8")


def test_every_run_writes_both_reports_with_its_numbers(run):
    html, text = html_of(run), (run / "report.md").read_text(encoding="utf-8")
    results = results_of(run)
    for ident, result in results.items():
        for name, value in result["metrics"].items():
            assert f'data-metric="{name}" data-value="{value!r}">{fmt(value)}</td>' in html
            assert re.search(rf"\| {re.escape(md(name))}( \(baseline\))? \| {re.escape(fmt(value))} \|", text)
    assert "<h2>v96.1 line &lt;i&gt;net&lt;/i&gt; " in html and "подогнать прямую" in html
    assert html.count('class="badge pass"') == 1 and html.count('class="badge fail"') == 2  # mae met, r2 and v96.3
    assert "(baseline)" in html and "RuntimeError: this assignment is broken on purpose" in html
    assert "< zero_mae (2.428)" in text.replace("\\<", "<")


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    """Every element of the page as a browser's parser sees it: (tag, attributes)."""
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, {k: v or "" for k, v in attrs}))

    Collect().feed(html)
    return found


def test_the_page_is_self_contained_and_shows_hostile_text_as_text(run):
    html = html_of(run)
    tags = elements(html)
    assert ("meta", {"http-equiv": "Content-Security-Policy", "content": CSP}) in tags
    assert not {tag for tag, _ in tags} & {"script", "iframe", "object", "embed", "link", "base", "form"}
    assert not [(tag, k) for tag, attrs in tags for k in attrs if k.startswith("on")]  # no event handlers
    for tag, attrs in tags:
        if "src" in attrs:
            assert attrs["src"].startswith(("data:image/", "data:audio/wav;base64,")), (tag, attrs["src"][:40])
        if "href" in attrs:  # in-page anchors and files of the run folder, nothing else
            assert attrs["href"].startswith("#") or attrs["href"].startswith("v96."), attrs["href"]
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 5  # task, info, sample, table, text
    assert 'href="v96.1/line.npz"' in html and "data:application" not in html  # models linked, not inlined


def test_artifacts_by_type(run):
    html = html_of(run)
    images = re.findall(r'<img src="data:(image/\w+);base64,([^"]+)" alt="([^"]+)"', html)
    assert {alt for _, _, alt in images} == {"plot", "frames", "tune_1.png", "tune_2.png", "history"}
    assert ("image/gif", "frames") in {(mime, alt) for mime, _, alt in images}
    assert len(re.findall(r'<audio controls preload="auto" src="data:audio/wav;base64,', html)) == 2
    assert "first 20 of 30 rows" in html and html.count("<tr>") > 20
    assert 'href="v96.1/tunes/tune_1.mid"' in html and 'href="v96.1/tunes/tune_2.musicxml"' in html
    assert html.count('href="v96.1/tunes/tune_1.mid"') == 1  # the note list claims it; the folder does not repeat it
    assert "about.txt" in html  # the folder's own file


def test_interrupted_run_lists_the_unrun_assignments(tmp_path, monkeypatch):
    from rnnsuite import runner
    from rnnsuite.manager import Manager

    monkeypatch.setenv(reporters.QUIET, "1")
    manager = Manager().load((str(write_report_plugin(tmp_path, interrupt=True)),))
    variant = manager.registry.variant(96)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C during v96.2: the reports are written on the way out
        runner.run(manager, variant, variant.assignments, out_dir=out)
    html = html_of(out)
    assert re.search(r'id="v96.2".*not run \(interrupted\)', html, re.S)
    assert re.search(r'id="v96.3".*not run \(interrupted\)', html, re.S)
    assert 'data-metric="mae"' in html.split('id="v96.2"')[0]  # v96.1 finished and is shown in full


def test_a_moved_run_folder_still_finds_its_artifacts_and_nothing_outside(run, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(run, moved)
    secret = tmp_path / "secret.md"
    secret.write_text("TOP SECRET")
    result = json.loads((moved / "v96.1" / "result.json").read_text())
    summary = json.loads((moved / "summary.json").read_text())
    for doc in (result, summary["results"][0]):
        doc["artifacts"]["samples"] = str(secret)  # a path outside the run folder
        doc["artifacts"]["plot"] = "../../../etc/passwd"
    (moved / "v96.1" / "result.json").write_text(json.dumps(result))
    (moved / "summary.json").write_text(json.dumps(summary))
    write_run_report(moved, "en")
    html = html_of(moved)
    assert "TOP SECRET" not in html and "root:" not in html
    assert "missing from the run folder" in html
    assert 'href="v96.1/line.npz"' in html and 'alt="history"' in html  # recorded under the old folder: found


def test_wide_images_are_scaled_and_broken_ones_linked(tmp_path):
    run_dir = tmp_path / "r"
    (run_dir / "v1.1").mkdir(parents=True)
    Image.new("RGB", (3000, 400), "blue").save(run_dir / "v1.1" / "wide.png")
    (run_dir / "v1.1" / "broken.png").write_bytes(b"\x89PNG not an image")
    result = {"assignment": "v1.1", "status": "passed", "artifacts": {
        "wide": str(run_dir / "v1.1" / "wide.png"), "broken": "v1.1/broken.png"}}
    (run_dir / "v1.1" / "result.json").write_text(json.dumps(result))  # no summary.json: results are read
    write_run_report(run_dir, "en")
    html = html_of(run_dir)
    (data,) = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    with Image.open(io.BytesIO(base64.b64decode(data))) as scaled:
        assert scaled.size == (MAX_WIDTH, 160)
    assert 'href="v1.1/broken.png"' in html and 'alt="broken"' not in html


def test_a_midi_file_without_a_note_list_is_read_with_music21(tmp_path):
    music21 = pytest.importorskip("music21")
    from rnnsuite.report.media import file_media

    part = music21.stream.Stream([music21.note.Note("A4", quarterLength=2), music21.note.Rest(quarterLength=1),
                                  music21.chord.Chord(["C4", "E4"], quarterLength=1)])
    path = Path(part.write("midi", fp=tmp_path / "tune.mid"))
    shown = file_media("tune", path.resolve(), tmp_path.resolve())
    assert [m.kind for m in shown.items] == ["audio", "link"] and shown.items[1].href == "tune.mid"
    assert shown.items[0].notes == [synth.Note(69, 0.0, 1.0), synth.Note(60, 1.5, 0.5), synth.Note(64, 1.5, 0.5)]
    (tmp_path / "bad.mid").write_bytes(b"MThd garbage")
    assert file_media("bad", (tmp_path / "bad.mid").resolve(), tmp_path.resolve()).kind == "link"


def test_markdown_is_rendered_without_raw_html_links_or_images():
    out = markdown_html("| a | b |\n|---|---|\n| <b>x</b> | 1 |\n\n![p](http://e/x.png) [l](javascript:x) <i>y</i>")
    assert "<table>" in out and "<td>&lt;b&gt;x&lt;/b&gt;</td>" in out
    assert "<img" not in out and "<a " not in out and "&lt;i&gt;y&lt;/i&gt;" in out


def test_markdown_report_escapes_what_would_become_markup():
    assert md("a|b <i>x</i> *y* snake_case _em_") == r"a\|b \<i>x\</i> \*y\* snake_case \_em\_"


def test_russian_report(run, tmp_path):
    copy = tmp_path / "ru"
    shutil.copytree(run, copy)
    write_run_report(copy, "ru")
    html, text = html_of(copy), (copy / "report.md").read_text(encoding="utf-8")
    assert '<html lang="ru">' in html and "Метрики" in html and "НЕ ВЫПОЛНЕНО" in html
    assert html.index('lang="ru"><b>Задание:') < html.index('lang="en" class="other-language"><b>Task:')
    assert "## Сводка" in text and "**Задание:** подогнать прямую" in text


def test_run_lang_option_and_the_locale(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    out, result = run_report_variant(tmp_path, "-t", "3")
    assert result.exit_code == 0, result.output
    assert "Сводка" in html_of(out) and f"Report: {out / 'report.html'}" in result.output
    (tmp_path / "en").mkdir()
    out, result = run_report_variant(tmp_path / "en", "-t", "3", "--lang", "en")
    assert result.exit_code == 0 and "Summary" in html_of(out)


def test_a_report_that_cannot_be_written_is_a_warning_not_a_failed_run(tmp_path, monkeypatch, capsys):
    def broken(run_dir, lang=None):
        raise OSError("disk full")

    monkeypatch.setattr("rnnsuite.report.write_run_report", broken)
    monkeypatch.delenv(reporters.QUIET, raising=False)
    reporters._json.run_started(out_dir=tmp_path)
    reporters.rnnsuite_run_finished(results=[], out_dir=tmp_path)
    assert json.loads((tmp_path / "summary.json").read_text())["results"] == []
    assert "warning: the report was not written: OSError: disk full" in capsys.readouterr().out


# -- rnnsuite report ---------------------------------------------------------------------------
def test_report_command_draws_the_reports_again(run, tmp_path):
    copy = tmp_path / "again"
    shutil.copytree(run, copy)
    (copy / "report.html").unlink()
    result = CliRunner().invoke(cli, ["report", str(copy), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"Report: {copy / 'report.html'}", f"Report: {copy / 'report.md'}"]
    assert html_of(copy) == html_of(run).replace(str(run.resolve()), str(copy.resolve()))


def a_file(folder: Path) -> Path:
    (folder / "file").write_text("x")
    return folder / "file"


def broken_result(folder: Path) -> Path:
    (folder / "v1.1").mkdir()
    (folder / "v1.1" / "result.json").write_text("{not json")
    return folder


def summary(text: str):
    def make(folder: Path) -> Path:
        (folder / "summary.json").write_text(text)
        return folder
    return make


@pytest.mark.parametrize("make, expected", [
    (lambda d: d / "nope", "no such folder"),
    (a_file, "is a file, not a results folder"),
    (lambda d: d, "is not a run folder"),
    (broken_result, "not a readable JSON result file"),
    (summary("[1, 2]"), "not an rnnsuite result file"),
    (summary('{"results": [{"status": "passed"}]}'), "a result without an assignment id"),
])
def test_report_command_refuses_what_is_not_a_results_folder_in_one_line(tmp_path, make, expected):
    folder = make(tmp_path)
    proc = subprocess.run(RNNSUITE + ["report", str(folder)], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("Error: ") and expected in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_report_command_refuses_a_bad_language():
    result = CliRunner().invoke(cli, ["report", ".", "--lang", "de"])
    assert result.exit_code == 2 and "'de' is not one of 'en', 'ru'" in result.output


# -- the grading report ------------------------------------------------------------------------
def grading_folder(tmp_path: Path) -> Path:
    from rnnsuite.grading import formats
    from rnnsuite.grading.results import AssignmentResult, SubmissionResult
    from rnnsuite.types import GradeItem

    def student(name, mae, grad, reason=""):
        return SubmissionResult(name, [AssignmentResult("v98.1", "timeout" if reason else "ok", reason, items=[
            GradeItem("v98.1 mae <= 0.2", mae, 1.0, mae >= 1, "" if mae >= 1 else "mae 0.31 is above the bar"),
            GradeItem("v98.1 gradient W", grad, 1.0, grad >= 1, "" if grad >= 1 else "dW off by one step")])])

    results = [student("alice", 1.0, 1.0), student("bob", 0.4, 1.0), student("carol", 0.0, 0.0),
               student("<script>mallory</script>", 0.0, 0.0, "timed out after 60 s (while training)")]
    written, failed = formats.write_all(results, tmp_path / "grades", "bubblewrap sandbox", lang="en")
    assert failed == [] and written["report"] == tmp_path / "grades" / "report.html"
    return tmp_path / "grades"


def test_grading_report_shows_the_class_and_each_student(tmp_path):
    out = grading_folder(tmp_path)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;mallory&lt;/script&gt;" in html
    for i in range(1, 5):  # one row per student linking to their details
        assert f'href="#student-{i}"' in html and f'<section id="student-{i}">' in html
    mae_row = re.search(r"<tr><td>v98.1 mae &lt;= 0.2</td>(.*?)</tr>", html).group(1)
    # 5 points (10 per assignment, two items); mean (5 + 2 + 0 + 0) / 4; then 0, under half, half or more, full
    assert re.findall(r'<td class="num">([\d.]+)</td>', mae_row) == ["5", "1.75", "2", "1", "0", "1"]
    lost = html.split("<h2>Most often lost</h2>")[1].split("<h2>")[0]
    assert "mae 0.31 is above the bar <span class=\"note\">×2</span>" in lost  # bob and carol
    assert "v98.1: error" in lost and "timed out after 60 s (while training)" in lost  # mallory's run
    mallory = re.search(r"mallory&lt;/script&gt;</a></td>(.*?)</tr>", html).group(1)
    assert mallory.endswith("<td>v98.1: timed out after 60 s (while training)</td>")  # not her items as well
    assert "the test set is the public data" not in html  # graded without a grading_info: no public warning


def test_grading_report_warns_of_the_public_test_set_and_unsandboxed_students(tmp_path):
    from rnnsuite.grading import formats
    from rnnsuite.grading.results import AssignmentResult, SubmissionResult
    from rnnsuite.types import GradeItem

    result = SubmissionResult("dave", [AssignmentResult("v98.1", items=[GradeItem("v98.1 x", 1.0, 1.0, True)],
                                                        graded={"hidden": False})], sandboxed=False)
    written, failed = formats.write_all([result], tmp_path, "NOT SANDBOXED")
    html = written["report"].read_text(encoding="utf-8")
    assert failed == [] and html_escape(formats.PUBLIC_TEST) in html and "not sandboxed: dave" in html
    assert "No item lost points." in html


def test_report_command_on_a_grading_folder(tmp_path):
    out = grading_folder(tmp_path)
    (out / "report.html").unlink()
    result = CliRunner().invoke(cli, ["report", str(out), "--lang", "ru"])
    assert result.exit_code == 0 and result.output == f"Report: {out / 'report.html'}\n"
    assert "Отчёт о проверке" in (out / "report.html").read_text(encoding="utf-8")
    assert write_report(out, "en") == [out / "report.html"]


def test_a_grading_folder_is_not_a_run_folder(tmp_path):
    out = grading_folder(tmp_path)
    with pytest.raises(UserError, match="is a grading folder, not a run folder"):
        write_run_report(out, "en")
    with pytest.raises(UserError, match="is not a grading folder"):
        write_grading_report(tmp_path, "en")
