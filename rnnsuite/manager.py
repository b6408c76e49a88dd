"""Loading plugins and collecting what they contribute.

Built-ins and third-party plugins come through the entry-point group
``rnnsuite``; ``-p MODULE_OR_FILE.py`` adds a local one.  A plugin that fails
to import, to register, or inside a contribution hook is reported in one line
and skipped: the rest keep working.  ``RNNSUITE_DISABLE_PLUGIN_AUTOLOAD=1``
skips entry points and loads only the built-ins (named in ``BUILTINS``), so
tests are not disturbed by whatever else is installed.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Callable

import pluggy

from rnnsuite import hookspecs
from rnnsuite.types import Assignment, Dataset, Grader, ModelFactory, Variant

GROUP = "rnnsuite"
DISABLE_AUTOLOAD = "RNNSUITE_DISABLE_PLUGIN_AUTOLOAD"

#: The built-in plugins, as declared in pyproject's entry points.
BUILTINS: tuple[tuple[str, str], ...] = (
    ("datasets", "rnnsuite.datasets"),
    ("graders", "rnnsuite.graders"),
    ("reporters", "rnnsuite.reporters"),
    ("variant5", "rnnsuite.plugins.variant5"),
    ("variant6", "rnnsuite.plugins.variant6"),
)


class PluginError(Exception):
    """A plugin could not be loaded; the message is one line."""


@dataclass
class Contribution:
    """An object a plugin contributed, and the plugin it came from."""

    value: Any
    plugin: str


@dataclass
class Registry:
    """Everything the loaded plugins contributed, by name."""

    variants: dict[int, Contribution] = field(default_factory=dict)
    datasets: dict[str, Contribution] = field(default_factory=dict)
    models: dict[str, Contribution] = field(default_factory=dict)
    graders: dict[str, Contribution] = field(default_factory=dict)

    def variant(self, number: int) -> Variant:
        return self.variants[number].value

    def dataset(self, name: str) -> Dataset:
        return self.datasets[name].value

    def model(self, name: str) -> ModelFactory:
        return self.models[name].value

    def assignment(self, ident: str) -> Assignment:
        """Look up ``v5.2`` (or ``5.2``)."""
        v, _, k = ident.lower().lstrip("v").partition(".")
        return self.variant(int(v)).assignment(int(k))

    def graders_for(self, assignment: Assignment) -> list[Grader]:
        return [c.value for c in self.graders.values() if c.value.applies(assignment)]


class Manager:
    """A pluggy PluginManager plus the one-line reporting of broken plugins."""

    def __init__(self, warn: Callable[[str], None] | None = None):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.problems: list[str] = []
        self._warn = warn
        self._registry: Registry | None = None

    @property
    def hook(self):
        return self.pm.hook

    def problem(self, message: str) -> None:
        message = " ".join(str(message).split())  # always one line
        self.problems.append(message)
        if self._warn:
            self._warn(message)

    # -- loading -----------------------------------------------------------
    def load(self, extra: tuple[str, ...] = ()) -> "Manager":
        if os.environ.get(DISABLE_AUTOLOAD, "").strip() not in ("", "0"):
            for name, module in BUILTINS:
                self._register_safely(name, lambda m=module: importlib.import_module(m))
        else:
            for ep in entry_points(group=GROUP):
                self._register_safely(ep.name, ep.load)
        for spec in extra:
            self._register_safely(spec, lambda s=spec: import_plugin(s))
        return self

    def _register_safely(self, name: str, load: Callable[[], Any]) -> None:
        if self.pm.has_plugin(name):
            return
        try:
            plugin = load()
        except PluginError as exc:
            self.problem(f"plugin {name!r} skipped: {exc}")
            return
        except BaseException as exc:  # noqa: BLE001 - a plugin may raise anything
            if isinstance(exc, KeyboardInterrupt):
                raise
            self.problem(f"plugin {name!r} skipped: failed to import: {type(exc).__name__}: {exc}")
            return
        try:
            self.pm.register(plugin, name=name)
            self.pm.check_pending()  # a misspelled hook name is an error
        except Exception as exc:  # noqa: BLE001
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            self.problem(f"plugin {name!r} skipped: {exc}")

    # -- contributions -----------------------------------------------------
    def collect(self, hook_name: str, kind: type) -> list[Contribution]:
        """Call a contribution hook plugin by plugin, keeping the good answers."""
        out: list[Contribution] = []
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            name = impl.plugin_name
            try:
                values = impl.function()
            except Exception as exc:  # noqa: BLE001
                self.problem(f"plugin {name!r}: {hook_name} raised {type(exc).__name__}: {exc}")
                continue
            if values is None:
                continue
            if not isinstance(values, (list, tuple)):
                self.problem(f"plugin {name!r}: {hook_name} must return a list, got {type(values).__name__}")
                continue
            for v in values:
                if isinstance(v, kind):
                    out.append(Contribution(v, name))
                else:
                    self.problem(
                        f"plugin {name!r}: {hook_name} returned a {type(v).__name__}, expected {kind.__name__}"
                    )
        return out

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = self._build_registry()
        return self._registry

    def _build_registry(self) -> Registry:
        reg = Registry()

        def add(table: dict, key, c: Contribution, what: str) -> None:
            if key in table:
                self.problem(f"plugin {c.plugin!r}: {what} {key!r} already comes from {table[key].plugin!r}; ignored")
            else:
                table[key] = c

        for c in self.collect("rnnsuite_add_datasets", Dataset):
            add(reg.datasets, c.value.name, c, "dataset")
        for c in self.collect("rnnsuite_add_models", ModelFactory):
            add(reg.models, c.value.name, c, "model")
        for c in self.collect("rnnsuite_add_graders", Grader):
            add(reg.graders, c.value.name, c, "grader")
        for c in self.collect("rnnsuite_add_variants", Variant):
            problem = _variant_problem(c.value)
            if problem:
                self.problem(f"plugin {c.plugin!r}: variant {c.value.number}: {problem}; ignored")
            else:
                add(reg.variants, c.value.number, c, "variant")
        return reg


def _variant_problem(v: Variant) -> str | None:
    ids = [a.id for a in v.assignments]
    for a in v.assignments:
        if not re.fullmatch(rf"v{v.number}\.[1-9][0-9]*", a.id):
            return f"assignment id {a.id!r} is not of the form v{v.number}.K"
        if a.kind not in ("scratch", "keras", "custom"):
            return f"assignment {a.id} has unknown kind {a.kind!r}"
    if len(set(ids)) != len(ids):
        return "duplicate assignment ids"
    return None


def import_plugin(spec: str) -> Any:
    """Import a plugin given as a file path (``my_plugin.py``) or a module name."""
    path = Path(spec)
    if spec.endswith(".py") or path.exists():
        if not path.is_file():
            raise PluginError(f"no such plugin file: {spec}")
        mod_name = f"rnnsuite_local_{path.stem}_{abs(hash(str(path.resolve()))) & 0xFFFFFF:x}"
        loader_spec = importlib.util.spec_from_file_location(mod_name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise PluginError(f"cannot import {spec}")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[mod_name] = module
        try:
            loader_spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(mod_name, None)
            raise
        return module
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        if exc.name == spec:
            raise PluginError(f"no module named {spec!r} (give a module name or a .py file)") from None
        raise
