"""Notebooks: submissions, the notebook template, and the Python API a notebook calls."""
from __future__ import annotations

import json
import textwrap

import nbformat
import pytest
from click.testing import CliRunner
from conftest import LINE_PLUGIN
from grading_helpers import line_batch

from rnnsuite import api
from rnnsuite.cli import cli
from rnnsuite.errors import UserError
from rnnsuite.grading import batch, notebook

FACTORY = """from rnnsuite.types import ModelFactory

def rnnsuite_add_models():
    return [ModelFactory("line", "custom", lambda spec: {"w": 0.0})]"""


def notebook_file(path, *cells: str, markdown: str = "# my lab") -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown)] + [nbformat.v4.new_code_cell(c) for c in cells]
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def graded(tmp_path, path):
    return line_batch(tmp_path, number=98).run([(path.stem, path)])[0]


def test_a_notebook_is_graded_like_the_same_code_in_a_py_file(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    as_py = subs / "alice.py"
    as_py.write_text("import numpy as np\n\n" + FACTORY + "\n")
    as_nb = notebook_file(subs / "bob.ipynb", "import numpy as np", FACTORY)
    assert [name for name, _ in batch.discover([subs])] == ["alice", "bob"]
    alice, bob = graded(tmp_path, as_py), graded(tmp_path, as_nb)
    assert bob.status == "ok" and [(i.name, i.score) for i in bob.items] == [(i.name, i.score) for i in alice.items]
    assert bob.notes == [] and bob.score == bob.max_score > 0


def test_magics_and_shell_escapes_are_dropped_with_a_note(tmp_path):
    path = notebook_file(tmp_path / "carol.ipynb", "%matplotlib inline\nimport numpy as np\nx = 5 % 3",
                         "!pip install numpy\nfiles = !ls", "%%bash\necho hi", FACTORY)
    r = graded(tmp_path, path)
    assert r.status == "ok" and r.score == r.max_score
    assert r.notes == ["cell 2, line 1: the magic '%matplotlib inline' was not run",
                       "cell 3, line 1: the shell escape '!pip install numpy' was not run",
                       "cell 3, line 2: the shell escape 'files = !ls' was not run",
                       "cell 4: the cell magic %%bash was not run"]


def test_a_syntax_error_names_the_cell_and_the_students_line(tmp_path):
    path = notebook_file(tmp_path / "dave.ipynb", "import numpy as np", "def f(:\n    pass", FACTORY)
    r = graded(tmp_path, path)
    assert r.status == "error" and r.score == 0
    assert "dave.ipynb, cell 3, line 1" in r.assignments[0].reason and "SyntaxError" in r.assignments[0].reason


def test_an_empty_notebook_says_so(tmp_path):
    r = graded(tmp_path, notebook_file(tmp_path / "erin.ipynb"))
    assert r.status == "error" and "erin.ipynb has no code to run" in r.assignments[0].reason
    broken = tmp_path / "frank.ipynb"
    broken.write_text("{not json")
    r = graded(tmp_path, broken)
    assert r.status == "error" and "frank.ipynb is not a readable notebook" in r.assignments[0].reason


def test_the_notebook_template_and_check(tmp_path):
    result = CliRunner().invoke(cli, ["submission", "init", "--variant", "6", "--notebook", "--reference",
                                      str(tmp_path)])
    assert result.exit_code == 0, result.output
    nb = nbformat.read(str(tmp_path / "variant6_reference.ipynb"), as_version=4)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds[:2] == ["markdown", "code"] and kinds.count("markdown") == kinds.count("code")
    assert any("Задание" in c.source and "v6.1" in c.source for c in nb.cells if c.cell_type == "markdown")
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "variant6_reference.ipynb"), "--variant", "6",
                                      "--task", "1", "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["assignments"][0]["items"]
    assert all(i["passed"] for i in items if "gradient" in i["name"] or i["name"].endswith(("forward pass", "loss")))
    template = CliRunner().invoke(cli, ["submission", "init", "--variant", "6", "--notebook", str(tmp_path)])
    assert template.exit_code == 0
    cells = notebook.code_cells(tmp_path / "variant6.ipynb")
    assert any("class FRNN_v6_1" in c.source for c in cells) and any("TODO" in c.source for c in cells)


def test_the_api_gives_what_the_command_line_gives(tmp_path, write_plugin):
    plugin = str(write_plugin(LINE_PLUGIN))
    results = api.run(97, 1, quick=True, seed=3, plugins=[plugin], out=tmp_path / "api", show=False)
    CliRunner().invoke(cli, ["-p", plugin, "run", "--variant", "97", "--task", "1", "--quick", "--seed", "3",
                             "--out", str(tmp_path / "cli")])
    saved = json.loads((tmp_path / "cli" / "v97.1" / "result.json").read_text())
    assert results[0].metrics == saved["metrics"] and results[0].status == saved["status"] == "passed"
    assert api.info("v5.2")["network"] == "GRU" and 5 in [v["number"] for v in api.list()["variants"]]
    with pytest.raises(UserError, match="unknown variant 42"):
        api.run(42)


@pytest.mark.slow
def test_a_notebook_calls_the_api(tmp_path):
    """Executed by a real Jupyter kernel (nbclient + ipykernel): results, then the plots inline."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(f"""
        from rnnsuite import api
        results = api.run(6, 1, quick=True, out={str(tmp_path / "run")!r})
        print("metrics", sorted(results[0].metrics))
    """))]
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "metrics [" in text and "'mae'" in text
    images = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    assert len(images) == len([p for p in json.loads((tmp_path / "run" / "v6.1" / "result.json").read_text())
                               ["artifacts"].values() if p.endswith(".png")]) >= 2  # the plots, inline
