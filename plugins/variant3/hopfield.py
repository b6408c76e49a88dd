"""v3.3: a Hopfield network memorises images and restores their distorted fragments (the course's task).

    patterns     digits: 5 handwritten digits, the most typical 0, 1, 2, 3
                 and 4 (each nearest its class's mean), binarised at 0.5
                 into +-1 (N = 64); glyphs: the letters H, O, P, F, I, E, L, D
                 of code page 437 (16 x 9, N = 144)
    "training"   storing them, once per learning rule (hebb, storkey, pinv)
    test         every pattern distorted ``TRIALS`` times each way: q10 and
                 q20 (each pixel flipped with probability 0.1 or 0.2), block
                 (a random block of half the height and width set to -1, a
                 missing fragment) and noise_block (that block random)
    restoring    asynchronous updates until no neuron changes
    metrics      recall_<rule>_<distortion>: the share restored exactly;
                 overlap_<rule>_<distortion>: the mean m = s . xi / N; the
                 baseline overlap_distorted_<distortion>, the distorted
                 input's own (1 - 2q for flips); glyph metrics start glyphs_

Correlated images are hard for the Hebbian rule: it holds about two digits
(the capacity curve shows it), far below the 0.138 N of random patterns; the
pseudo-inverse rule stores any linearly independent set and meets the bars.

A submission's factory returns a network object with ``store(patterns,
rule)`` and ``restore(states, rng=None)`` (see :func:`build`); the child
stores the patterns and restores the distorted images it is given, and the
parent scores the restorations against the originals it kept.
"""
from __future__ import annotations

import copy
import csv
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnsuite.errors import DataError
from rnnsuite.types import Assignment, Bar, ModelFactory, Split

from .hopfield_network import RULES, HopfieldNetwork, bipolar, distort, overlap

SETS = {"digits": (5, tuple(range(5))), "glyphs": (8, tuple(ord(c) for c in "HOPFIELD"))}  # count, wanted labels
DISTORTIONS = {"q10": ("flip", 0.1), "q20": ("flip", 0.2), "block": ("block", 0.0), "noise_block": ("noise_block", 0.0)}
TRIALS, QUICK_TRIALS = 40, 8  # distorted copies of each pattern per distortion
RECALLED = 0.8  # the capacity curves count a number of patterns as held when this share is recalled exactly
CAPACITY_N = 100  # random patterns of the capacity curve
MODEL_FILE = "hopfield.npz"  # weights per (set, rule), the patterns, their labels and image shape


def _prefix(name: str) -> str:
    return "" if name == "digits" else f"{name}_"


def metric_names(name: str) -> tuple[str, ...]:
    p = _prefix(name)
    return tuple(f"{p}{what}" for d in DISTORTIONS
                 for what in (*(f"{m}_{rule}_{d}" for rule in RULES for m in ("recall", "overlap")),
                              f"overlap_distorted_{d}"))


METRICS = tuple(name for s in SETS for name in metric_names(s))


@dataclass(frozen=True)
class Memories:
    """The patterns to store, per data set: +-1 rows (P, N), and each set's image shape."""

    patterns: dict[str, np.ndarray]
    shapes: dict[str, tuple[int, int]]


@dataclass
class StoredNetworks:
    """The factory's network once per (data set, rule), each holding that set's patterns."""

    prototype: Any  # the factory's network, storing nothing (fresh copies for the capacity curves)
    networks: dict[tuple[str, str], Any]


# -- data ---------------------------------------------------------------------------------
def typical(images: np.ndarray, labels: np.ndarray, count: int, wanted: tuple[int, ...]) -> np.ndarray:
    """Indices of ``count`` images, one per label, each nearest its label's mean.

    Labels come from ``wanted`` when the data has them all (the digits 0-4,
    the letters of HOPFIELD), else they are the first ``count`` labels met.
    """
    labels = np.asarray(labels)
    present = list(dict.fromkeys(labels.tolist()))
    chosen = list(wanted) if all(w in present for w in wanted) else present[:count]
    if len(chosen) < count:
        raise DataError(f"{len(chosen)} distinct images are too few: the Hopfield assignment stores {count}")
    flat = bipolar(images).astype(np.float64)
    picks = []
    for label in chosen[:count]:
        members = np.flatnonzero(labels == label)
        picks.append(members[np.argmax(flat[members] @ flat[members].mean(axis=0))])
    return np.asarray(picks)


def prepare(ctx) -> Split:
    trials = QUICK_TRIALS if ctx.quick else TRIALS
    patterns, shapes, inputs, targets, info = {}, {}, {}, {}, {}
    for salt, (name, (count, wanted)) in enumerate(SETS.items()):
        hidden = ctx.load_hidden(name)
        data = hidden if hidden is not None else ctx.load(name)
        images = np.asarray(data.images)
        if images.ndim != 3 or min(images.shape[1:]) < 2:
            raise DataError(f"{name}: expected images (count, height, width), got shape {images.shape}")
        chosen = typical(images, data.labels, count, wanted)
        xi = bipolar(images[chosen])
        patterns[name], shapes[name] = xi, tuple(int(d) for d in images.shape[1:])
        originals = np.repeat(xi, trials, axis=0)
        for i, (dist, (how, q)) in enumerate(DISTORTIONS.items()):
            key = f"{name}_{dist}"
            inputs[key] = distort(originals, how, ctx.rng(100 + 10 * salt + i), shapes[name], q)
            targets[key] = originals
        info[name] = {"patterns": count, "labels": np.asarray(data.labels)[chosen].tolist(),
                      "neurons": int(xi.shape[1]), "image": f"{shapes[name][0]}x{shapes[name][1]}",
                      "source": "the instructor's hidden images" if hidden is not None else "loaded"}
    info["trials"] = f"{trials} distorted copies of each pattern per distortion"
    info["distortions"] = {d: f"{how} q={q}" if how == "flip" else f"{how}: half-height, half-width block"
                           for d, (how, q) in DISTORTIONS.items()}
    spec = {"rules": list(RULES), "neurons": {name: int(p.shape[1]) for name, p in patterns.items()},
            "seed": ctx.seed}
    return Split(train=Memories(patterns, shapes), test_inputs=inputs, test_targets=targets, spec=spec, info=info)


# -- the network's life ---------------------------------------------------------------------
def build(spec) -> HopfieldNetwork:
    """A Hopfield network object (numpy; not trained by gradients), storing nothing yet.

    It needs two methods: ``store(patterns, rule)`` with ``patterns`` a
    (P, N) array of -1/+1 and ``rule`` one of ``spec["rules"]`` ("hebb",
    "storkey", "pinv"), which sets its weights; and ``restore(states,
    rng=None)`` with ``states`` a (B, N) array of -1/+1, which runs the
    network's updates from each row until nothing changes and returns the
    (B, N) states it settles in (``rng``, a numpy Generator, orders the
    asynchronous updates).  The training routine stores the same patterns
    in a deep copy of this object once per rule, N being the patterns' length.
    """
    return HopfieldNetwork(mode="async")


def train(ctx, model, data: Memories) -> StoredNetworks:
    networks = {}
    for name, xi in data.patterns.items():
        for rule in RULES:
            net = copy.deepcopy(model)
            net.store(xi.copy(), rule)
            networks[name, rule] = net
    ctx.epoch_ended(1, 1, {"patterns": float(sum(len(p) for p in data.patterns.values()))})  # storing is one step
    return StoredNetworks(model, networks)


def _restored(net, states: np.ndarray, rng) -> np.ndarray:
    out = np.asarray(net.restore(states.copy(), rng=rng))
    if out.shape != states.shape:
        raise ValueError(f"restore() returned shape {out.shape} for states of shape {states.shape}")
    return out


def predict(ctx, model: StoredNetworks, inputs: dict) -> dict[str, np.ndarray]:
    """Per test stack, the restorations by every rule: (B, rules, N)."""
    out = {}
    for i, (key, states) in enumerate(inputs.items()):
        name = key.split("_", 1)[0]
        rng = ctx.rng(300 + i)
        out[key] = np.stack([_restored(model.networks[name, rule], states, rng) for rule in RULES],
                            axis=1).astype(np.int8)
    return out


def recall(states, patterns) -> float:
    """The share of states equal to their pattern in every neuron."""
    return float(np.mean(np.all(np.asarray(states) == np.asarray(patterns), axis=1)))


def evaluate(ctx, split: Split, predicted: dict) -> dict[str, float]:
    out = {}
    for key, restored in predicted.items():
        name, dist = key.split("_", 1)
        targets, p = split.test_targets[key], _prefix(name)
        restored = np.asarray(restored)
        if restored.shape != (len(targets), len(RULES), targets.shape[1]):
            raise ValueError(f"{key}: restorations of shape {restored.shape}, expected "
                             f"{(len(targets), len(RULES), targets.shape[1])} (states, rules, neurons)")
        for r, rule in enumerate(RULES):
            out[f"{p}recall_{rule}_{dist}"] = recall(restored[:, r], targets)
            out[f"{p}overlap_{rule}_{dist}"] = float(overlap(restored[:, r], targets).mean())
        out[f"{p}overlap_distorted_{dist}"] = float(overlap(split.test_inputs[key], targets).mean())
    return out


# -- artifacts ------------------------------------------------------------------------------
def capacity_curve(prototype, patterns: np.ndarray, counts, rng: np.random.Generator, trials: int,
                   q: float = 0.1) -> dict[str, list[float]]:
    """Exact-recall share from q-flipped copies when the first P patterns are stored, per rule and P."""
    curves = {rule: [] for rule in RULES}
    for P in counts:
        stored = patterns[:P]
        originals = np.repeat(stored, trials, axis=0)
        noisy = distort(originals, "flip", rng, q=q)
        for rule in RULES:
            net = copy.deepcopy(prototype)
            net.store(stored, rule)
            curves[rule].append(recall(_restored(net, noisy, rng), originals))
    return curves


def held(counts, curve) -> int:
    """The most patterns stored with at least ``RECALLED`` exact recall, counting up from one."""
    best = 0
    for P, r in zip(counts, curve):
        if r < RECALLED:
            break
        best = P
    return best


def capacity(ctx, model: StoredNetworks) -> dict[str, Any]:
    """Capacity curves on random patterns (N = 100) and on the typical digits 0-9; PNG and CSV."""
    from rnnsuite.plots import curve_panels

    rng = ctx.rng(500)
    digits = ctx.load("digits")
    chosen = typical(np.asarray(digits.images), digits.labels, 10, tuple(range(10)))
    stored = {  # kind: (patterns, how many to store)
        "random": (rng.choice(np.array([-1, 1], np.int8), (30, CAPACITY_N)), list(range(1, 31, 3 if ctx.quick else 1))),
        "digits": (bipolar(np.asarray(digits.images)[chosen]), list(range(1, 11))),
    }
    trials = 3 if ctx.quick else 10
    curves = {kind: capacity_curve(model.prototype, xi, counts, rng, trials) for kind, (xi, counts) in stored.items()}
    panels = [(f"{kind} patterns, N = {xi.shape[1]}: recall from 10% flipped pixels", counts,
               {f"{rule} (holds {held(counts, curve)})": curve for rule, curve in curves[kind].items()},
               {f"0.138 N = {0.138 * xi.shape[1]:.1f}": 0.138 * xi.shape[1]} if kind == "random" else {})
              for kind, (xi, counts) in stored.items()]
    png = curve_panels(ctx.path("capacity.png"), panels, xlabel="stored patterns P", ylabel="exact recall",
                       ylim=(-0.02, 1.02), hline=RECALLED)
    table = ctx.path("capacity.csv")
    with open(table, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["patterns_kind", "neurons", "stored", *RULES])
        for kind, (xi, counts) in stored.items():
            for j, P in enumerate(counts):
                writer.writerow([kind, xi.shape[1], P, *(f"{curves[kind][r][j]:.3f}" for r in RULES)])
    return {"capacity": png, "capacity_table": table}


def restorations(ctx, split: Split, predicted: dict, name: str) -> Any:
    """Original / distorted / restored by each rule, one copy of each pattern, for q10 and block."""
    from rnnsuite.plots import image_grid

    shape, count = split.train.shapes[name], len(split.train.patterns[name])
    per = len(split.test_targets[f"{name}_q10"]) // count
    shown = np.arange(count) * per  # the first distorted copy of each pattern
    picture = lambda s: (np.asarray(s, np.float64).reshape(-1, *shape) + 1) / 2  # noqa: E731 - +-1 -> [0, 1]
    rows = [("original", picture(split.test_targets[f"{name}_q10"][shown]), [""] * count)]
    for dist in ("q10", "block"):
        key = f"{name}_{dist}"
        targets = split.test_targets[key][shown]
        distorted = split.test_inputs[key][shown]
        rows.append((f"distorted {dist}", picture(distorted), [f"m={m:.2f}" for m in overlap(distorted, targets)]))
        for r, rule in enumerate(RULES):
            restored = np.asarray(predicted[key])[shown, r]
            marks = [f"m={m:.2f}" + (" ok" if ok else "") for m, ok in
                     zip(overlap(restored, targets), np.all(restored == targets, axis=1))]
            rows.append((rule, picture(restored), marks))
    return image_grid(ctx.path(f"{name}_restorations.png"), rows,
                      title=f"Hopfield network, {name}: original, distorted, restored by each rule")


def recall_table(ctx, split: Split, predicted: dict, model: StoredNetworks) -> Any:
    """recall_table.csv: per set, distortion and rule, exact recall and overlap with asynchronous
    updates (the metrics) and with synchronous ones (every neuron at once; they may end in a cycle)."""
    path = ctx.path("recall_table.csv")
    rng = ctx.rng(700)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["set", "distortion", "rule", "distorted_overlap", "async_recall", "async_overlap",
                         "sync_recall", "sync_overlap"])
        for key, restored in predicted.items():
            name, dist = key.split("_", 1)
            states, targets = split.test_inputs[key], split.test_targets[key]
            for r, rule in enumerate(RULES):
                try:
                    sync = np.asarray(model.networks[name, rule].restore(states.copy(), rng=rng, mode="sync"))
                    sync_scores = [f"{recall(sync, targets):.3f}", f"{overlap(sync, targets).mean():.3f}"]
                except TypeError:  # a network without synchronous updates
                    sync_scores = ["", ""]
                writer.writerow([name, dist, rule, f"{overlap(states, targets).mean():.3f}",
                                 f"{recall(restored[:, r], targets):.3f}",
                                 f"{overlap(restored[:, r], targets).mean():.3f}", *sync_scores])
    return path


def artifacts(ctx, split: Split, predicted: dict, model: StoredNetworks) -> dict[str, Any]:
    out = {"restorations": restorations(ctx, split, predicted, "digits"),
           "glyph_restorations": restorations(ctx, split, predicted, "glyphs")}
    out.update(capacity(ctx, model))
    out["recall_table"] = recall_table(ctx, split, predicted, model)
    path = ctx.path(MODEL_FILE)
    with open(path, "wb") as f:  # the weights of every (set, rule), the patterns they hold, their labels and shape
        np.savez(f, **{f"W_{name}_{rule}": np.asarray(net.W) for (name, rule), net in model.networks.items()},
                 **{f"patterns_{name}": xi for name, xi in split.train.patterns.items()},
                 **{f"labels_{name}": np.asarray(split.info[name]["labels"]) for name in split.train.patterns},
                 **{f"shape_{name}": np.asarray(shape) for name, shape in split.train.shapes.items()})
    out["model"] = path
    return out


# -- rnnsuite try ----------------------------------------------------------------------------
def pattern_name(name: str, label) -> str:
    return f"digit {label}" if name == "digits" else f"glyph {chr(int(label))!r}"


def use(folder, inputs, options) -> str:
    """``rnnsuite try RUN v3.3 IMAGE [RULE]``: the image restored by the network that stores its set's patterns.

    The image's size picks the set (8x8: the digits, 9 wide x 16 high: the
    glyphs); it is read gray, made +-1 at 0.5 as the patterns were, and
    restored by asynchronous updates with the weights of RULE (pinv by
    default).  The restored image goes to ``out`` or ``v3.3-restored.png``.
    """
    from rnnsuite.tryfiles import output_path, read_gray, saved, write_gray

    if not 1 <= len(inputs) <= 2 or (len(inputs) == 2 and inputs[1] not in RULES):
        raise DataError(f"give IMAGE [RULE]: one image file to restore and a learning rule ({', '.join(RULES)}; "
                        f"pinv by default); got {' '.join(inputs) or 'nothing'}")
    rule = inputs[1] if len(inputs) == 2 else "pinv"
    with np.load(saved(folder, MODEL_FILE), allow_pickle=False) as stored:
        if not all(f"shape_{name}" in stored for name in SETS):
            raise DataError(f"{folder / MODEL_FILE} holds no image shapes: it was saved by an older rnnsuite; run "
                            "the assignment again")
        shapes = {name: tuple(int(d) for d in stored[f"shape_{name}"]) for name in SETS}
        image = read_gray(inputs[0])
        name = next((n for n, shape in shapes.items() if image.shape == shape), None)
        if name is None:
            sizes = " or ".join(f"{w}x{h} ({n})" for n, (h, w) in shapes.items())
            raise DataError(f"{inputs[0]}: a {image.shape[1]}x{image.shape[0]} image; the Hopfield network stores "
                            f"{sizes} images (width x height)")
        net = HopfieldNetwork(mode="async")
        net.W, net.rule = np.array(stored[f"W_{name}_{rule}"]), rule
        patterns, labels = np.array(stored[f"patterns_{name}"]), stored[f"labels_{name}"].tolist()
    state = bipolar(image[None])
    restored = net.restore(state, rng=np.random.default_rng())
    m = (patterns @ restored[0].astype(np.float64)) / patterns.shape[1]  # overlap with every stored pattern
    best = int(np.argmax(np.abs(m)))
    what = pattern_name(name, labels[best])
    m_in = float(patterns[best] @ state[0]) / patterns.shape[1]
    if abs(m[best]) == 1.0:
        found = f"restored {what}" if m[best] > 0 else f"settled on the negative of {what} (also an attractor)"
    else:
        found = f"settled on no stored pattern (nearest: {what}, overlap m = {m[best]:.2f})"
    path = write_gray(output_path(options, "v3.3-restored.png"), (restored[0].reshape(shapes[name]) + 1) / 2)
    return (f"{path}: {found}; the input's overlap with it was {m_in:.2f} ({name}, rule {rule}, "
            f"{len(patterns)} stored patterns)")


ASSIGNMENT = Assignment(
    id="v3.3", kind="custom", network="Hopfield network",
    task_en="Build a Hopfield network (numpy: bipolar neurons, Hebbian, Storkey and pseudo-inverse learning "
            "rules, asynchronous and synchronous updates, energy), memorise several images (handwritten "
            "digits, code page 437 glyphs) and restore their distorted fragments (flipped pixels, a missing block).",
    task_ru="Сеть Хопфилда: запомнить несколько изображений (рукописные цифры, символы кодовой страницы 437) "
            "и восстановить их искажённые фрагменты (инвертированные пиксели, отсутствующий блок); "
            "правила обучения Хебба, Сторки и псевдоинверсное, асинхронное и синхронное обновление, энергия.",
    datasets=tuple(SETS), model="hopfield",
    prepare=prepare, train=train, predict=predict, evaluate=evaluate, artifacts=artifacts,
    metrics=METRICS,
    bars=(
        Bar("overlap_pinv_q10", 0.95, floor="overlap_distorted_q10",
            why="5 stored digits, 10% of pixels flipped: the restored image's overlap m with the original "
                "(the distorted input's own is ~0.80; partial credit from there)"),
        Bar("recall_pinv_q10", 0.8,
            why="and at least 80% restored exactly; the Hebbian rule holds only about 2 correlated digits "
                "(recall_hebb_q10, the capacity curve), the pseudo-inverse rule stores all 5"),
    ),
    artifact_names=("restorations", "glyph_restorations", "capacity", "capacity_table", "recall_table", "model"),
    use=use, epochs=1, quick_epochs=1,
)

FACTORY = ModelFactory("hopfield", "custom", build,
                       "numpy Hopfield network: store(patterns, rule) with hebb/storkey/pinv, restore(states) "
                       "by asynchronous updates")
