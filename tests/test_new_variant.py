import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from rnnsuite.cli import cli


def test_new_variant_writes_a_package_that_lists(tmp_path):
    result = CliRunner().invoke(cli, ["new-variant", "--variant", "7", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "rnnsuite-variant7"
    plugin = root / "rnnsuite_variant7" / "__init__.py"
    assert (root / "pyproject.toml").exists() and plugin.exists()
    listed = CliRunner().invoke(cli, ["-p", str(plugin), "list", "--json"])
    ids = [a["id"] for v in json.loads(listed.output)["variants"] if v["number"] == 7 for a in v["assignments"]]
    assert ids == ["v7.1", "v7.2", "v7.3"]


def test_new_variant_refuses_an_existing_number_or_folder(tmp_path):
    taken = subprocess.run([sys.executable, "-m", "rnnsuite.cli", "new-variant", "--variant", "5",
                            "--out", str(tmp_path)], capture_output=True, text=True)
    assert taken.returncode == 2 and "already comes from" in taken.stderr
    assert CliRunner().invoke(cli, ["new-variant", "--variant", "8", "--out", str(tmp_path)]).exit_code == 0
    again = subprocess.run([sys.executable, "-m", "rnnsuite.cli", "new-variant", "--variant", "8",
                            "--out", str(tmp_path)], capture_output=True, text=True)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_installed_skeleton_is_found_through_its_entry_point(tmp_path):
    """The third-party path: pip-install the package, autoload finds it."""
    CliRunner().invoke(cli, ["new-variant", "--variant", "7", "--out", str(tmp_path)])
    target = tmp_path / "site"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(target), str(tmp_path / "rnnsuite-variant7")],
        capture_output=True, text=True,
    )
    assert pip.returncode == 0, pip.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("RNNSUITE_DISABLE_PLUGIN_AUTOLOAD", None)
    proc = subprocess.run([sys.executable, "-m", "rnnsuite.cli", "list", "--json"], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    variants = {v["number"]: v for v in json.loads(proc.stdout)["variants"]}
    assert variants[7]["plugin"] == "variant7"
    assert 5 in variants  # built-ins load beside it


@pytest.mark.integration
def test_skeleton_runs_its_scratch_assignment(tmp_path):
    CliRunner().invoke(cli, ["new-variant", "--variant", "7", "--out", str(tmp_path)])
    plugin = tmp_path / "rnnsuite-variant7" / "rnnsuite_variant7" / "__init__.py"
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["-p", str(plugin), "run", "--variant", "7", "-t", "1", "--quick",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "v7.1" / "result.json").read_text())
    assert saved["metrics"]["mae"] > 0 and saved["metrics"]["persistence_mae"] > 0
