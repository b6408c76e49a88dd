"""``rnnsuite new-variant``: the skeleton package copied, renamed and numbered.

The copy installs, lints, loads through its entry point and passes its own tests.
"""
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnnsuite import scaffold
from rnnsuite.cli import cli

RUFF = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))


def generate(parent: Path, number: int = 7) -> Path:
    result = CliRunner().invoke(cli, ["new-variant", "--variant", str(number), "--out", str(parent)])
    assert result.exit_code == 0, result.output
    root = parent / f"rnnsuite-variant{number}"
    assert f"Wrote {root}" in result.output
    return root


def test_the_copy_is_the_skeleton_with_its_number_and_name_set_and_nothing_else(tmp_path):
    root = generate(tmp_path)
    package = root / "rnnsuite_variant7"
    sources = sorted(set(scaffold.SKELETON.glob("*.py")) - {scaffold.SKELETON_TESTS})
    assert sorted(p.name for p in package.iterdir()) == [p.name for p in sources]
    for source in sources:
        original = source.read_text(encoding="utf-8")
        expected = original.replace("\nNUMBER = 99\n", "\nNUMBER = 7\n") if source.name == "variant.py" else original
        assert (package / source.name).read_text(encoding="utf-8") == expected, source.name
    assert "\nNUMBER = 7\n" in (package / "variant.py").read_text()
    tests = (root / "tests" / "test_variant7.py").read_text(encoding="utf-8")
    assert tests == scaffold.SKELETON_TESTS.read_text(encoding="utf-8").replace(
        'PLUGIN = "rnnsuite.skeleton"', 'PLUGIN = "rnnsuite_variant7"')
    assert not [p for p in root.rglob("*") if p.is_file() and "rnnsuite.skeleton" in p.read_text(encoding="utf-8")]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["name"] == "rnnsuite-variant7"
    assert project["project"]["entry-points"]["rnnsuite"] == {"variant7": "rnnsuite_variant7"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rnnsuite-variant7"]  # no draft left beside it


def test_new_variant_refuses_an_existing_number_or_folder_and_writes_nothing(tmp_path):
    taken = subprocess.run([sys.executable, "-m", "rnnsuite.cli", "new-variant", "--variant", "5",
                            "--out", str(tmp_path)], capture_output=True, text=True)
    assert taken.returncode == 2 and "variant 5 already comes from plugin 'variant5'" in taken.stderr
    assert list(tmp_path.iterdir()) == []
    root = generate(tmp_path, 8)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    again = subprocess.run([sys.executable, "-m", "rnnsuite.cli", "new-variant", "--variant", "8",
                            "--out", str(tmp_path)], capture_output=True, text=True)
    assert again.returncode == 2 and again.stderr.strip() == (
        f"Error: {root} already exists; choose another folder with --out or remove it")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    zero = CliRunner().invoke(cli, ["new-variant", "--variant", "0", "--out", str(tmp_path)])
    assert zero.exit_code == 2 and "0 is not in the range x>=1" in zero.output


def test_a_failed_copy_leaves_nothing_behind(tmp_path, monkeypatch):
    def disk_full(root, number):
        (root / "half.py").write_text("")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scaffold, "write_package", disk_full)
    result = CliRunner().invoke(cli, ["new-variant", "--variant", "7", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed")
@pytest.mark.parametrize("number", [7, 12])
def test_the_copy_is_lint_clean_with_its_own_settings(tmp_path, number):
    root = generate(tmp_path, number)
    lint = subprocess.run([RUFF, "check", "--no-cache", "--select", "E,F,W,I", "."], cwd=root,
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The copy pip-installed into a target folder: the third-party path, found through its entry point."""
    parent = tmp_path_factory.mktemp("new-variant")
    root = generate(parent)
    target = parent / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                          "--no-index", "--target", str(target), str(root)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("RNNSUITE_DISABLE_PLUGIN_AUTOLOAD", None)
    return root, env


def test_installed_copy_is_found_through_its_entry_point(installed):
    _, env = installed
    proc = subprocess.run([sys.executable, "-m", "rnnsuite.cli", "list", "--json"], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    variants = {v["number"]: v for v in json.loads(proc.stdout)["variants"]}
    assert variants[7]["plugin"] == "variant7"
    assert [a["id"] for a in variants[7]["assignments"]] == ["v7.1", "v7.2", "v7.3"]
    assert [a["kind"] for a in variants[7]["assignments"]] == ["scratch", "keras", "custom"]
    assert 5 in variants  # built-ins load beside it
    assert proc.stderr == ""  # no plugin was skipped


def test_the_copys_own_tests_pass_on_the_copy(installed):
    root, env = installed
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m",
                           "not integration and not slow"], cwd=root, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]  # 5: no test ran; 1: one failed
    assert " passed" in proc.stdout and " failed" not in proc.stdout


@pytest.mark.integration
def test_the_installed_copy_runs_its_scratch_assignment(installed, tmp_path):
    _, env = installed
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "rnnsuite.cli", "run", "--variant", "7", "--task", "1", "--quick",
                           "--out", str(out), "--json"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    [result] = json.loads(proc.stdout)["results"]
    assert result["assignment"] == "v7.1" and result["status"] in ("passed", "failed")
    assert set(result["metrics"]) == {"mae", "persistence_mae", "trend_mae", "skill"}
    assert (out / "v7.1" / "frnn.npz").stat().st_size > 0 and (out / "v7.1" / "scaler.json").is_file()
