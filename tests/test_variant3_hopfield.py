"""v3.3, the Hopfield network: learning rules, dynamics and energy, capacity on random patterns,
distortions, the task's data and scores, bad input, a quick run and grading."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from grading_helpers import requires_sandbox, write
from rnnsuite.datasets.records import Images
from rnnsuite.plugins.variant3 import hopfield
from rnnsuite.plugins.variant3.hopfield_network import (
    RULES,
    HopfieldNetwork,
    bipolar,
    distort,
    hebb,
    overlap,
    pinv,
    storkey,
)

from rnnsuite.errors import DataError


def random_patterns(P: int, N: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (P, N))


def recall_rate(net: HopfieldNetwork, xi: np.ndarray, q: float, trials: int, seed: int = 1) -> float:
    rng = np.random.default_rng(seed)
    originals = np.repeat(xi, trials, axis=0)
    return hopfield.recall(net.restore(distort(originals, "flip", rng, q=q), rng=rng), originals)


# -- the rules ---------------------------------------------------------------------------

def test_hebb_is_the_sum_of_outer_products_without_self_connections():
    xi = np.array([[1, -1, 1], [1, 1, -1]], dtype=float)
    expected = (np.outer(xi[0], xi[0]) + np.outer(xi[1], xi[1])) / 3
    np.fill_diagonal(expected, 0)
    assert hebb(xi) == pytest.approx(expected)


def test_storkey_follows_its_formula_pattern_by_pattern():
    xi = random_patterns(3, 6, seed=2).astype(float)
    N, W = 6, np.zeros((6, 6))
    for p in xi:  # w_ij += 1/N (xi_i xi_j - xi_i h_ji - h_ij xi_j), h_ij = sum_{k != i, j} w_ik xi_k
        h = lambda i, j: sum(W[i, k] * p[k] for k in range(N) if k not in (i, j))  # noqa: E731
        dW = np.array([[(p[i] * p[j] - p[i] * h(j, i) - h(i, j) * p[j]) / N for j in range(N)] for i in range(N)])
        W = W + dW
        np.fill_diagonal(W, 0)
    assert storkey(xi) == pytest.approx(W)
    assert storkey(xi) == pytest.approx(storkey(xi).T)  # symmetric


def test_pinv_projects_onto_the_patterns_span():
    xi = random_patterns(4, 10, seed=3).astype(float)
    W = pinv(xi)
    assert W == pytest.approx(W.T) and np.diag(W) == pytest.approx(0)
    projection = W + np.diag(np.diag(xi.T @ np.linalg.pinv(xi @ xi.T) @ xi))
    assert xi @ projection == pytest.approx(xi)  # W xi = xi before the diagonal is removed


@pytest.mark.parametrize("rule", RULES)
def test_a_stored_pattern_is_a_fixed_point(rule):
    xi = random_patterns(4, 100, seed=4)
    net = HopfieldNetwork().store(xi, rule)
    assert (net.restore(xi, rng=0) == xi).all()
    assert (net.restore(xi, mode="sync") == xi).all()


def test_correlated_digits_are_fixed_points_of_pinv_but_not_of_hebb():
    # five 'digits' sharing most of their pixels: the overlap between patterns is ~0.7
    rng = np.random.default_rng(5)
    base = random_patterns(1, 64, seed=5)[0]
    xi = np.stack([np.where(rng.random(64) < 0.15, -base, base) for _ in range(5)]).astype(np.int8)
    assert (HopfieldNetwork().store(xi, "pinv").restore(xi, rng=0) == xi).all()
    assert not (HopfieldNetwork().store(xi, "hebb").restore(xi, rng=0) == xi).all()


# -- dynamics and energy --------------------------------------------------------------

@pytest.mark.parametrize("rule", RULES)
def test_energy_never_increases_under_asynchronous_updates(rule):
    net = HopfieldNetwork().store(random_patterns(20, 60, seed=6), rule)
    rng = np.random.default_rng(7)
    s = rng.choice([-1.0, 1.0], (30, 60))
    energy = net.energy(s)
    for _ in range(5):
        for i in rng.permutation(60):  # one neuron at a time, as step_async does
            before = s.copy()
            net.update(s, i)
            after = net.energy(s)
            assert (after <= energy + 1e-9).all()
            flipped = (s != before).any(axis=1)
            assert (after[flipped] < energy[flipped]).all()  # a flip lowers E by 2 |h_i|
            energy = after
    swept = s.copy()
    changed = net.step_async(swept, rng)
    assert (net.energy(swept) <= energy + 1e-9).all() and changed >= 0


def test_synchronous_updates_may_cycle_where_asynchronous_ones_settle():
    net = HopfieldNetwork(max_sweeps=6)
    net.W = np.array([[0.0, -1.0], [-1.0, 0.0]])  # two neurons that disagree
    start = np.array([[1, 1]])
    s = start.astype(float)
    net.step_sync(s)
    assert s.tolist() == [[-1, -1]]  # both flipped at once ...
    net.step_sync(s)
    assert s.tolist() == [[1, 1]]  # ... and back: a two-state cycle
    settled = net.restore(start, rng=0)  # one at a time: one neuron gives way
    assert sorted(settled[0].tolist()) == [-1, 1]
    assert net.energy(settled)[0] < net.energy(start)[0]


def test_restore_checks_its_input():
    with pytest.raises(RuntimeError, match="store"):
        HopfieldNetwork().restore(np.ones((1, 4)))
    net = HopfieldNetwork().store(random_patterns(2, 8), "hebb")
    with pytest.raises(ValueError, match="length 8"):
        net.restore(np.ones((1, 5)))
    with pytest.raises(ValueError, match="rule"):
        HopfieldNetwork().store(random_patterns(2, 8), "oja")
    with pytest.raises(ValueError, match="-1 and \\+1"):
        HopfieldNetwork().store(np.zeros((2, 8)), "hebb")


def test_random_patterns_hebb_recalls_ten_at_n_100_and_fails_well_above_0_14_n():
    xi = random_patterns(30, 100, seed=8)
    assert recall_rate(HopfieldNetwork().store(xi[:10], "hebb"), xi[:10], 0.1, 20) >= 0.8  # ~0.9
    assert recall_rate(HopfieldNetwork().store(xi[:25], "hebb"), xi[:25], 0.1, 4) <= 0.3
    assert recall_rate(HopfieldNetwork().store(xi[:25], "pinv"), xi[:25], 0.1, 4) >= 0.8  # the projection holds them


def test_save_and_load_keep_the_weights(tmp_path):
    net = HopfieldNetwork(mode="sync", max_sweeps=7).store(random_patterns(3, 12), "storkey")
    again = HopfieldNetwork.load(net.save(tmp_path / "h.npz"))
    assert (again.W == net.W).all() and (again.rule, again.mode, again.max_sweeps) == ("storkey", "sync", 7)


# -- distortions ------------------------------------------------------------------------

def test_distortions_flip_a_share_or_blank_a_block():
    rng = np.random.default_rng(9)
    ones = np.ones((400, 64), np.int8)
    flipped = distort(ones, "flip", rng, q=0.1)
    assert 0.08 < (flipped == -1).mean() < 0.12
    assert overlap(flipped, ones).mean() == pytest.approx(1 - 2 * (flipped == -1).mean())
    blocked = distort(ones[:50], "block", rng, (8, 8)).reshape(50, 8, 8)
    assert ((blocked == -1).sum(axis=(1, 2)) == 16).all()  # a 4x4 block of an 8x8 image
    rows, cols = np.nonzero(blocked[0] == -1)
    assert rows.max() - rows.min() == 3 and cols.max() - cols.min() == 3
    noisy = distort(ones[:50], "noise_block", rng, (8, 8))
    assert 2 < (noisy == -1).sum(axis=1).mean() < 14  # about half of the 16 block pixels
    with pytest.raises(ValueError, match="shape"):
        distort(ones, "block", rng)
    assert bipolar(np.array([[[0.2, 0.7]]])).tolist() == [[-1, 1]]


# -- the task ---------------------------------------------------------------------------

def toy_images(count: int, side: int, seed: int) -> Images:
    rng = np.random.default_rng(seed)
    return Images((rng.random((count, side, side)) > 0.5).astype(np.float32), np.arange(count) % 10)


def fake_ctx(sets: dict, quick=True, hidden: dict | None = None, tmp=None):
    from rnnsuite.context import RunContext

    hidden = hidden or {}
    registry = SimpleNamespace(datasets=sets, dataset=lambda name: SimpleNamespace(
        load=lambda path=None, full=False: hidden[name] if path is not None else sets[name]))
    return RunContext(hopfield.ASSIGNMENT, Path(tmp or "."), quick=quick, registry=registry,
                      hidden_paths={name: Path(name) for name in hidden})


def test_prepare_picks_typical_images_and_distorts_copies_of_them():
    images = toy_images(40, 6, seed=10)
    glyphs = Images(toy_images(12, 4, seed=11).images, np.arange(12))  # no HOPFIELD letters: the first 8
    split = hopfield.prepare(fake_ctx({"digits": images, "glyphs": glyphs}))
    assert split.train.patterns["digits"].shape == (5, 36) and split.train.patterns["glyphs"].shape == (8, 16)
    for label, pattern in zip(range(5), split.train.patterns["digits"]):
        members = bipolar(images.images[images.labels == label]).astype(float)
        assert (pattern @ members.mean(axis=0)) == pytest.approx(max(members @ members.mean(axis=0)))
    assert set(split.test_inputs) == {f"{s}_{d}" for s in ("digits", "glyphs") for d in hopfield.DISTORTIONS}
    q10 = split.test_inputs["digits_q10"]
    assert q10.shape == (5 * hopfield.QUICK_TRIALS, 36)
    assert (split.test_targets["digits_q10"] == np.repeat(split.train.patterns["digits"], 8, axis=0)).all()
    assert 0.6 < overlap(q10, split.test_targets["digits_q10"]).mean() < 0.95


def test_hidden_images_are_the_patterns_to_store():
    hidden = toy_images(10, 6, seed=12)
    split = hopfield.prepare(fake_ctx({"digits": toy_images(40, 6, 13), "glyphs": toy_images(9, 4, 14)},
                                      hidden={"digits": hidden}))
    assert (split.train.patterns["digits"] == bipolar(hidden.images[:5])).all()  # one per label 0-4
    assert split.info["digits"]["source"] == "the instructor's hidden images"


def test_too_few_images_is_a_one_line_error():
    with pytest.raises(DataError, match="too few.*stores 5"):
        hopfield.prepare(fake_ctx({"digits": Images(np.zeros((3, 4, 4), np.float32), np.arange(3)),
                                   "glyphs": toy_images(9, 4, 14)}))


def test_evaluate_scores_restorations_against_the_originals_and_the_baseline():
    split = hopfield.prepare(fake_ctx({"digits": toy_images(40, 6, 15), "glyphs": toy_images(9, 4, 16)}))
    perfect = {k: np.repeat(t[:, None], len(RULES), axis=1) for k, t in split.test_targets.items()}
    m = hopfield.evaluate(None, split, perfect)
    assert set(m) == set(hopfield.METRICS)
    assert m["recall_pinv_q10"] == 1.0 and m["glyphs_overlap_hebb_block"] == 1.0
    lazy = {k: np.repeat(x[:, None], len(RULES), axis=1) for k, x in split.test_inputs.items()}  # changes nothing
    m = hopfield.evaluate(None, split, lazy)
    assert m["overlap_pinv_q10"] == pytest.approx(m["overlap_distorted_q10"]) and m["recall_pinv_q10"] < 0.2
    checks = [bar.check(m) for bar in hopfield.ASSIGNMENT.bars]
    assert not any(c.passed for c in checks) and all(c.credit == 0 for c in checks)
    with pytest.raises(ValueError, match="states, rules, neurons"):
        hopfield.evaluate(None, split, {k: x for k, x in split.test_inputs.items()})


def test_training_stores_each_rule_in_a_copy_and_reports_one_step(tmp_path):
    split = hopfield.prepare(fake_ctx({"digits": toy_images(40, 6, 17), "glyphs": toy_images(9, 4, 18)}))
    events = []
    ctx = fake_ctx({}, tmp=tmp_path)
    ctx.epoch_ended = lambda epoch, epochs, logs: events.append((epoch, epochs))
    ctx.epochs_override = 0
    built = hopfield.build(split.spec)
    stored = hopfield.train(ctx, built, split.train)
    assert events == [(1, 1)] and built.W is None  # the factory's network itself stays empty
    assert {rule for _, rule in stored.networks} == set(RULES)
    assert stored.networks["digits", "pinv"].W.shape == (36, 36)
    restored = hopfield.predict(ctx, stored, split.test_inputs)
    assert restored["digits_q10"].shape == (len(split.test_inputs["digits_q10"]), len(RULES), 36)


@pytest.mark.integration
def test_the_real_digits_meet_the_bars_hebb_holds_about_two_and_a_seed_repeats(tmp_path):
    from rnnsuite.manager import Manager
    from rnnsuite.runner import run

    manager = Manager().load()
    variant = manager.registry.variant(3)
    [result] = run(manager, variant, [variant.assignment(3)], out_dir=tmp_path / "run", seed=0, quick=True)
    assert result.error is None, result.error
    assert all(bar.passed for bar in result.bars), result.bars
    assert result.metrics["recall_hebb_q10"] < 0.5 < result.metrics["recall_pinv_q10"]
    assert 0.75 < result.metrics["overlap_distorted_q10"] < 0.85
    capacity = (tmp_path / "run" / "v3.3" / "capacity.csv").read_text().splitlines()
    digits = {int(row.split(",")[2]): float(row.split(",")[3]) for row in capacity if row.startswith("digits")}
    assert digits[2] >= 0.8 > digits[5]  # the Hebbian rule holds about two digits
    assert set(result.artifacts) == set(hopfield.ASSIGNMENT.artifact_names)
    [again] = run(manager, variant, [variant.assignment(3)], out_dir=tmp_path / "again", seed=0, quick=True)
    assert again.metrics == result.metrics  # same seed, same distortions and update orders


# -- bad input and grading -------------------------------------------------------------

def test_an_image_folder_of_mixed_sizes_is_one_line_and_exit_2(tmp_path):
    from click.testing import CliRunner
    from PIL import Image

    from rnnsuite.cli import cli

    folder = tmp_path / "images"
    folder.mkdir()
    for name, size in (("a.png", (8, 8)), ("b.png", (8, 8)), ("c.png", (16, 12))):
        Image.fromarray(np.zeros(size[::-1], np.uint8)).save(folder / name)
    result = CliRunner().invoke(cli, ["run", "--variant", "3", "--task", "3", "--quick", "--data",
                                      f"digits={folder}", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "images differ in size: a.png is 8x8, c.png is 16x12" in " ".join(result.output.split())


@requires_sandbox
@pytest.mark.integration
def test_grading_the_reference_gives_full_marks_and_a_network_that_restores_nothing_fails(tmp_path):
    from rnnsuite.grading import batch, sandbox
    from rnnsuite.manager import Manager

    registry = Manager().load().registry
    reference = write(tmp_path / "subs", "reference.py", """
        from rnnsuite.types import ModelFactory
        from rnnsuite.plugins.variant3.hopfield import build
        def rnnsuite_add_models():
            return [ModelFactory("hopfield", "custom", build)]
    """)
    lazy = write(tmp_path / "subs", "lazy.py", """
        import numpy as np
        from rnnsuite.types import ModelFactory
        class Lazy:
            def store(self, patterns, rule):
                self.n = patterns.shape[1]
            def restore(self, states, rng=None):
                return np.asarray(states)  # 'restores' nothing
        def rnnsuite_add_models():
            return [ModelFactory("hopfield", "custom", lambda spec: Lazy())]
    """)
    settings = batch.Settings(quick=True, limits=sandbox.Limits(timeout=120))
    good, bad = batch.Batch(registry, [registry.assignment("v3.3")], settings).run(
        [("reference", reference), ("lazy", lazy)])
    assert good.status == "ok" and good.score == good.max_score > 0, (good.errors, good.items)
    assert bad.status == "ok" and bad.score == 0, bad.items
