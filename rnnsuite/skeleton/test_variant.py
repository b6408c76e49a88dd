"""The skeleton variant plugin: its task on hand-made series, its plugin wiring, and every assignment run quick.

rnnsuite's own test run collects it here; ``rnnsuite new-variant`` copies it
into the new package as ``tests/test_variant<N>.py`` with ``PLUGIN`` set to
the new package's name: the copy tests the copy.
"""
from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from rnnsuite.context import RunContext
from rnnsuite.manager import Manager
from rnnsuite.types import Split

PLUGIN = "rnnsuite.skeleton"
plugin = importlib.import_module(PLUGIN)
frnn_hourly, hourly, variant = (importlib.import_module(f"{PLUGIN}.{name}")
                                for name in ("frnn_hourly", "hourly", "variant"))


@pytest.fixture(autouse=True)
def only_this_plugin(monkeypatch):
    """The built-ins and this plugin, whatever else is installed (and this plugin only once)."""
    monkeypatch.setenv("RNNSUITE_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def manager():
    return Manager().load((plugin.__name__,))


def hours(values, start="2010-03-01T00:00") -> SimpleNamespace:
    """A series as the data set's loader returns it: times (one an hour) and values (°C)."""
    times = np.datetime64(start, "m") + 60 * np.arange(len(values))
    return SimpleNamespace(times=times, values=np.asarray(values, dtype=np.float64), name="test hours", unit="°C")


def fake_ctx(series, hidden=None, quick: bool = False, tmp_path: Path = Path(".")):
    """A context whose data set is ``series`` and whose hidden file (if any) holds ``hidden``."""
    def load(path=None, full=False):
        return hidden if path is not None else series

    registry = SimpleNamespace(datasets={hourly.DATASET: None}, dataset=lambda name: SimpleNamespace(load=load))
    return RunContext(frnn_hourly.ASSIGNMENT, tmp_path, seed=3, quick=quick, registry=registry,
                      hidden_paths={hourly.DATASET: tmp_path / "hidden.csv"} if hidden is not None else {})


# -- the task -------------------------------------------------------------------------

def test_windows_are_six_hours_then_the_next():
    w = hourly.windows_of(np.arange(9.0))
    assert w.values.tolist() == [[0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7]]
    assert w.targets.tolist() == [6, 7, 8]


def test_baselines_and_skill_on_a_hand_made_series():
    values = np.array([[0, 0, 0, 0, 1.0, 2.0], [0, 0, 0, 0, 2.0, 2.0]])
    guess = hourly.baselines(values)
    assert guess["persistence"].tolist() == [2.0, 2.0] and guess["trend"].tolist() == [3.0, 2.0]
    split = Split(train=None, test_inputs=values, test_targets=np.array([3.0, 1.0]))
    m = hourly.evaluate(None, split, np.array([2.5, 1.5]))
    assert list(m) == list(hourly.METRICS)
    assert m["mae"] == pytest.approx(0.5) and m["persistence_mae"] == pytest.approx(1.0)
    assert m["trend_mae"] == pytest.approx(0.5) and m["skill"] == pytest.approx(0.5)  # half persistence's error
    assert hourly.evaluate(None, split, np.array([2.0, 2.0]))["skill"] == pytest.approx(0.0)


def test_split_is_chronological_and_the_scaling_comes_from_the_fit_block_only(tmp_path):
    values = np.arange(206, dtype=float)
    values[150:] += 1000.0  # a jump in validation and test must not move the statistics
    split = hourly.prepare(fake_ctx(hours(values), tmp_path=tmp_path))
    fit, val = split.train.fit, split.train.val
    assert len(fit) + len(val) + len(split.test_inputs) == 200
    assert (len(val), len(split.test_inputs)) == (30, 60)  # 15% and 30% of the windows
    assert fit.targets[-1] < val.targets[0] and val.targets[-1] < split.test_targets[0]
    seen = np.concatenate([fit.values[0], fit.targets])
    assert split.spec["mean"] == pytest.approx(seen.mean()) and split.spec["std"] == pytest.approx(seen.std())
    assert split.spec["mean"] < 100 and split.spec["seed"] == 3
    assert split.spec["n"] == split.spec["m"] == 1 and split.spec["steps"] == hourly.WINDOW
    assert split.test_targets.tolist() == values[-60:].tolist()
    assert split.info["test_from"] == "2010-03-07T02:00"  # hour 146: what the first test window predicts


def test_quick_takes_the_first_hours_only(tmp_path):
    split = hourly.prepare(fake_ctx(hours(np.arange(3000.0)), quick=True, tmp_path=tmp_path))
    assert split.info["hours"] == hourly.QUICK_HOURS
    assert split.test_targets.max() == hourly.QUICK_HOURS - 1


def test_the_hidden_series_is_the_test_block_and_every_default_window_trains(tmp_path):
    hidden = hours(100.0 + np.arange(20.0), start="2011-01-01T00:00")
    split = hourly.prepare(fake_ctx(hours(np.arange(106.0)), hidden=hidden, tmp_path=tmp_path))
    assert len(split.train.fit) + len(split.train.val) == 100
    assert split.test_targets.tolist() == (100.0 + np.arange(6, 20)).tolist()
    assert split.info["test_from"] == "2011-01-01T06:00" and split.spec["mean"] < 100


def test_the_forecaster_speaks_celsius_around_a_network_of_z_scores(tmp_path):
    class LastHour:
        """A network over z-scores that repeats the last hour: the forecaster must give persistence in °C."""

        def predict(self, X, **options):
            return X[:, -1, :]

    model = hourly.forecaster({"mean": 10.0, "std": 2.0}, LastHour())
    values = np.array([[8.0, 9, 10, 11, 12, 14]])
    assert model.inputs(values).shape == (1, hourly.WINDOW, 1)
    assert model.inputs(values)[0, :, 0].tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0, 2.0]
    assert model.targets(np.array([12.0])).tolist() == [[1.0]]
    assert model.predict(values).tolist() == [14.0]
    saved = model.save_scaler(tmp_path / "scaler.json")
    assert '"mean_c": 10.0' in saved.read_text() and '"window_hours": 6' in saved.read_text()


def test_trying_a_model_needs_six_numbers_and_names_them(tmp_path):
    from rnnsuite.errors import DataError

    def unreachable(folder):
        raise AssertionError("the model is loaded only for good input")

    for bad in (["1", "2", "3"], ["1", "2", "3", "4", "5", "warm"], []):
        with pytest.raises(DataError, match=r"give the 6 hours before the one to forecast, oldest first, in °C"):
            hourly.use(tmp_path, bad, unreachable)


# -- the plugin ---------------------------------------------------------------------------

def test_the_variant_loads_with_three_assignments_of_each_kind(manager):
    registry = manager.registry
    assert manager.problems == []
    v = registry.variant(variant.NUMBER)
    assert [a.id for a in v.assignments] == [f"v{variant.NUMBER}.{k}" for k in (1, 2, 3)]
    assert [a.kind for a in v.assignments] == ["scratch", "keras", "custom"]
    for a in v.assignments:
        assert a.task_en and a.task_ru and a.bars and all(b.why for b in a.bars)
        assert registry.model(a.model).kind == a.kind and registry.models[a.model].plugin == plugin.__name__
        assert "history" in a.artifact_names and a.adapt is hourly.forecaster and a.use is not None
    assert v.assignments[0].scratch is not None


def test_importing_the_plugin_is_cheap():
    code = (f"import sys, {plugin.__name__} as p; p.rnnsuite_add_variants(); p.rnnsuite_add_models(); "
            "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules]; assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- every assignment, quick, on the real default series ---------------------------------------------

@pytest.mark.slow
@pytest.mark.integration
def test_every_assignment_runs_quick_and_returns_what_it_declares(manager, tmp_path):
    from rnnsuite.runner import run

    v = manager.registry.variant(variant.NUMBER)
    results = run(manager, v, v.assignments, out_dir=tmp_path, seed=0, quick=True)
    for a, result in zip(v.assignments, results):
        assert result.status != "error", (a.id, result.error)
        assert list(result.metrics) == list(a.metrics) and set(result.artifacts) == set(a.artifact_names)
        assert all(Path(path).stat().st_size > 0 for path in result.artifacts.values())
        assert 0 < result.metrics["persistence_mae"] < 1.0  # °C an hour ahead
        assert result.history["loss"] and result.info["test"] > 100
        answer = a.use(tmp_path / a.id, ["4.1", "4.0", "3.9", "3.8", "3.8", "3.7"], {})  # rnnsuite try
        assert answer.startswith("next hour: ") and 0.0 < float(answer.split()[2]) < 10.0, answer
    rows = Path(results[0].artifacts["predictions"]).read_text().splitlines()
    assert rows[0] == "hour,true_c,predicted_c,persistence_c,trend_c" and len(rows) == results[0].info["test"] + 1


@pytest.mark.integration
def test_the_same_seed_gives_the_same_metrics(manager, tmp_path):
    from rnnsuite.runner import run

    v = manager.registry.variant(variant.NUMBER)
    first, again, other = (run(manager, v, [v.assignment(1)], out_dir=tmp_path / name, seed=seed, quick=True)[0]
                           for name, seed in (("a", 5), ("b", 5), ("c", 6)))
    assert first.metrics == again.metrics and first.metrics != other.metrics


@pytest.mark.integration
def test_an_honest_student_frnn_gets_every_scratch_item(manager, tmp_path):
    """The reference template (an honest student FRNN for the scratch assignment) checked as grading checks it."""
    from click.testing import CliRunner

    from rnnsuite.cli import cli
    from rnnsuite.grading import local

    args = ["-p", plugin.__name__, "submission", "init", "--variant", str(variant.NUMBER), "--reference", str(tmp_path)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    [submission] = tmp_path.glob("*_reference.py")
    registry = manager.registry
    [result] = local.check(registry, [registry.assignment(f"v{variant.NUMBER}.1")], submission, quick=True)
    assert result.status == "ok", result.reason
    model_checks = [i for i in result.items if i.name.split(" ", 1)[1] in (
        "gradient W", "gradient U", "gradient V", "gradient b_h", "gradient b_y", "forward pass", "loss")]
    assert len(model_checks) == 7 and all(i.passed for i in model_checks), [(i.name, i.message) for i in model_checks]


@pytest.mark.slow
def test_the_mgu_cell_computes_its_equations_and_reloads(tmp_path):
    mgu, mgu_hourly = (importlib.import_module(f"{PLUGIN}.{name}") for name in ("mgu", "mgu_hourly"))
    model = mgu_hourly.build({"steps": hourly.WINDOW, "n": 1, "m": 1})
    cell = next(layer.cell for layer in model.layers if hasattr(layer, "cell"))
    assert isinstance(cell, mgu.MGUCell)
    x = np.random.default_rng(0).normal(size=(4, hourly.WINDOW, 1)).astype(np.float32)
    weights = {w.name.split("/")[-1].split(":")[0]: np.asarray(w.numpy(), dtype=np.float64) for w in cell.weights}
    sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    h = np.zeros((4, mgu_hourly.UNITS))
    for t in range(hourly.WINDOW):
        f = sigmoid(x[:, t] @ weights["W_f"] + h @ weights["U_f"] + weights["b_f"])
        c = np.tanh(x[:, t] @ weights["W"] + (f * h) @ weights["U"] + weights["b"])
        h = (1 - f) * h + f * c
    dense = model.get_layer("next_hour")
    expected = h @ dense.kernel.numpy() + dense.bias.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    path = tmp_path / "mgu.keras"
    model.save(path)
    np.testing.assert_allclose(mgu.load(path).predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
