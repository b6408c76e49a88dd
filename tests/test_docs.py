"""docs/plugins.md documents every hook and every field a plugin builds or receives (as datasette's test_docs.py).

Each hook is a ``### `rnnsuite_x(arg, ...) -> ...` `` heading under "## Hooks"
with the hook's own arguments; each type is a ``### `Name` `` section whose
table names every dataclass field and every public method or property, and
nothing the type does not have.  Adding a hook, a field or a method without a
line in the guide fails here.
"""
from __future__ import annotations

import dataclasses
import inspect
import re
import types
from pathlib import Path

import pytest

from rnnsuite import hookspecs
from rnnsuite.context import RunContext
from rnnsuite.types import (
    Assignment,
    Bar,
    BarCheck,
    Dataset,
    GradeItem,
    Grader,
    ModelFactory,
    Outcome,
    RunResult,
    ScratchSpec,
    Split,
    Variant,
)

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
TYPES = (Dataset, ModelFactory, Bar, BarCheck, Split, ScratchSpec, Assignment, Variant, GradeItem, Outcome, Grader,
         RunResult, RunContext)


def sections(text: str, level: str = "###") -> dict[str, str]:
    """``{heading: body}`` for every heading of that level; the body ends at the next heading of any level."""
    parts = re.split(rf"^({level} .*)$", text, flags=re.M)
    return {head[len(level) + 1:].strip(): re.split(r"^#{1,6} ", body, flags=re.M)[0]
            for head, body in zip(parts[1::2], parts[2::2])}


def chapter(text: str, title: str) -> str:
    """The text of a ``## title`` chapter, its ``###`` sections included."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"no '## {title}' chapter"
    return match.group(1)


def hook_names(module) -> dict[str, list[str]]:
    """Every hook a module declares, with its arguments in order."""
    return {name: list(inspect.signature(f).parameters) for name, f in vars(module).items()
            if name.startswith("rnnsuite_") and inspect.isfunction(f)}


def documented_hooks(text: str) -> dict[str, list[str]]:
    """The hooks of the "Hooks" chapter's headings, ``### `name(a, b) -> T` ``, with their arguments."""
    found = {}
    for heading in sections(chapter(text, "Hooks")):
        match = re.fullmatch(r"`(rnnsuite_\w+)\(([^)]*)\)(?: -> [^`]+)?`", heading)
        if match:
            found[match.group(1)] = [a.strip() for a in match.group(2).split(",") if a.strip()]
    return found


def hook_problems(module, text: str) -> list[str]:
    declared, documented = hook_names(module), documented_hooks(text)
    problems = [f"hook {name} is not documented" for name in declared if name not in documented]
    problems += [f"hook {name} is documented as ({', '.join(documented[name])}) but takes ({', '.join(args)})"
                 for name, args in declared.items() if name in documented and documented[name] != args]
    problems += [f"hook {name} is documented but does not exist" for name in documented if name not in declared]
    return problems


def members(cls: type) -> set[str]:
    """What a plugin author meets on a type: its dataclass fields and its public methods and properties."""
    names = {f.name for f in dataclasses.fields(cls)}
    for klass in cls.__mro__[:-1]:
        names |= {name for name, value in vars(klass).items() if not name.startswith("_")
                  and (inspect.isfunction(value) or isinstance(value, (property, classmethod, staticmethod)))}
    return names


def documented_members(section: str) -> set[str]:
    """The names in the first column of a section's table: `` `name` `` or `` `name(args)` ``."""
    return set(re.findall(r"^\| `([A-Za-z_]\w*)(?:\([^`]*\))?` \|", section, flags=re.M))


def type_problems(cls: type, text: str) -> list[str]:
    section = sections(text).get(f"`{cls.__name__}`")
    if section is None:
        return [f"{cls.__name__} has no '### `{cls.__name__}`' section"]
    have, documented = members(cls), documented_members(section)
    return ([f"{cls.__name__}.{name} is not documented" for name in sorted(have - documented)]
            + [f"{cls.__name__}.{name} is documented but does not exist" for name in sorted(documented - have)])


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_every_hook_is_in_the_guide_with_its_arguments(guide):
    assert hook_problems(hookspecs, guide) == []
    assert len(documented_hooks(guide)) == len(hook_names(hookspecs)) >= 9


@pytest.mark.parametrize("cls", TYPES, ids=lambda cls: cls.__name__)
def test_every_field_and_method_of_the_type_is_in_its_section(guide, cls):
    assert type_problems(cls, guide) == []


def test_a_new_field_or_method_without_docs_fails():
    """The checks on a copy of Assignment with one more field, a RunContext with one more method."""
    text = GUIDE.read_text(encoding="utf-8")
    grown = dataclasses.make_dataclass("Assignment", [("seeds", tuple, dataclasses.field(default=()))],
                                       bases=(Assignment,), frozen=True)
    assert type_problems(grown, text) == ["Assignment.seeds is not documented"]

    class RunContextPlus(RunContext):
        def checkpoint(self, name):
            return self.path(name)

    RunContextPlus.__name__ = "RunContext"
    assert type_problems(RunContextPlus, text) == ["RunContext.checkpoint is not documented"]
    shrunk = dataclasses.make_dataclass("GradeItem", [("name", str), ("score", float)])
    assert type_problems(shrunk, text) == ["GradeItem.max_score is documented but does not exist",
                                           "GradeItem.message is documented but does not exist",
                                           "GradeItem.passed is documented but does not exist"]


def test_a_new_hook_or_a_changed_signature_without_docs_fails():
    text = GUIDE.read_text(encoding="utf-8")
    specs = types.ModuleType("specs")
    vars(specs).update({name: f for name, f in vars(hookspecs).items() if name.startswith("rnnsuite_")})

    def rnnsuite_add_reporters() -> list:
        """A hook nobody documented."""

    def rnnsuite_epoch_ended(assignment, epoch, epochs, logs, seconds) -> None:
        """One more argument than the guide shows."""

    specs.rnnsuite_add_reporters = rnnsuite_add_reporters
    specs.rnnsuite_epoch_ended = rnnsuite_epoch_ended
    assert hook_problems(specs, text) == [
        "hook rnnsuite_add_reporters is not documented",
        "hook rnnsuite_epoch_ended is documented as (assignment, epoch, epochs, logs) but takes "
        "(assignment, epoch, epochs, logs, seconds)"]


def test_the_extraction_reads_headings_and_tables_on_a_synthetic_page():
    page = ("# Guide\n\n## Hooks\n\n### `rnnsuite_a(x, y) -> None`\n\ntext\n\n### `not_a_hook()`\n\n"
            "## Values\n\n### `Thing`\n\n| field | type | meaning |\n|---|---|---|\n| `size` | int | how big |\n"
            "| `grow(by=1)` | method | more |\nnot a row: `shrink` |\n\n### `Other`\n\n| `size2` | int | x |\n")
    assert documented_hooks(page) == {"rnnsuite_a": ["x", "y"]}
    assert documented_members(sections(page)["`Thing`"]) == {"size", "grow"}
    assert "size2" not in sections(page)["`Thing`"]


def test_the_readme_points_plugin_authors_to_the_guide():
    readme = (GUIDE.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/plugins.md" in chapter(readme, "Writing a plugin")
