"""Variant 5: filters, the FRNN's start and the Elman split on tiny arrays; every assignment end to end, quick."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from rnnsuite.plugins.variant5 import filters
from rnnsuite.plugins.variant5.elman_digits import metric_name


@pytest.fixture
def images():
    return np.random.default_rng(0).random((4, 12, 12)).astype(np.float32)


# -- filters -------------------------------------------------------------------
def test_every_filter_keeps_shape_and_range(images):
    for name, apply in filters.FILTERS.items():
        out = apply(images, np.random.default_rng(1))
        assert out.shape == images.shape, name
        assert out.dtype == np.float32, name
        assert 0.0 <= out.min() and out.max() <= 1.0, name


def test_inversion_twice_is_identity(images):
    np.testing.assert_allclose(filters.invert(filters.invert(images)), images, atol=1e-6)


def test_rotation_by_zero_is_identity_and_quarter_turns_compose(images):
    np.testing.assert_allclose(filters.rotate(images, 0.0), images, atol=1e-6)
    back = filters.rotate(filters.rotate(images, 90.0), -90.0)
    np.testing.assert_allclose(back, images, atol=1e-5)


def test_rotation_moves_a_pixel_around_the_centre():
    img = np.zeros((1, 5, 5), np.float32)
    img[0, 0, 2] = 1.0  # top middle
    turned = filters.rotate(img, 90.0)[0]
    assert turned[2, 0] == pytest.approx(1.0) or turned[2, 4] == pytest.approx(1.0)
    assert turned.sum() == pytest.approx(1.0)


def test_noise_changes_pixels_and_blur_keeps_a_flat_image(images):
    rng = np.random.default_rng(0)
    assert np.abs(filters.gaussian_noise(images, rng) - images).mean() > 0.05
    assert (filters.salt_and_pepper(images, rng, amount=0.5) != images).mean() > 0.3
    flat = np.full((2, 8, 8), 0.4, np.float32)
    np.testing.assert_allclose(filters.blur(flat), flat, atol=1e-6)
    np.testing.assert_allclose(filters.sharpen(flat), flat, atol=1e-6)


def test_occlusion_blanks_one_block(images):
    out = filters.occlude(images + 0.5, np.random.default_rng(0), share=0.25)
    assert ((out == 0).sum(axis=(1, 2)) == 9).all()  # a 3x3 block of 12x12


def test_resize_keeps_the_corners_and_the_mean():
    img = np.arange(4, dtype=np.float32).reshape(1, 2, 2) / 3
    big = filters.resize(img, 4)
    assert big.shape == (1, 4, 4)
    assert big[0, 0, 0] == pytest.approx(0.0) and big[0, -1, -1] == pytest.approx(1.0)
    assert big.mean() == pytest.approx(img.mean(), abs=1e-6)


def test_metric_names_of_the_filter_table():
    assert metric_name("mnist") == "accuracy"
    assert metric_name("mnist_salt_pepper") == "accuracy_salt_pepper"
    assert metric_name("digits8_blur") == "digits8_accuracy_blur"


# -- v5.1: the FRNN's input weights start from word vectors --------------------------------------
def test_the_frnn_input_weights_start_from_word_vectors():
    from rnnsuite.plugins.variant5 import frnn_sentiment

    rows = np.array([[0, 2, 10, 6, 7], [0, 3, 10, 6, 7], [0, 4, 11, 8, 9], [0, 5, 11, 8, 9]] * 20)
    model = frnn_sentiment.build({"n": 12, "m": 2, "seed": 0})
    W = model.params["W"]
    frnn_sentiment.init_input_weights(model, [rows], np.random.default_rng(0))
    assert model.params["W"] is W and W.shape == (frnn_sentiment.HIDDEN, 12)  # in place: the protocol's arrays
    column = W.T  # word j's input to the hidden layer
    cos = lambda a, b: float(column[a] @ column[b] / np.linalg.norm(column[a]) / np.linalg.norm(column[b]))  # noqa: E731
    assert cos(2, 3) > cos(2, 4) and not column[0].any()
    assert np.sqrt((column[2:12] ** 2).mean()) == pytest.approx(frnn_sentiment.INPUT_RMS, rel=1e-3)


# -- v5.3: the split, with and without the instructor's hidden images ------------------------------
def test_hidden_images_are_the_test_block_and_every_loaded_image_trains():
    from types import SimpleNamespace

    from rnnsuite.plugins.variant5 import elman_digits

    ctx = SimpleNamespace(quick=False, rng=lambda salt: np.random.default_rng(salt))
    images, labels = np.random.default_rng(0).random((40, 8, 8)), np.arange(40) % 4
    xtr, ytr, xte, yte = elman_digits._split(ctx, images, labels, "digits8", 21)
    assert (len(ytr), len(yte)) == (28, 12) and sorted(np.bincount(yte)) == [3, 3, 3, 3]  # stratified 70/30
    hidden = SimpleNamespace(images=np.ones((5, 8, 8)), labels=np.array([1, 2, 3, 4, 5]))
    xtr, ytr, xte, yte = elman_digits._split(ctx, images, labels, "digits8", 21, hidden=hidden)
    assert len(ytr) == 40 and yte.tolist() == [1, 2, 3, 4, 5] and elman_digits._up(xte).shape == (5, 28, 28)


# -- the plugin ------------------------------------------------------------------
def test_importing_the_plugin_does_not_import_tensorflow():
    code = ("import sys, rnnsuite.plugins.variant5 as v; v.rnnsuite_add_variants(); v.rnnsuite_add_models(); "
            "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_variant_is_registered_with_three_assignments():
    from rnnsuite.manager import Manager

    registry = Manager().load().registry
    variant = registry.variant(5)
    assert [a.id for a in variant.assignments] == ["v5.1", "v5.2", "v5.3"]
    assert [a.kind for a in variant.assignments] == ["scratch", "keras", "custom"]
    for a in variant.assignments:
        assert a.task_ru and a.task_en and a.bars and all(b.why for b in a.bars)
        assert registry.model(a.model).kind == a.kind
    for a in variant.assignments[:2]:  # the review bars travel with the data: relative to its baselines
        assert [b.metric for b in a.bars] == ["relative_accuracy"] and a.bars[0].floor == 0.0
        assert "bag_of_words" not in a.bars[0].why and "Rotten Tomatoes" in a.bars[0].why


# -- end to end (quick) ------------------------------------------------------------
def _run_quick(tmp_path, seed=0):
    from rnnsuite.manager import Manager
    from rnnsuite.runner import run

    manager = Manager().load()
    variant = manager.registry.variant(5)
    return run(manager, variant, variant.assignments, out_dir=tmp_path, seed=seed, quick=True)


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("v5quick")
    return out, _run_quick(out)


@pytest.mark.slow
@pytest.mark.integration
def test_every_assignment_runs_quick_with_sane_metrics_and_artifacts(quick_results):
    _, results = quick_results
    for result in results:
        assert result.status != "error", (result.assignment, result.error)
        assert result.metrics, result.assignment
        for name, value in result.metrics.items():
            assert 0.0 <= value <= 1.0 or name == "relative_accuracy", (result.assignment, name, value)
        assert "majority_accuracy" in result.metrics
        for name, path in result.artifacts.items():
            assert path and __import__("pathlib").Path(path).stat().st_size > 0, (result.assignment, name)
    by_id = {r.assignment: r for r in results}
    assert set(by_id["v5.3"].metrics) >= {"accuracy", "digits8_accuracy",
                                         *(f"accuracy_{f}" for f in filters.FILTERS)}
    assert set(by_id["v5.1"].artifacts) == {"samples", "model", "vocabulary", "history"}
    assert set(by_id["v5.3"].artifacts) == {"accuracy_table", "accuracy_table_md", "filtered_examples", "history",
                                            "model"}
    assert by_id["v5.1"].info["train_records"] + by_id["v5.1"].info["test_records"] == by_id["v5.1"].info["records"]


@pytest.mark.slow
@pytest.mark.integration
def test_the_same_seed_gives_the_same_metrics(quick_results, tmp_path):
    _, first = quick_results
    again = _run_quick(tmp_path)
    assert [r.metrics for r in again] == [r.metrics for r in first]


@pytest.mark.slow
def test_elman_model_is_custom_and_reloads_with_the_same_predictions(tmp_path):
    from rnnsuite.plugins.variant5 import elman
    from rnnsuite.plugins.variant5.elman_digits import build

    k = elman.k
    model = build({"rows": 8, "width": 8, "classes": 10, "seed": 0})
    x = np.random.default_rng(0).random((5, 8, 8)).astype(np.float32)
    with pytest.raises(ValueError, match="compile"):  # the factory returns it uncompiled: training compiles
        model.fit(x, np.arange(5), epochs=1, verbose=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, np.arange(5), epochs=1, verbose=0)
    layers = model.layers
    cells = [layer.cell for layer in layers if isinstance(layer, k.layers.RNN)]
    assert any(isinstance(c, elman.ElmanCell) for c in cells)
    assert not any(isinstance(layer, k.layers.SimpleRNN) for layer in layers)
    assert not any(isinstance(c, k.layers.SimpleRNNCell) for c in cells)
    assert elman.ElmanCell.__mro__[1] is k.layers.Layer

    path = tmp_path / "elman.keras"
    model.save(path)
    again = elman.load(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    cell = next(layer.cell for layer in again.layers if isinstance(layer, k.layers.RNN))
    assert isinstance(cell, elman.ElmanCell) and cell.get_config()["units"] == cell.units
