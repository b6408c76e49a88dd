"""Loading plugins, collecting what they contribute, and checking how it fits together.

Built-ins and third-party plugins come through the entry-point group
``rnnsuite``; ``-p MODULE_OR_FILE.py`` adds a local one.  The built-ins are
the entry points of the rnnsuite distribution itself (pyproject.toml is the
one list); ``RNNSUITE_DISABLE_PLUGIN_AUTOLOAD=1`` loads only those, so tests
are not disturbed by whatever else is installed.

Hooks are called through pluggy, with their arguments, wrappers included.
A plugin that fails to import, to register, or inside a contribution hook,
returns junk, or contributes a variant whose parts do not fit (a model name
no plugin provides, a factory of another kind, a bar on an undeclared
metric, ...) is reported in one line naming it, and skipped: the rest keep
working.  ``RNNSUITE_TRACE_PLUGINS=1`` prints which plugin answered which
hook.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution, entry_points
from pathlib import Path
from typing import Any, Callable

import pluggy

from rnnsuite import hookspecs
from rnnsuite.types import KINDS, Assignment, Dataset, Grader, ModelFactory, Variant

GROUP = "rnnsuite"
DISABLE_AUTOLOAD = "RNNSUITE_DISABLE_PLUGIN_AUTOLOAD"
TRACE = "RNNSUITE_TRACE_PLUGINS"
#: artifact names are identifiers naming the content ("samples", "model"); the file name is the plugin's
ARTIFACT_NAME = re.compile(r"[a-z][a-z0-9_]*")
MODULE_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def builtins() -> tuple[tuple[str, str], ...]:
    """(name, module) of the built-in plugins: rnnsuite's own entry points, in declaration order."""
    try:
        eps = distribution("rnnsuite").entry_points
    except PackageNotFoundError:  # pragma: no cover - rnnsuite always runs installed
        return ()
    return tuple((ep.name, ep.value) for ep in eps if ep.group == GROUP)


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
        if os.environ.get(TRACE, "").strip() not in ("", "0"):
            self.pm.add_hookcall_monitoring(_trace_before, _trace_after)

    @property
    def hook(self) -> "SafeRelay":
        """The lifecycle hooks, broadcast through pluggy; a plugin that raises in one is reported and dropped."""
        return SafeRelay(self)

    def isolate(self, hook_name: str, kwargs: dict[str, Any]) -> list[Any]:
        """Call ``hook_name`` plugin by plugin; report and unregister each one that raises."""
        answers = []
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):
            others = [i.plugin for i in getattr(self.pm.hook, hook_name).get_hookimpls() if i is not impl]
            try:
                answers += self.pm.subset_hook_caller(hook_name, remove_plugins=others)(**kwargs)
            except Exception as exc:  # noqa: BLE001 - one reporter's bug must not stop a run
                self.problem(f"plugin {impl.plugin_name!r}: {hook_name} raised {type(exc).__name__}: {exc}; "
                             "the plugin is dropped for the rest of this run")
                self.pm.unregister(impl.plugin)
        return answers

    def problem(self, message: str) -> None:
        message = " ".join(str(message).split())  # always one line
        self.problems.append(message)
        if self._warn:
            self._warn(message)

    # -- loading -----------------------------------------------------------
    def load(self, extra: tuple[str, ...] = ()) -> "Manager":
        if os.environ.get(DISABLE_AUTOLOAD, "").strip() not in ("", "0"):
            for name, module in builtins():
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
    def collect(self, hook_name: str, kind: type, **kwargs: Any) -> list[Contribution]:
        """Call a contribution hook through pluggy, one plugin at a time, keeping the good answers.

        Each plugin's implementation is called through a subset hook caller
        holding it and every wrapper, so wrappers and arguments work as in a
        plain pluggy call while one plugin's exception is only its own.
        Plugins answer in pluggy's order (the last registered first; tryfirst
        and trylast honoured).
        """
        caller = getattr(self.pm.hook, hook_name)
        impls = caller.get_hookimpls()
        wrappers = {i.plugin_name for i in impls if i.hookwrapper or i.wrapper}
        answering = [i for i in reversed(impls) if not (i.hookwrapper or i.wrapper)]
        out: list[Contribution] = []
        for impl in answering:
            name = impl.plugin_name
            others = [i.plugin for i in impls if i.plugin_name not in (name, *wrappers)]
            try:
                answers = self.pm.subset_hook_caller(hook_name, remove_plugins=others)(**kwargs)
            except Exception as exc:  # noqa: BLE001 - one plugin's bug is reported, not raised
                self.problem(f"plugin {name!r}: {hook_name} raised {type(exc).__name__}: {exc}")
                continue
            for values in answers:
                if not isinstance(values, (list, tuple)):
                    self.problem(f"plugin {name!r}: {hook_name} must return a list, got {type(values).__name__}")
                    continue
                for v in values:
                    if isinstance(v, kind):
                        out.append(Contribution(v, name))
                    else:
                        self.problem(f"plugin {name!r}: {hook_name} returned a {type(v).__name__}, "
                                     f"expected {kind.__name__}")
        return out

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = self._build_registry()
        return self._registry

    def _build_registry(self) -> Registry:
        reg = Registry()
        order = {name: i for i, (name, _) in enumerate(self.pm.list_name_plugin())}

        def add(table: dict, key, c: Contribution, what: str) -> None:
            """The first registered plugin keeps a name (built-ins load first)."""
            old = table.get(key)
            if old is not None and order.get(old.plugin, 0) <= order.get(c.plugin, 0):
                self.problem(f"plugin {c.plugin!r}: {what} {key!r} already comes from {old.plugin!r}; ignored")
                return
            if old is not None:
                self.problem(f"plugin {old.plugin!r}: {what} {key!r} already comes from {c.plugin!r}; ignored")
            table[key] = c

        for c in self.collect("rnnsuite_add_datasets", Dataset):
            add(reg.datasets, c.value.name, c, "dataset")
        for c in self.collect("rnnsuite_add_models", ModelFactory):
            if c.value.kind not in KINDS:
                self.problem(f"plugin {c.plugin!r}: model {c.value.name!r} has unknown kind {c.value.kind!r} "
                             f"(one of {', '.join(KINDS)}); ignored")
                continue
            add(reg.models, c.value.name, c, "model")
        for c in self.collect("rnnsuite_add_graders", Grader):
            add(reg.graders, c.value.name, c, "grader")
        for c in self.collect("rnnsuite_add_variants", Variant):
            problem = variant_problem(c.value, reg)
            if problem:
                self.problem(f"plugin {c.plugin!r}: variant {c.value.number}: {problem}; variant ignored")
            else:
                add(reg.variants, c.value.number, c, "variant")
        return reg


class SafeRelay:
    """``manager.hook.rnnsuite_epoch_ended(...)``: one plain pluggy call; if a plugin raises, the call is
    repeated plugin by plugin, the culprit reported in one line and unregistered, and the others still run."""

    def __init__(self, manager: Manager):
        self._manager = manager

    def __getattr__(self, hook_name: str) -> Callable[..., list[Any]]:
        caller = getattr(self._manager.pm.hook, hook_name)

        def call(**kwargs: Any) -> list[Any]:
            try:
                return caller(**kwargs)
            except Exception:  # noqa: BLE001 - find and drop the plugin that raised
                return self._manager.isolate(hook_name, kwargs)

        return call


def variant_problem(v: Variant, reg: Registry) -> str | None:
    """The first part of a variant that does not fit the rest, in one line, or None."""
    ids = [a.id for a in v.assignments]
    if len(set(ids)) != len(ids):
        return "duplicate assignment ids"
    for a in v.assignments:
        problem = assignment_problem(a, v.number, reg)
        if problem:
            return f"assignment {a.id}: {problem}"
    return None


def assignment_problem(a: Assignment, number: int, reg: Registry) -> str | None:
    """The static joins of one assignment: ids, kinds, model, data sets, metrics, bars, artifacts."""
    if not re.fullmatch(rf"v{number}\.[1-9][0-9]*", a.id):
        return f"id {a.id!r} is not of the form v{number}.K"
    if a.kind not in KINDS:
        return f"unknown kind {a.kind!r} (one of {', '.join(KINDS)})"
    if a.model not in reg.models:
        return f"names model {a.model!r}, which no plugin provides (models: {', '.join(sorted(reg.models))})"
    factory = reg.model(a.model)
    if factory.kind != a.kind:
        return f"is {a.kind} but its model {a.model!r} is {factory.kind}"
    missing = [name for name in a.datasets if name not in reg.datasets]
    if missing:
        return f"uses data set {missing[0]!r}, which no plugin provides"
    for name, routine in (("prepare", a.prepare), ("train", a.train), ("predict", a.predict),
                          ("evaluate", a.evaluate)):
        if not callable(routine):
            return f"{name} is not callable"
    if not a.metrics:
        return "declares no metrics"
    for bar in a.bars:
        for part, value in (("metric", bar.metric), ("target", bar.target), ("floor", bar.floor)):
            if isinstance(value, str) and value not in a.metrics:
                return f"a bar's {part} {value!r} is not a declared metric ({', '.join(a.metrics)})"
    bad = [name for name in a.artifact_names if not ARTIFACT_NAME.fullmatch(name)]
    if bad:
        return f"artifact name {bad[0]!r} is not an identifier such as 'samples' or 'model'"
    if (a.kind == "scratch") != (a.scratch is not None):
        return ("a scratch assignment needs a ScratchSpec (scratch=...)" if a.kind == "scratch"
                else f"a {a.kind} assignment has a ScratchSpec")
    return None


def _trace_before(hook_name: str, hook_impls, kwargs) -> None:
    names = ", ".join(i.plugin_name for i in hook_impls) or "nobody"
    print(f"rnnsuite trace: {hook_name}({', '.join(sorted(kwargs))}) -> {names}", file=sys.stderr)


def _trace_after(outcome, hook_name: str, hook_impls, kwargs) -> None:
    try:
        result = outcome.get_result()
    except BaseException as exc:  # noqa: BLE001 - only reported
        print(f"rnnsuite trace: {hook_name} raised {type(exc).__name__}: {exc}", file=sys.stderr)
        return
    if isinstance(result, list):
        sizes = [len(r) if isinstance(r, (list, tuple)) else type(r).__name__ for r in result]
        print(f"rnnsuite trace: {hook_name} answered {sizes}", file=sys.stderr)


def import_plugin(spec: str) -> Any:
    """Import a plugin given as a file path (``my_plugin.py``) or a module name.

    A dotted name is a module even where a folder of that name is in the
    working directory (a plugin package's own checkout).
    """
    path = Path(spec)
    if spec.endswith(".py") or not MODULE_NAME.fullmatch(spec):
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
