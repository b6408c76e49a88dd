import inspect
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from rnnsuite import hookspecs
from rnnsuite.manager import GROUP, Manager, builtins

ROOT = Path(__file__).resolve().parents[1]


def test_every_hook_is_documented():
    hooks = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("rnnsuite_")]
    assert len(hooks) >= 9
    for f in hooks:
        doc = inspect.getdoc(f) or ""
        assert len(doc) > 20, f"{f.__name__} has no docstring"
        for param in inspect.signature(f).parameters:
            assert f":param {param}:" in doc, f"{f.__name__} does not document {param}"


def test_builtins_are_the_declared_entry_points():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"][GROUP]
    assert dict(builtins()) == declared
    installed = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    assert declared.items() <= installed.items()


def test_builtins_load_through_entry_points(monkeypatch):
    monkeypatch.delenv("RNNSUITE_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    m = Manager().load()
    for name, _ in builtins():
        assert m.pm.has_plugin(name), name
    assert m.problems == []


def test_every_package_folder_is_packaged():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = cfg["package-dir"]
    listed = set(cfg["packages"])
    for top, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            name = ".".join([top, *rel.parts])
            assert name in listed, f"{name} ({init.parent}) is missing from pyproject's packages"


def test_local_plugin_file_is_loaded(write_plugin):
    from conftest import LINE_PLUGIN

    m = Manager().load((str(write_plugin(LINE_PLUGIN)),))
    assert 97 in m.registry.variants
    assert m.registry.assignment("v97.1").network == "line"
    assert m.registry.models["line"].plugin.endswith("plugin_under_test.py")


def test_a_module_name_is_imported_even_where_a_folder_of_that_name_is_here(tmp_path, monkeypatch):
    """``-p rnnsuite_variant7`` from the package's own checkout: the folder is the module, not a plugin file."""
    import textwrap

    from conftest import LINE_PLUGIN

    package = tmp_path / "line_package_here"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(LINE_PLUGIN))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    m = Manager().load(("line_package_here",))
    assert 97 in m.registry.variants and m.problems == []
    folder = Manager().load((f"{package}/",))
    assert folder.problems == [f"plugin '{package}/' skipped: no such plugin file: {package}/"]


def test_plugin_that_raises_on_import_is_skipped(write_plugin):
    bad = write_plugin("raise ImportError('no such thing as a free lunch')\n", "bad.py")
    messages = []
    m = Manager(warn=messages.append).load((str(bad),))
    assert len(messages) == 1 and "\n" not in messages[0]
    assert "bad.py" in messages[0] and "free lunch" in messages[0]
    assert 5 in m.registry.variants and 6 in m.registry.variants  # built-ins still there


def test_misspelled_hook_is_reported_and_skipped(write_plugin):
    src = "from rnnsuite import hookimpl\n@hookimpl\ndef rnnsuite_add_variant():\n    return []\n"
    m = Manager().load((str(write_plugin(src, "typo.py")),))
    assert any("rnnsuite_add_variant" in p for p in m.problems)
    assert not any(p.endswith("typo.py") for p in m.pm.list_name_plugin() if isinstance(p, str))


def test_contribution_hook_that_raises_or_returns_junk(write_plugin):
    src = """
        from rnnsuite import hookimpl
        @hookimpl
        def rnnsuite_add_variants():
            raise ValueError("boom")
        @hookimpl
        def rnnsuite_add_models():
            return ["not a factory"]
    """
    m = Manager().load((str(write_plugin(src, "junk.py")),))
    reg = m.registry
    assert any("boom" in p for p in m.problems)
    assert any("expected ModelFactory" in p for p in m.problems)
    assert 5 in reg.variants


def test_duplicate_variant_number_is_refused(write_plugin):
    from conftest import LINE_PLUGIN

    a = write_plugin(LINE_PLUGIN, "first.py")
    b = write_plugin(LINE_PLUGIN, "second.py")
    m = Manager().load((str(a), str(b)))
    assert m.registry.variants[97].plugin.endswith("first.py")
    assert any("already comes from" in p for p in m.problems)


def test_missing_plugin_module_is_one_line(tmp_path):
    m = Manager().load(("no_such_module_xyz", str(tmp_path / "missing.py")))
    assert len(m.problems) == 2
    assert all("\n" not in p for p in m.problems)


def _line_variant(write_plugin, name: str, *replacements: tuple[str, str]):
    from conftest import LINE_PLUGIN

    source = LINE_PLUGIN
    for old, new in replacements:
        assert old in source, f"{old!r} not in the line plugin"
        source = source.replace(old, new)
    return Manager().load((str(write_plugin(source, name)),))


@pytest.mark.parametrize("replacements, problem", [
    ([('model="line"', 'model="lnie"')], "names model 'lnie', which no plugin provides"),
    ([('ModelFactory("line", "custom"', 'ModelFactory("line", "keras"')], "is custom but its model 'line' is keras"),
    ([('datasets=()', 'datasets=("temperatrues",)')], "uses data set 'temperatrues', which no plugin provides"),
    ([('Bar("mae", "zero_mae"', 'Bar("mae", "zero_mea"')], "a bar's target 'zero_mea' is not a declared metric"),
    ([('kind="custom"', 'kind="scratch"'), ('ModelFactory("line", "custom"', 'ModelFactory("line", "scratch"')],
     "a scratch assignment needs a ScratchSpec"),
    ([("import Assignment,", "import ScratchSpec, Assignment,"),
      ('Assignment("v97.1",', 'Assignment("v97.1", scratch=ScratchSpec("vectors", "last", "mse"),')],
     "a custom assignment has a ScratchSpec"),
    ([('Assignment("v97.3"', 'Assignment("v97.1"')], "duplicate assignment ids"),
    ([('Assignment("v97.1"', 'Assignment("v79.1"')], "id 'v79.1' is not of the form v97.K"),
    ([('kind="custom"', 'kind="recurrent"')], "unknown kind 'recurrent' (one of scratch, keras, custom)"),
    ([("train=train,", "train=None,")], "train is not callable"),
    ([('metrics=("mae", "zero_mae")', "metrics=()")], "declares no metrics"),
    ([('Bar("mae", 0.0001', 'Bar("rmse", 0.0001')], "a bar's metric 'rmse' is not a declared metric (mae, zero_mae)"),
    ([('higher_is_better=False),)', 'higher_is_better=False, floor="worst_mae"),)')],
     "a bar's floor 'worst_mae' is not a declared metric"),
    ([("epochs=20,", 'artifact_names=("fit.txt",), epochs=20,')],
     "artifact name 'fit.txt' is not an identifier such as 'samples' or 'model'"),
])
def test_a_variant_whose_parts_do_not_fit_is_reported_in_one_line_and_skipped(write_plugin, replacements, problem):
    manager = _line_variant(write_plugin, "joins.py", *replacements)
    assert 97 not in manager.registry.variants
    assert 5 in manager.registry.variants  # the others load
    [message] = [m for m in manager.problems if "variant 97" in m]
    assert problem in message and "joins.py" in message and "\n" not in message


def test_routines_that_break_their_declarations_are_the_plugin_authors_bug(write_plugin, tmp_path):
    from rnnsuite.runner import run

    manager = _line_variant(write_plugin, "undeclared.py", (
        'return {"mae": float(np.abs(pred - split.test_targets).mean()),',
        'return {"mea": 0.0, "mae": float(np.abs(pred - split.test_targets).mean()),'))
    v = manager.registry.variant(97)
    [result] = run(manager, v, [v.assignment(1)], out_dir=tmp_path / "run")
    assert result.status == "error" and not result.input_error
    assert "plugin" in result.error and "undeclared.py" in result.error
    assert "evaluate returned undeclared mea" in result.error

    manager = _line_variant(write_plugin, "keys.py", (
        "epochs=20,", 'artifacts=lambda ctx, split, pred, model: {"fit.txt": ctx.path("fit.txt")}, epochs=20,'))
    v = manager.registry.variant(97)  # nothing declared, so the join shows only when the routine runs
    [result] = run(manager, v, [v.assignment(1)], out_dir=tmp_path / "run2")
    assert result.status == "error" and "keys.py" in result.error
    assert "artifacts returned undeclared fit.txt (Assignment.artifact_names: none)" in result.error
    assert result.metrics["mae"] < result.metrics["zero_mae"]  # what finished is kept


RUN_TIME_BREAKS = {
    "a declared metric is missing": (
        [('metrics=("mae", "zero_mae")', 'metrics=("mae", "zero_mae", "rmse")')],
        "v97.1's evaluate did not return declared rmse (Assignment.metrics: mae, rmse, zero_mae)"),
    "a declared artifact is missing": (
        [("epochs=20,", 'artifact_names=("fit",), epochs=20,')],
        "v97.1's artifacts did not return declared fit (Assignment.artifact_names: fit)"),
    "a history recorded but not declared": (
        [("        return model\n", '        ctx.record_history({"loss": [1.0, 0.5]})\n        return model\n')],
        "v97.1's artifacts returned undeclared history (Assignment.artifact_names: none)"),
    "prepare returns no Split": (
        [('Assignment("v97.1", prepare=prepare,', 'Assignment("v97.1", prepare=lambda ctx: {"x": 1},')],
        "v97.1's prepare returned a dict, not a Split"),
    "a scratch spec without m": (
        [("import Assignment,", "import ScratchSpec, Assignment,"),
         ('kind="custom"', 'kind="scratch", scratch=ScratchSpec("vectors", "last", "mse")'),
         ('ModelFactory("line", "custom"', 'ModelFactory("line", "scratch"')],
        "v97.1 is a scratch assignment, but its spec has no positive integer m (the FRNN's input and output sizes)"),
    "an object in ctx.info": (
        [("        return model\n", "        ctx.info['scaler'] = ctx.out_dir\n        return model\n")],
        "v97.1's info.scaler is a PosixPath, which JSON cannot hold"),
}


@pytest.mark.parametrize("replacements, message", RUN_TIME_BREAKS.values(), ids=RUN_TIME_BREAKS)
def test_each_declaration_a_routine_breaks_is_caught_naming_the_plugin(write_plugin, tmp_path, replacements,
                                                                      message):
    """What no load-time check can see: the routines' answers against the assignment's declarations."""
    from rnnsuite.runner import run

    manager = _line_variant(write_plugin, "breaks.py", *replacements)
    v = manager.registry.variant(97)
    assert manager.problems == []  # it loaded: only running it shows the break
    [result] = run(manager, v, [v.assignment(1)], out_dir=tmp_path / "run")
    assert result.status == "error" and not result.input_error
    assert result.error.startswith("PluginBug: plugin ") and "breaks.py" in result.error, result.error
    assert message in result.error and "\n" not in result.error
    assert "PluginBug" in (tmp_path / "run" / "v97.1" / "error.log").read_text()


def test_hooks_are_called_through_pluggy_with_wrappers_and_arguments(write_plugin):
    src = """
        from rnnsuite import hookimpl
        SEEN = []

        @hookimpl(wrapper=True)
        def rnnsuite_add_graders():
            answers = yield
            SEEN.append(answers)
            return answers
    """
    path = write_plugin(src, "wrapper.py")
    m = Manager().load((str(path),))
    assert {"metric-bars", "bptt-gradients"} <= set(m.registry.graders)
    plugin = m.pm.get_plugin(str(path))
    assert plugin.SEEN, "the wrapper wrapped the built-in graders' calls"
    assert m.problems == []


def test_tracing_prints_who_answered(monkeypatch, capsys):
    monkeypatch.setenv("RNNSUITE_TRACE_PLUGINS", "1")
    Manager().load().registry
    err = capsys.readouterr().err
    assert "rnnsuite trace: rnnsuite_add_variants() -> variant5" in err
    assert "rnnsuite trace: rnnsuite_add_datasets() -> datasets" in err


def test_a_reporter_that_raises_is_dropped_and_the_run_goes_on(write_plugin, tmp_path):
    from conftest import LINE_PLUGIN

    from rnnsuite.runner import run

    broken = write_plugin("""
        from rnnsuite import hookimpl
        CALLS = []

        @hookimpl
        def rnnsuite_epoch_ended(assignment, epoch, epochs, logs):
            CALLS.append(epoch)
            raise RuntimeError("my reporter is broken")
    """, "broken_reporter.py")
    messages: list[str] = []
    manager = Manager(warn=messages.append).load((str(write_plugin(LINE_PLUGIN)), str(broken)))
    v = manager.registry.variant(97)
    [result] = run(manager, v, [v.assignment(1)], out_dir=tmp_path / "run", quick=True)
    assert result.status == "passed"  # the run finished, the JSON reporter wrote its files
    assert (tmp_path / "run" / "v97.1" / "result.json").is_file() and (tmp_path / "run" / "summary.json").is_file()
    [message] = [m for m in messages if "broken_reporter.py" in m]
    assert "rnnsuite_epoch_ended raised RuntimeError: my reporter is broken" in message and "dropped" in message
    assert not any(name.endswith("broken_reporter.py") for name, _ in manager.pm.list_name_plugin())  # dropped once
