import math

from rnnsuite.types import Bar, Split


def test_bar_numeric_target_passes_at_or_above():
    bar = Bar("accuracy", 0.76)
    assert bar.check({"accuracy": 0.76}).passed
    assert not bar.check({"accuracy": 0.75}).passed


def test_bar_partial_credit_between_floor_and_target():
    bar = Bar("accuracy", 0.8, floor=0.6)
    check = bar.check({"accuracy": 0.7})
    assert not check.passed
    assert math.isclose(check.credit, 0.5)
    assert bar.check({"accuracy": 0.5}).credit == 0.0
    assert bar.check({"accuracy": 0.9}).credit == 1.0


def test_bar_against_a_baseline_must_beat_it_strictly():
    bar = Bar("mae", "persistence_mae", higher_is_better=False)
    assert bar.check({"mae": 1.9, "persistence_mae": 2.0}).passed
    assert not bar.check({"mae": 2.0, "persistence_mae": 2.0}).passed
    assert bar.check({"mae": 1.9, "persistence_mae": 2.0}).target == 2.0


def test_bar_missing_or_nan_metric_fails():
    bar = Bar("accuracy", 0.5)
    assert not bar.check({}).passed
    assert not bar.check({"accuracy": float("nan")}).passed


def test_split_public_drops_the_answers():
    s = Split(train=[1], test_inputs=[2], test_targets=[3], spec={"n": 1}, info={"secret": 1})
    p = s.public()
    assert p.test_targets is None and p.info == {} and p.test_inputs == [2]


def test_binary_labels_read_both_conventions_and_refuse_others():
    import numpy as np
    import pytest

    from rnnsuite.metrics import binary_labels

    assert binary_labels(np.array([[0.9], [0.2]])).tolist() == [1, 0]
    assert binary_labels(np.array([[0.1, 0.9], [0.8, 0.2]])).tolist() == [1, 0]  # softmax [neg, pos]
    with pytest.raises(ValueError, match=r"\(N, 1\) sigmoid or \(N, 2\) softmax.*\(2, 3\)"):
        binary_labels(np.zeros((2, 3)))
