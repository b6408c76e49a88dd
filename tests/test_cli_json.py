"""Every command's --help, and every --json output against its table in docs/cli.md."""
import json
import textwrap

import click
import pytest
from cli_schema import check, schemas
from click.testing import CliRunner
from conftest import LINE_PLUGIN
from grading_helpers import GOOD_LINE

from rnnsuite.cli import COMMANDS, cli
from rnnsuite.manager import Manager


def every_command() -> list[tuple[str, ...]]:
    """The path of every command and sub-command: ("run",), ("data", "list"), ..."""
    paths = []
    for name in sorted(COMMANDS):
        command = cli.get_command(None, name)
        paths.append((name,))
        if isinstance(command, click.Group):
            paths += [(name, sub) for sub in sorted(command.commands)]
    return paths


def json_commands() -> set[str]:
    """``rnnsuite data list --json`` for every command that has a --json option."""
    found = set()
    for path in every_command():
        command = cli
        for name in path:
            command = command.get_command(None, name)
        if any("--json" in p.opts for p in command.params):
            found.add(" ".join(("rnnsuite", *path, "--json")))
    return found


@pytest.mark.parametrize("path", every_command(), ids=" ".join)
def test_every_command_has_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith(f"Usage: rnnsuite {' '.join(path)} ")
    assert len(result.stdout.splitlines()) > 3  # a description and the options, not just the usage line


def test_every_json_option_has_a_documented_schema_and_back():
    documented = set(schemas())
    assert json_commands() == documented
    assert {"rnnsuite info --json", "rnnsuite data list --json", "rnnsuite run --json",
            "rnnsuite grade --json"} <= documented


@pytest.fixture
def line_plugin(write_plugin):
    return str(write_plugin(LINE_PLUGIN))


def json_output(args: list[str]) -> dict:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output  # run exits 1 when an assignment raised (v97.2 does)
    return json.loads(result.stdout)  # the whole of stdout is the one document


def test_list_json(line_plugin):
    doc = json_output(["-p", line_plugin, "list", "--json"])
    assert check(doc, schemas()["rnnsuite list --json"]) == []
    shipped = sorted(Manager().load().registry.variants)
    assert [v["number"] for v in doc["variants"]] == [*shipped, 97] and doc["schema"] == 1
    assert [p["number"] for p in doc["planned"]] == [n for n in (1, 2, 3, 4) if n not in shipped]


def test_info_json():
    doc = json_output(["info", "v6.1", "--json"])
    assert check(doc, schemas()["rnnsuite info --json"]) == []
    assert doc["id"] == "v6.1" and doc["bars"] and doc["datasets"][0]["name"] == "temperatures"


def test_data_list_json(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSUITE_DATA_DIR", str(tmp_path))
    doc = json_output(["data", "list", "--json"])
    assert check(doc, schemas()["rnnsuite data list --json"]) == []
    cards = {d["name"]: d for d in doc["datasets"]}
    assert cards["temperatures"]["needs"] == ["vega_datasets==0.9.0"] and cards["temperatures"]["cached"] is False
    assert cards["temperatures"]["used_by"] == ["v6.1", "v6.3"] and "v3.3" in cards["digits"]["meant_for"]


def test_run_json_is_the_summary(line_plugin, tmp_path):
    out = tmp_path / "run"
    doc = json_output(["-p", line_plugin, "run", "--variant", "97", "--out", str(out), "--json"])
    assert check(doc, schemas()["rnnsuite run --json"]) == []
    assert doc == json.loads((out / "summary.json").read_text())
    assert [r["status"] for r in doc["results"]] == ["passed", "error", "failed"]
    assert doc["results"][0]["bars"][0]["passed"] is True and doc["variant"] == 97


def test_grade_json_is_the_gradebook(line_plugin, tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "alice.py").write_text(textwrap.dedent(GOOD_LINE))
    (tmp_path / "subs" / "bob.py").write_text("syntax error(")
    doc = json_output(["-p", line_plugin, "grade", str(tmp_path / "subs"), "--variant", "97", "--task", "1",
                       "--timeout", "30", "--out", str(tmp_path / "grades"), "--json"])
    assert check(doc, schemas()["rnnsuite grade --json"]) == []
    students = {s["student"]: s for s in doc["students"]}
    assert students["alice"]["score"] == students["alice"]["max_score"] > 0
    assert students["bob"]["score"] == 0 and students["bob"]["status"] == "error"


def test_gradcheck_json():
    doc = json_output(["gradcheck", "--every-step", "--loss", "mse", "--json"])
    assert check(doc, schemas()["rnnsuite gradcheck --json"]) == []
    assert [p["name"] for p in doc["params"]] == ["W", "U", "V", "b_h", "b_y"] and "output='all'" in doc["model"]


def test_the_checker_rejects_what_the_page_does_not_say():
    fields = schemas()["rnnsuite list --json"]
    good = json_output(["list", "--json"])
    assert check(good, fields) == []
    bad = {**good, "schema": "1", "surprise": 1}
    bad["variants"] = [{k: v for k, v in good["variants"][0].items() if k != "title"}]
    assert sorted(check(bad, fields)) == ["schema: str '1' is not int", "surprise: not documented",
                                          "variants[].title: documented but missing"]


def test_the_page_parser_reads_types_and_refuses_unknown_ones():
    page = "### `rnnsuite x --json`\n\n| field | type | meaning |\n|---|---|---|\n| `a` | int or null | it |\n"
    assert schemas(page) == {"rnnsuite x --json": {"a": ("int", "null")}}
    with pytest.raises(AssertionError, match="unknown type"):
        schemas(page.replace("int or null", "integer"))
