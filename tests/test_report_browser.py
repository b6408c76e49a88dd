"""The reports in a real browser: headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it).

Each page must render with no console error, warning or failed load, ask
for nothing but itself and its data URIs, load every image (natural width
above 0), play every tune (a WAV data source whose metadata loads), hold
the run's numbers from result.json in its metrics tables, and resolve every
in-page link.  A screenshot of what a reader first sees is kept in the
test's tmp folder (its path is printed).

Without Chromium these tests skip, unless ``RNNSUITE_REQUIRE_BROWSER`` is set
(``.ci/run`` sets it): then they fail.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser import Chromium, find_chromium
from PIL import Image
from report_helpers import results_of, run_report_variant

from rnnsuite.reporters import fmt

REQUIRED = os.environ.get("RNNSUITE_REQUIRE_BROWSER", "") not in ("", "0")

#: what the page shows, gathered in the page
INSPECT = """(async () => {
  const audio = await Promise.all([...document.querySelectorAll('audio')].map(a =>
    a.readyState >= 1 ? {src: a.src.slice(0, 30), duration: a.duration} : new Promise(done => {
      a.addEventListener('loadedmetadata', () => done({src: a.src.slice(0, 30), duration: a.duration}));
      a.addEventListener('error', () => done({src: a.src.slice(0, 30), duration: -1}));
      setTimeout(() => done({src: a.src.slice(0, 30), duration: -2}), 10000);
    })));
  return {
    images: [...document.images].map(i => [i.alt, i.complete, i.naturalWidth]),
    audio: audio,
    values: [...document.querySelectorAll('td.value')].map(td =>
      [td.closest('section').id, td.dataset.metric, td.textContent]),
    anchors: [...document.querySelectorAll('a[href^="#"]')].map(a =>
      [a.getAttribute('href'), document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))) !== null]),
    title: document.title,
    firstHeading: document.querySelector('h1') && document.querySelector('h1').textContent,
  };
})()"""


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        if REQUIRED:
            pytest.fail("RNNSUITE_REQUIRE_BROWSER is set but no chromium is installed (apt-get install chromium)")
        pytest.skip("no chromium installed (apt-get install chromium; .ci/run installs it)")
    with Chromium(executable) as b:
        yield b


def inspect(browser: Chromium, page: Path, screenshot: Path) -> dict:
    """Open the page, gather what it shows and what it logged, and keep a screenshot of its top."""
    browser.open(page)
    seen = browser.evaluate(INSPECT)
    seen["problems"] = browser.problems()
    seen["elsewhere"] = [url for url in browser.requests() if url != page.resolve().as_uri()
                         and not url.startswith("data:")]
    browser.screenshot(screenshot)
    print(f"screenshot of {page}: {screenshot}")
    return seen


def assert_renders(seen: dict) -> None:
    assert seen["problems"] == [] and seen["elsewhere"] == []
    assert seen["images"] and all(complete and width > 0 for _, complete, width in seen["images"]), seen["images"]
    assert all(found for _, found in seen["anchors"]), seen["anchors"]


def assert_holds_the_numbers(seen: dict, run_dir: Path) -> None:
    expected = sorted((ident, name, fmt(value)) for ident, result in results_of(run_dir).items()
                      for name, value in result["metrics"].items())
    assert sorted(map(tuple, seen["values"])) == expected


def test_run_report_renders_in_a_real_browser(browser, tmp_path):
    run_dir, result = run_report_variant(tmp_path)
    assert result.exit_code == 1, result.output  # v96.2 raises on purpose
    seen = inspect(browser, run_dir / "report.html", tmp_path / "report.png")
    assert_renders(seen)
    assert_holds_the_numbers(seen, run_dir)
    assert len(seen["images"]) == 6  # plot, the GIF, two piano rolls, the loss curves of v96.1 and v96.3
    # two tunes of 5 and 4 quarters at 120 a minute, each with its last note's release
    assert [a["src"][:27] for a in seen["audio"]] == ["data:audio/wav;base64,UklGR"] * 2  # "RIFF": a WAV
    assert [round(a["duration"], 1) for a in seen["audio"]] == [2.6, 2.1]
    assert seen["firstHeading"] == "Variant 96: report <fixture>"  # the text, not markup
    with Image.open(tmp_path / "report.png") as shot:
        assert shot.size == (1280, 900)


def test_grading_report_renders_in_a_real_browser(browser, tmp_path):
    from test_report import grading_folder

    out = grading_folder(tmp_path)
    seen = inspect(browser, out / "report.html", tmp_path / "grading.png")
    assert seen["problems"] == [] and seen["elsewhere"] == [] and seen["images"] == []
    assert len(seen["anchors"]) == 4 and all(found for _, found in seen["anchors"])
    assert seen["title"] == "Grading report"


def test_the_check_rejects_a_broken_page(browser, tmp_path):
    """A page with a missing image, a script that fails, something from the network and a broken link."""
    page = tmp_path / "broken.html"
    page.write_text('<html><body><h1>x</h1><img alt="gone" src="gone.png"><a href="#nowhere">x</a>'
                    '<script src="http://192.0.2.1/x.js"></script><script>console.error("boom"); no_such()</script>'
                    '</body></html>')
    seen = inspect(browser, page, tmp_path / "broken.png")
    with pytest.raises(AssertionError):
        assert_renders(seen)
    problems = " ".join(seen["problems"])
    assert "boom" in problems and "exception" in problems and "gone.png" in problems
    assert seen["images"] == [["gone", True, 0]] and seen["anchors"] == [["#nowhere", False]]
    assert "http://192.0.2.1/x.js" in seen["elsewhere"]


@pytest.mark.slow
@pytest.mark.integration
def test_a_real_quick_run_renders_in_a_real_browser(browser, tmp_path):
    """v6.1 --quick on the real temperatures: the pipeline's own plots, a CSV table, a saved model."""
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "rnnsuite.cli", "run", "--variant", "6", "--task", "1", "--quick",
                           "--out", str(out), "--lang", "en"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    seen = inspect(browser, out / "report.html", tmp_path / "v6.png")
    assert_renders(seen)
    assert_holds_the_numbers(seen, out)
    assert {alt for alt, _, _ in seen["images"]} == {"predictions_plot", "history", "v6.1 unrolled over 3 steps"}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "How the network works: Fully recurrent network (FRNN)" in page and "h_t = tanh(W x_t" in page
