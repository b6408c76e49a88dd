"""Variant 6: the shared temperature pieces, the ESN,
and every assignment end to end in quick mode."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from rnnsuite.datasets.records import Series
from rnnsuite.plugins.variant6 import temperature, translator
from rnnsuite.plugins.variant6.esn import EchoStateNetwork, ridge_readout, spectral_radius
from rnnsuite.types import Split


# -- windows, normalisation, baselines ------------------------------------------

def days(n: int, start: str = "2013-01-01") -> np.ndarray:
    return np.datetime64(start) + np.arange(n)


def test_windows_are_three_days_then_the_fourth():
    w = temperature.make_windows(days(6), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert w.values.tolist() == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
    assert w.targets.tolist() == [4, 5, 6]
    assert w.days.tolist() == days(6)[3:].tolist()
    assert (w.input_days[:, -1] + 1 == w.days).all()


def training(n: int = 40, start: str = "2012-01-01", slope: float = 0.5) -> temperature.TrainingData:
    """Training windows of a straight line: v_d = slope * d."""
    w = temperature.make_windows(days(n, start), slope * np.arange(n, dtype=float))
    return temperature.TrainingData(w[: n // 2], w[n // 2:])


def test_baselines_on_a_hand_made_series():
    w = temperature.make_windows(days(6), [1.0, 2.0, 3.0, 5.0, 4.0, 10.0])  # targets 5, 4, 10
    scaler = temperature.Scaler(1.0, 2.0)
    guess = temperature.baselines(w, training(), scaler)
    assert guess["persistence"].tolist() == [3, 5, 4]
    assert guess["mean3"].tolist() == [2, 10 / 3, 4]
    split = Split(train=training(), test_inputs=w.inputs_only(), test_targets=w.targets,
                  spec={"mean": 1.0, "std": 2.0})
    m = temperature.evaluate(None, split, np.array([5.0, 4.0, 7.0]))
    assert set(m) == set(temperature.METRICS)
    assert m["mae"] == pytest.approx(1.0)  # |0| + |0| + |3|
    assert m["persistence_mae"] == pytest.approx((2 + 1 + 6) / 3)
    assert m["mean3_mae"] == pytest.approx((3 + 2 / 3 + 6) / 3)
    assert m["persistence_rmse"] == pytest.approx(np.sqrt((4 + 1 + 36) / 3))


def test_the_linear_autoregression_is_fitted_on_the_training_windows_only():
    # trained on a line of slope 0.5, it continues that line, whatever the test windows hold
    line = temperature.linear_autoregression(training(), temperature.Scaler(10.0, 5.0))
    w = temperature.make_windows(days(5, "2013-03-01"), [1.0, 1.5, 2.0, 2.5, 3.0])
    assert line(w) == pytest.approx([2.5, 3.0], abs=1e-6)
    jumpy = temperature.make_windows(days(5, "2013-03-01"), [1.0, 1.5, 2.0, 99.0, 3.0])
    assert line(jumpy)[0] == pytest.approx(2.5, abs=1e-6)  # the test target never enters the fit


def test_the_skill_bar_gives_full_credit_from_halfway_to_the_linear_model():
    pass_bar, skill_bar = temperature.BARS
    base = {"mean3_mae": 2.6, "linear_mae": 2.2, "persistence_mae": 2.1}
    assert pass_bar.check({**base, "mae": 2.5}).passed and not pass_bar.check({**base, "mae": 2.6}).passed

    def credit(mae_):
        return skill_bar.check({**base, "linear_skill": temperature.linear_skill(mae_, 2.6, 2.2)}).credit

    assert credit(2.4) == 1.0 and credit(2.1) == 1.0  # halfway from the mean to the linear model, and past it
    assert credit(2.5) == pytest.approx(0.5) and credit(2.7) == 0.0
    assert temperature.linear_skill(2.0, 2.0, 2.5) == 0.0 and temperature.linear_skill(1.9, 2.0, 2.5) == 1.0


def fake_ctx(series, quick=False, seed=0, tmp=None, hidden=None):
    def load(path=None, full=False):
        return series if path is None else hidden

    registry = SimpleNamespace(datasets={"temperatures": None},
                               dataset=lambda name: SimpleNamespace(load=load))
    from rnnsuite.context import RunContext
    from rnnsuite.plugins.variant6 import FRNN_TEMPERATURE

    hidden_paths = {"temperatures": Path("hidden.csv")} if hidden is not None else {}
    return RunContext(FRNN_TEMPERATURE, Path(tmp or "."), seed=seed, quick=quick, registry=registry,
                      hidden_paths=hidden_paths)


def test_split_is_chronological_and_statistics_come_from_train_only():
    n = 203
    values = np.arange(n, dtype=float)
    values[150:] += 1000.0  # a jump inside validation/test must not move the statistics
    split = temperature.prepare(fake_ctx(Series(days(n), values, "t", "°C")))
    fit, val, test = split.train.fit, split.train.val, split.test_inputs
    n_test = round(0.3 * (n - 3))
    assert len(fit) + len(val) + n_test == n - 3
    assert fit.days[-1] < val.days[0] and val.days[-1] < test.days.min()
    assert len(val) == round(0.15 * (n - 3))
    assert len(test) == -(-n_test // 4)  # every 4th window of the test block
    fit_days = np.concatenate([fit.values[0], fit.targets])
    assert split.spec["mean"] == pytest.approx(fit_days.mean())
    assert split.spec["std"] == pytest.approx(fit_days.std())
    assert split.spec["mean"] < 100  # nothing from the jump
    assert test.targets is None  # the answers stay in test_targets
    by_day = dict(zip(days(n).tolist(), values.tolist()))
    assert split.test_targets.tolist() == [by_day[d] for d in test.days.tolist()]


def reads_the_next_window(w: temperature.Windows) -> np.ndarray:
    """The exploit: a window's answer is an input of another test window whenever one holds its day."""
    known = {d: v for days_, values in zip(w.input_days.tolist(), w.values.tolist()) for d, v in zip(days_, values)}
    return np.array([known.get(d, last) for d, last in zip(w.days.tolist(), w.values[:, -1])])


def test_test_windows_reveal_no_answer_and_no_order():
    n = 403
    values = 10 + 5 * np.sin(np.arange(n) / 9.0) + np.random.default_rng(0).normal(0, 2, n)
    split = temperature.prepare(fake_ctx(Series(days(n), values, "t", "°C")))
    test, true = split.test_inputs, split.test_targets
    assert not set(test.days.tolist()) & set(test.input_days.ravel().tolist())
    persistence = np.abs(test.values[:, -1] - true).mean()
    assert np.abs(reads_the_next_window(test) - true).mean() == pytest.approx(persistence)  # no better
    assert not (np.diff(test.days.astype(np.int64)) > 0).all()  # shuffled, not in time order
    # the exploit is real: on the overlapping windows of the whole test block it reads the answers
    block = temperature.make_windows(days(n), values)[-len(test) * 4:]
    assert np.abs(reads_the_next_window(block) - block.targets).mean() < 0.05 * persistence


def test_apart_keeps_every_4th_day_and_skips_gaps():
    w = temperature.make_windows(days(12), np.arange(12.0))  # targets on days 3 .. 11
    assert w[temperature.apart(w)].days.tolist() == days(12)[[3, 7, 11]].tolist()
    gappy = np.concatenate([days(6), days(6, "2013-02-01")])  # a month missing after 6 days
    w = temperature.make_windows(gappy, np.arange(12.0))
    kept = w[temperature.apart(w)]
    assert not set(kept.days.tolist()) & set(kept.input_days.ravel().tolist())
    assert len(kept) == 3  # targets 4 Jan, 3 Feb (inputs from 5 Jan on), 6 Feb


def test_a_hidden_series_is_the_test_block_and_everything_loaded_trains():
    loaded = Series(days(100), np.arange(100.0), "t", "°C")
    hidden = Series(days(21, "2014-01-01"), 500 + np.arange(21.0), "t", "°C")
    split = temperature.prepare(fake_ctx(loaded, hidden=hidden))
    assert len(split.train.fit) + len(split.train.val) == 97
    assert sorted(split.test_targets.tolist()) == [503.0, 507.0, 511.0, 515.0, 519.0]
    assert split.spec["mean"] < 100  # statistics of the loaded series only


def test_forecaster_inputs_are_normalised_value_and_season():
    w = temperature.make_windows(np.array(["2014-01-01", "2014-04-02", "2014-07-02", "2014-10-01"],
                                          dtype="datetime64[D]"), [10.0, 20.0, 30.0, 0.0])
    f = temperature.Forecaster(core=None, scaler=temperature.Scaler(20.0, 10.0))
    X = f.inputs(w)
    assert X.shape == (1, 3, 3)
    assert X[0, :, 0].tolist() == [-1.0, 0.0, 1.0]
    assert X[0, 0, 1:] == pytest.approx([0.0, 1.0])  # 1 January: sin 0, cos 1
    assert X[0, 1, 1:] == pytest.approx([1.0, 0.0], abs=0.02)  # early April: a quarter of the year
    assert f.targets(w).tolist() == [[-2.0]]
    assert temperature.Scaler(20.0, 10.0).celsius(-2.0) == pytest.approx(0.0)


# -- the echo state network --------------------------------------------------------

@pytest.mark.parametrize("radius", [0.3, 0.9, 1.25])
def test_reservoir_spectral_radius_is_the_target(radius):
    esn = EchoStateNetwork(3, 1, 120, radius=radius, rng=4)
    assert spectral_radius(esn.W) == pytest.approx(radius, rel=1e-9)
    assert 0.05 < np.count_nonzero(esn.W) / esn.W.size < 0.15  # sparse


def test_ridge_readout_solves_a_known_problem():
    rng = np.random.default_rng(0)
    Phi = np.hstack([np.ones((50, 1)), rng.normal(size=(50, 2))])
    D = Phi @ np.array([[1.0], [2.0], [-3.0]])
    assert ridge_readout(Phi, D, 1e-10) == pytest.approx(np.array([[1.0, 2.0, -3.0]]), abs=1e-6)
    shrunk = ridge_readout(Phi, D, 1e4)
    assert np.abs(shrunk).sum() < 0.5 * 6  # a large ridge pulls the weights towards 0
    # the closed form is the minimiser: its gradient vanishes
    W = ridge_readout(Phi, D, 2.0)
    assert (Phi.T @ (Phi @ W.T - D) + 2.0 * W.T) == pytest.approx(np.zeros((3, 1)), abs=1e-9)


def test_esn_fits_a_linear_readout_of_its_states():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3, 2))
    esn = EchoStateNetwork(2, 1, 50, ridge=1e-8, rng=2)
    D = esn.features(X) @ rng.normal(size=(esn.W_out.shape[1], 1))
    assert esn.fit(X, D).predict(X) == pytest.approx(D, abs=1e-4)


# -- end to end, quick --------------------------------------------------------------

@pytest.fixture(scope="module")
def manager():
    from rnnsuite.manager import Manager

    return Manager().load()


def run_quick(manager, number: int, out: Path, seed: int = 0):
    from rnnsuite.runner import run

    variant = manager.registry.variant(6)
    [result] = run(manager, variant, [variant.assignment(number)], out_dir=out, seed=seed, quick=True)
    assert result.error is None, result.error
    return result


def test_plugin_import_is_light():
    code = ("import sys, rnnsuite.plugins.variant6\n"
            "assert not {'keras', 'tensorflow', 'matplotlib'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_variant_6_is_registered(manager):
    variant = manager.registry.variant(6)
    assert [a.id for a in variant.assignments] == ["v6.1", "v6.2", "v6.3"]
    assert [a.kind for a in variant.assignments] == ["scratch", "keras", "custom"]
    assert [a.from_course for a in variant.assignments] == [True, True, False]
    for a in variant.assignments:
        assert a.task_ru and a.task_en and a.bars and all(b.why for b in a.bars)
        assert manager.registry.model(a.model).kind == a.kind


@pytest.mark.integration
@pytest.mark.parametrize("number, names", [(1, ("predictions", "predictions_plot", "history", "model")),
                                           (3, ("predictions", "predictions_plot", "model"))])
def test_temperature_assignments_quick(manager, tmp_path, number, names):
    result = run_quick(manager, number, tmp_path)
    m = result.metrics
    assert {"mae", "rmse", "persistence_mae", "mean3_mae"} <= set(m)
    assert all(np.isfinite(v) and (v >= 0 or name == "linear_skill") for name, v in m.items())
    assert m["linear_skill"] == pytest.approx((m["mean3_mae"] - m["mae"]) / (m["mean3_mae"] - m["linear_mae"]))
    assert m["mae"] < 10.0  # °C: a sane forecast even after a few epochs
    assert set(names) == set(result.artifacts)
    for name in names:
        assert Path(result.artifacts[name]).stat().st_size > 0
    rows = (tmp_path / f"v6.{number}" / "predictions.csv").read_text().splitlines()
    assert rows[0].startswith("date,true_c,predicted_c") and len(rows) == result.info["test"] + 1
    assert [b.metric for b in result.bars] == ["mae", "linear_skill"]
    if number == 3:
        assert result.info["esn"]["spectral_radius"] in (0.3, 0.6, 0.9, 1.2)


@pytest.mark.integration
@pytest.mark.parametrize("number", [1, 3])
def test_same_seed_same_metrics(manager, tmp_path, number):
    first = run_quick(manager, number, tmp_path / "a", seed=7)
    second = run_quick(manager, number, tmp_path / "b", seed=7)
    assert first.metrics == second.metrics


@pytest.mark.slow
@pytest.mark.integration
def test_translator_quick_twice(manager, tmp_path):
    """v6.2 on the real pairs in quick mode: every metric, the tables, the saved model; same seed, same metrics."""
    first = run_quick(manager, 2, tmp_path / "a", seed=3)
    m = first.metrics
    assert set(m) == set(translator.ASSIGNMENT.metrics)
    assert m["chrf_pass"] == pytest.approx(m["copy_chrf"] + 10)
    assert m["chrf_full"] == pytest.approx(0.75 * m["memory_chrf"])
    assert 0 < m["copy_chrf"] < m["memory_chrf"] < 100 and 0 <= m["chrf"] <= 100
    assert first.info["direction"] == "ru -> en" and "longer than 80 characters" in first.info["dropped"]
    table = Path(first.artifacts["translations"]).read_text(encoding="utf-8").splitlines()
    assert table[0] == "source\treference\thypothesis\tchrf" and len(table) == first.info["test"] + 1
    assert "Worst 10" in Path(first.artifacts["translations_md"]).read_text(encoding="utf-8")
    assert {"model.keras", "codecs.json"} <= {p.name for p in Path(first.artifacts["model"]).iterdir()}
    second = run_quick(manager, 2, tmp_path / "b", seed=3)
    assert second.metrics == first.metrics
    saved = json.loads((tmp_path / "a" / "v6.2" / "result.json").read_text(encoding="utf-8"))  # strict JSON, written
    assert saved["metrics"] == first.metrics and saved["info"]["dropped"] == first.info["dropped"]
