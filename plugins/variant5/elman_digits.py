"""v5.3: an Elman network classifies digits, then faces filtered test images.

An image is read row by row: x_t = row t of pixels, T = number of rows, and
the last hidden state h_T goes to a softmax over the 10 digits.  Training
uses clean images only: MNIST 5k (28x28) plus scikit-learn's 8x8 digits
upscaled to 28x28 (bilinear), so one network reads both.  Testing: the clean
test images and the same images through every filter of ``filters.FILTERS``.

Both sets are stratified 70/30 (MNIST 5k is sorted by label: an in-order
split would leave whole digits out of training).
"""
from __future__ import annotations

import csv

import numpy as np

from rnnsuite import metrics, plots

from . import filters

SIDE = 28
UNITS = 128
VALIDATION_SHARE = 0.1
LEARNING_RATE = 2e-3
CLIP_NORM = 1.0  # a simple recurrent net's gradients can explode through 28 steps
PATIENCE = 6  # epochs without a better validation accuracy before stopping (the best is kept)
QUICK = {"mnist": 600, "digits8": 300}
MODEL_FILE = "elman_digits.keras"


def metric_name(key: str) -> str:
    """``mnist`` -> ``accuracy``, ``mnist_blur`` -> ``accuracy_blur``,
    ``digits8_noise`` -> ``digits8_accuracy_noise``."""
    source, _, flt = key.partition("_")
    name = "accuracy" if source == "mnist" else f"{source}_accuracy"
    return f"{name}_{flt}" if flt else name


#: clean accuracy on MNIST 5k and on the 8x8 digits, the majority baseline, then every filtered accuracy
METRICS = ("accuracy", "digits8_accuracy", "majority_accuracy",
           *(metric_name(f"{source}_{flt}") for source in ("mnist", "digits8") for flt in filters.FILTERS))


def build(spec):
    """An uncompiled Keras model: images (batch, spec["rows"], spec["width"]) in [0, 1], read row by row,
    -> class probabilities (batch, spec["classes"]), with a custom Elman cell (not SimpleRNN).  The training
    routine compiles it (Adam, sparse categorical cross-entropy)."""
    from .elman import elman_classifier

    return elman_classifier(spec["rows"], spec["width"], spec["classes"], UNITS)


def _split(ctx, images, labels, name: str, salt: int, hidden=None):
    """(train images, labels, test images, labels): stratified 70/30, or all loaded / the hidden ones."""
    from rnnsuite.prep import stratified_split

    rng = ctx.rng(salt)
    labels = np.asarray(labels, dtype=np.int64)
    if ctx.quick:
        _, _, keep = stratified_split(labels, test=min(0.99, QUICK[name] / len(labels)),
                                      seed=int(rng.integers(2**31)))
        images, labels = images[keep], labels[keep]
    if hidden is not None:  # grading with the instructor's hidden images: every loaded image trains
        return images, labels, np.asarray(hidden.images, np.float32), np.asarray(hidden.labels, np.int64)
    train, _, test = stratified_split(labels, test=0.3, seed=int(rng.integers(2**31)))
    return images[train], labels[train], images[test], labels[test]


def _up(images: np.ndarray) -> np.ndarray:
    """Images at SIDE x SIDE (the 8x8 digits upscaled, bilinear)."""
    return images if images.shape[1] == SIDE else filters.resize(images, SIDE)


#: image set -> the data set it comes from
SETS = {"mnist": "mnist5k", "digits8": "digits"}


def prepare(ctx):
    from rnnsuite.types import Split

    train_x, train_y, test_inputs, test_targets, info = [], [], {}, {}, {}
    for salt, (name, dataset) in enumerate(SETS.items()):
        data = ctx.load(dataset)
        xtr, ytr, xte, yte = _split(ctx, np.asarray(data.images, np.float32), data.labels, name, 20 + salt,
                                    hidden=ctx.load_hidden(dataset))
        side = xtr.shape[1]
        train_x.append(_up(xtr))
        train_y.append(ytr)
        test_inputs[name], test_targets[name] = _up(xte), yte
        for i, (fname, apply) in enumerate(filters.FILTERS.items()):
            # filters act on the images as they are (8x8 digits at 8x8), then the same upscaling
            test_inputs[f"{name}_{fname}"] = _up(apply(xte, ctx.rng(100 + 10 * salt + i)))
        info[f"{name}_train"], info[f"{name}_test"], info[f"{name}_side"] = len(ytr), len(yte), side
    info["split"] = "stratified 70/30 per set, seeded (MNIST 5k is sorted by label)"
    info["filters"] = list(filters.FILTERS)
    info["majority_accuracy"] = metrics.majority_accuracy(train_y[0], test_targets["mnist"])
    train = {"images": np.concatenate(train_x), "labels": np.concatenate(train_y)}
    spec = {"rows": SIDE, "width": SIDE, "classes": 10, "seed": ctx.seed}
    return Split(train=train, test_inputs=test_inputs, test_targets=test_targets, spec=spec, info=info)


def train(ctx, model, data):
    from rnnsuite.kerasutil import keras, progress_callback
    from rnnsuite.prep import stratified_split

    k = keras()
    x, y = data["images"], data["labels"]
    model.compile(k.optimizers.Adam(LEARNING_RATE, clipnorm=CLIP_NORM), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    fit_idx, _, val_idx = stratified_split(y, test=VALIDATION_SHARE, seed=int(ctx.rng(1).integers(2**31)))
    slower = k.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-4)
    stop = k.callbacks.EarlyStopping(monitor="val_accuracy", patience=PATIENCE, restore_best_weights=True)
    history = model.fit(x[fit_idx], y[fit_idx], validation_data=(x[val_idx], y[val_idx]), epochs=ctx.epochs,
                        batch_size=64, verbose=0, callbacks=[slower, stop, progress_callback(ctx)])
    ctx.record_history(history.history)
    ctx.info["val_accuracy"] = float(max(history.history.get("val_accuracy", [0.0])))
    return model


def predict(ctx, model, inputs: dict):
    """Digit ids for every test stack (clean and filtered), in one pass."""
    keys = list(inputs)
    probs = model.predict(np.concatenate([inputs[key] for key in keys]), batch_size=512, verbose=0)
    labels = probs.argmax(axis=-1).astype(np.int64)
    cuts = np.cumsum([len(inputs[key]) for key in keys])[:-1]
    return dict(zip(keys, np.split(labels, cuts)))


def evaluate(ctx, split, predicted: dict):
    scores = {metric_name(key): metrics.accuracy(pred, split.test_targets[key.partition("_")[0]])
              for key, pred in predicted.items()}
    scores["majority_accuracy"] = metrics.majority_accuracy(split.train["labels"], split.test_targets["mnist"])
    return scores


def accuracy_table(ctx, split, predicted) -> dict:
    """accuracy per filter: one row per filter, one column per image set (CSV and markdown)."""
    scores = evaluate(ctx, split, predicted)
    sources = list(split.test_targets)
    rows = [(flt, [scores[metric_name(f"{s}_{flt}" if flt != "clean" else s)] for s in sources])
            for flt in ("clean", *filters.FILTERS)]
    with open(ctx.path("accuracy_by_filter.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["filter", *sources])
        writer.writerows([flt, *(f"{v:.4f}" for v in values)] for flt, values in rows)
    lines = ["| filter | " + " | ".join(sources) + " |", "|---" * (len(sources) + 1) + "|"]
    lines += [f"| {flt} | " + " | ".join(f"{v:.3f}" for v in values) + " |" for flt, values in rows]
    ctx.path("accuracy_by_filter.md").write_text("\n".join(lines) + "\n")
    return {"accuracy_table": ctx.path("accuracy_by_filter.csv"),
            "accuracy_table_md": ctx.path("accuracy_by_filter.md")}


def artifacts(ctx, split, predicted, model):
    out = accuracy_table(ctx, split, predicted)
    labels = split.test_targets["mnist"]
    shown = np.array([np.flatnonzero(labels == d)[0] for d in np.unique(labels)[:8]])  # one image per digit
    true = labels[shown]
    rows = []
    for key in ["mnist", *(f"mnist_{f}" for f in filters.FILTERS)]:
        pred = predicted[key][shown]
        captions = [f"{p}" + ("" if p == t else f" (true {t})") for p, t in zip(pred, true)]
        rows.append((key.partition("_")[2] or "clean", split.test_inputs[key][shown], captions))
    out["filtered_examples"] = plots.image_grid(ctx.path("filtered_examples.png"), rows,
                                                title="Elman network: predictions on filtered MNIST test images")
    path = ctx.path(MODEL_FILE)
    model.save(path)
    out["model"] = path
    return out


# -- rnnsuite try ------------------------------------------------------------------
def as_digit(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """A person's square gray image (H, H) as the network reads digits: SIDE x SIDE, a light digit on black.

    A smaller image is upscaled as the 8x8 digits are (bilinear), a larger one
    averaged down (box filter); a mostly light image (a dark digit on paper)
    is inverted.  Returns the image and whether it was inverted.
    """
    from PIL import Image

    inverted = bool(image.mean() > 0.5)
    if inverted:
        image = 1.0 - image
    if image.shape[0] < SIDE:
        return _up(image[None])[0], inverted
    box = Image.fromarray(np.asarray(image, np.float32), mode="F").resize((SIDE, SIDE), Image.Resampling.BOX)
    return np.clip(np.asarray(box, np.float32), 0.0, 1.0), inverted


def use(folder, inputs, options) -> str:
    """``rnnsuite try RUN v5.3 IMAGE ...``: the digit in each square image file, with its probability."""
    from rnnsuite.errors import DataError
    from rnnsuite.tryfiles import read_gray, saved

    from .elman import load

    if not inputs:
        raise DataError("give one or more image files of a handwritten digit (square: 28x28 as MNIST, 8x8, ...)")
    images, notes = [], []
    for path in inputs:
        image = read_gray(path)
        if image.shape[0] != image.shape[1]:
            raise DataError(f"{path}: a {image.shape[1]}x{image.shape[0]} image; the Elman network reads square "
                            f"digit images ({SIDE}x{SIDE} as MNIST, or any square size, resized to it)")
        digit, inverted = as_digit(image)
        images.append(digit)
        notes.append(" (read inverted: a dark digit on a light background)" if inverted else "")
    probs = np.asarray(load(saved(folder, MODEL_FILE)).predict(np.stack(images), verbose=0), np.float64)
    lines = []
    for path, p, note in zip(inputs, probs, notes):
        first, second = np.argsort(-p)[:2]
        lines.append(f"{path}: digit {first} (p = {p[first]:.2f}; next {second}, p = {p[second]:.2f}){note}")
    return "\n".join(lines)
