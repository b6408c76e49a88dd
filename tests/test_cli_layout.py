"""`rnnsuite list` and `rnnsuite data list` read well at 80 and 120 columns: one line per item, --long for the rest."""
import pytest
from click.testing import CliRunner

from rnnsuite.cli import cli
from rnnsuite.manager import Manager

REGISTRY = Manager().load().registry
ASSIGNMENTS = [a for c in REGISTRY.variants.values() for a in c.value.assignments]


def show(width: int, *args: str) -> list[str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line.rstrip()) <= width for line in lines), [line for line in lines if len(line.rstrip()) > width]
    return lines


def rows(lines: list[str], key: str) -> list[str]:
    return [line for line in lines if line.split()[:1] == [key]]


@pytest.mark.parametrize("width", [80, 120])
def test_list_is_one_line_per_assignment(width):
    lines = show(width, "list")
    for a in ASSIGNMENTS:
        (row,) = rows(lines, a.id)
        assert row.split()[1] == a.kind and ", ".join(a.datasets) in row
    assert len(lines) <= len(ASSIGNMENTS) + 10  # a title, the header, hints: not a hundred lines
    if width >= 120:  # room for the task, cut with an ellipsis
        assert all(rows(lines, a.id)[0].rstrip().endswith("…") or a.task_en in rows(lines, a.id)[0]
                   for a in ASSIGNMENTS)
        assert any(a.task_en[:30] in rows(lines, a.id)[0] for a in ASSIGNMENTS)


@pytest.mark.parametrize("width", [80, 120])
def test_list_long_shows_every_whole_task_wrapped(width):
    text = " ".join(" ".join(show(width, "list", "--long")).split())
    for a in ASSIGNMENTS:
        assert " ".join(a.task_en.split()) in text and a.model in text


@pytest.mark.parametrize("width", [80, 120])
def test_data_list_is_one_line_per_set_with_readable_titles(width, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNSUITE_DATA_DIR", str(tmp_path))
    lines = show(width, "data", "list")
    for name, c in REGISTRY.datasets.items():
        (row,) = rows(lines, name)
        title_shown = row.rstrip().split("  ")[-1].strip().rstrip("…")
        full = c.value.title + (" (substitute)" if c.value.substitute_for else "")
        assert len(title_shown) >= 20 and full.startswith(title_shown)  # not squeezed into 6 columns
        assert f" {'no' if c.value.needs else '-'} " in row  # an empty cache; "-": generated
    assert len(lines) <= len(REGISTRY.datasets) + 4


@pytest.mark.parametrize("width", [80, 120])
def test_data_list_long_shows_every_whole_card(width):
    text = " ".join(" ".join(show(width, "data", "list", "--long")).split())
    for name, c in REGISTRY.datasets.items():
        assert f"{name}: {c.value.title}" in text and " ".join(c.value.licence.split()) in text
