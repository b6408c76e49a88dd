"""Plain value types that plugins contribute and the host passes around.

Nothing here imports TensorFlow or trains anything: these are the nouns of
the suite.  Plugins build them; the runner, the reporters and the graders
read them.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from rnnsuite.context import RunContext

Kind = Literal["scratch", "keras", "custom"]
KINDS: tuple[str, ...] = ("scratch", "keras", "custom")


@dataclass(frozen=True)
class Dataset:
    """A real data set with its data card and a loader.

    ``load(path=None, full=False)`` returns the records (the shape is the
    dataset's own and documented on its module); ``path`` is a file or folder
    the user named with ``--data NAME=PATH``; ``full`` asks for the full-size
    canonical source instead of the offline default.

    What the ``rnnsuite data`` commands need comes from the plugin that
    provides the set, never from the host reaching into it:
    ``needs`` names what must be fetched for the set (e.g.
    ``"vega_datasets==0.9.0"``; empty when it is generated);
    ``locate()`` returns the folders that hold its files once fetched (empty
    when it is generated); ``verify()`` re-hashes what is cached against
    the pinned hashes and returns the problems (empty when it all matches or
    nothing is cached).  ``fetch(full=False, progress=None)`` makes the cache
    complete and correct, fetching again what is missing or corrupt, and
    returns the folder (``None`` when there is nothing to fetch).
    """

    name: str
    title: str
    description: str
    load: Callable[..., Any]
    source: str
    licence: str
    citation: str
    size: str
    records: int | None = None
    used_by: tuple[str, ...] = ()
    split: str = "chronological"  # or "stratified"
    split_why: str = ""
    substitute_for: str = ""  # non-empty when this stands in for the course's suggestion
    fetch: Callable[..., Any] | None = None  # fetch(full=False, progress=None) -> cache path
    is_cached: Callable[[], bool] | None = None
    full_source: str = ""
    needs: tuple[str, ...] = ()
    locate: Callable[[], tuple[Path, ...]] | None = None
    verify: Callable[[], list[str]] | None = None


@dataclass(frozen=True)
class ModelFactory:
    """Builds a fresh, untrained model from a spec of sizes.

    ``build(spec)`` gets the ``Split.spec`` of the assignment (input size,
    classes, vocabulary, sequence length, ...) and returns a model of the
    kind the assignment's ``train`` routine knows how to train.  A student's
    submission answers an assignment by providing a factory of the same name.
    """

    name: str
    kind: Kind
    build: Callable[[Mapping[str, Any]], Any]
    description: str = ""


@dataclass(frozen=True)
class Bar:
    """A bar a metric must reach.

    ``target`` is a number or the name of another metric of the same run (a
    baseline), so bars such as "test MAE below persistence" are data, not
    code.  ``floor`` is where partial credit starts (zero credit there, full
    credit at the target); without one, credit is all or nothing.
    """

    metric: str
    target: float | str
    higher_is_better: bool = True
    floor: float | str | None = None
    why: str = ""

    def resolve(self, value: float | str | None, metrics: Mapping[str, float]) -> float | None:
        if value is None or isinstance(value, (int, float)):
            return None if value is None else float(value)
        return metrics.get(value)

    def check(self, metrics: Mapping[str, float]) -> "BarCheck":
        value = metrics.get(self.metric)
        target = self.resolve(self.target, metrics)
        floor = self.resolve(self.floor, metrics)
        if value is None or target is None or not math.isfinite(value):
            return BarCheck(self.metric, value, target, self.label(), False, 0.0)
        better = (lambda a, b: a >= b) if self.higher_is_better else (lambda a, b: a <= b)
        strict = (lambda a, b: a > b) if self.higher_is_better else (lambda a, b: a < b)
        # A bar against a baseline means "beat it": strictly better.
        passed = strict(value, target) if isinstance(self.target, str) else better(value, target)
        if passed:
            credit = 1.0
        elif floor is None or floor == target or not better(value, floor):
            credit = 0.0
        else:
            credit = (value - floor) / (target - floor)
        return BarCheck(self.metric, value, target, self.label(), passed, max(0.0, min(1.0, credit)))

    def label(self) -> str:
        op = ">" if self.higher_is_better else "<"
        if isinstance(self.target, str):
            return f"{op} {self.target}"
        return f"{op}= {self.target:g}"


@dataclass(frozen=True)
class BarCheck:
    metric: str
    value: float | None
    target: float | None
    label: str
    passed: bool
    credit: float


@dataclass
class Split:
    """One assignment's prepared data.

    ``train`` is everything the model may learn from (a validation block, if
    any, is carved from it); ``test_inputs`` is what the model predicts from;
    ``test_targets`` are the answers, which never reach a graded submission.
    ``spec`` holds the sizes a ModelFactory needs; ``info`` holds facts to
    report (record counts, baselines, vocabularies).
    """

    train: Any
    test_inputs: Any
    test_targets: Any
    spec: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def public(self) -> "Split":
        """The split without the test answers: what a submission may see."""
        return Split(self.train, self.test_inputs, None, dict(self.spec), {})


@dataclass(frozen=True)
class ScratchSpec:
    """How a ``scratch`` assignment trains its FRNN: what the gradient and forward checks exercise.

    The split's ``spec`` of a scratch assignment holds ``n`` (input size, or
    vocabulary size for token ids) and ``m`` (output size); the hidden size
    k is the model's own.  The graders probe the student's model with the
    same kind of data the assignment trains on.

    ``carry_state``: training reads a long sequence in chunks and passes
    ``h0`` = the last state of the previous chunk (min-char-rnn style
    truncated BPTT: the gradient stops at the chunk boundary).  The model
    must then offer the protocol's state extension (``h0=`` on ``forward``,
    ``loss`` and ``loss_and_grads``, ``last_state`` after them), and the
    graders probe it with a random ``h0`` too.
    """

    inputs: Literal["tokens", "vectors"]  # (B, T) token ids, or (B, T, n) real vectors
    output: Literal["last", "all"]  # a target at the last step only, or at every step
    loss: Literal["ce", "bce", "mse"]  # softmax cross-entropy, sigmoid cross-entropy (m = 1), 1/2 e^2
    masked: bool = False  # trains on left-padded sequences with a mask
    truncate: int | None = None  # truncated BPTT over this many steps (None: full BPTT)
    carry_state: bool = False  # training passes h0 = the last state of the previous chunk


@dataclass(frozen=True)
class Assignment:
    """One assignment of a variant, as data plus four routines.

    One pipeline (``rnnsuite.pipeline``) calls them, for ``run`` and for the
    grading child alike::

        split = prepare(ctx)                         # data, in the course's split
        built = factory.build(split.spec)            # the factory named by ``model``
        model = adapt(split.spec, built)             # only if ``adapt`` is set
        model = train(ctx, model, split.train)       # epoch events and history via ctx
        pred  = predict(ctx, model, split.test_inputs)
        metrics = evaluate(ctx, split, pred)         # scored against test_targets
        artifacts(ctx, split, pred, model)           # samples, plots, saved model

    ``train`` and ``predict`` never see ``test_targets``: that is what lets
    the grader run them in a student's sandbox.  ``evaluate`` must return
    exactly the declared ``metrics`` and ``artifacts`` exactly the declared
    ``artifact_names``: the runner checks both after each assignment.
    """

    id: str  # "v5.2": variant 5, assignment 2
    kind: Kind
    network: str
    task_en: str
    task_ru: str
    datasets: tuple[str, ...]
    model: str
    prepare: Callable[["RunContext"], Split]
    train: Callable[["RunContext", Any, Any], Any]
    predict: Callable[["RunContext", Any, Any], Any]
    evaluate: Callable[["RunContext", Split, Any], dict[str, float]]
    metrics: tuple[str, ...] = ()
    bars: tuple[Bar, ...] = ()
    artifacts: Callable[["RunContext", Split, Any, Any], dict[str, Path]] | None = None
    artifact_names: tuple[str, ...] = ()
    from_course: bool = True  # False where the course leaves the cell empty
    epochs: int = 10
    quick_epochs: int = 1
    adapt: Callable[[Mapping[str, Any], Any], Any] | None = None
    scratch: ScratchSpec | None = None
    use: Callable[[Path, Sequence[str], Mapping[str, Any]], str] | None = None  # rnnsuite try: see docs/plugins.md

    @property
    def variant(self) -> int:
        return int(self.id[1:].split(".")[0])

    @property
    def number(self) -> int:
        return int(self.id.split(".")[1])


@dataclass(frozen=True)
class Variant:
    number: int
    title: str
    assignments: tuple[Assignment, ...]
    description: str = ""

    def assignment(self, number: int) -> Assignment:
        for a in self.assignments:
            if a.number == number:
                return a
        raise KeyError(number)


@dataclass(frozen=True)
class GradeItem:
    """One line of a grade: what was checked and what it earned."""

    name: str
    score: float
    max_score: float
    passed: bool
    message: str = ""


@dataclass
class Outcome:
    """What one run of an assignment left for the graders: the one thing every grader reads.

    The grading parent builds it from what it checked itself (the metrics
    are computed from the predictions against test targets the child never
    saw), so a grader never runs a submission's code.
    """

    assignment: Assignment
    metrics: dict[str, float] = field(default_factory=dict)
    reason: str = ""  # why the run did not finish ('' when it did), e.g. "timed out after 600 s (while training)"
    structure: tuple[str, ...] | None = None  # class names of the trained model, its layers and cells
    scratch: Any = None  # scratch assignments: the evidence of rnnsuite.grading.evidence, or None


@dataclass(frozen=True)
class Grader:
    """Turns an assignment's outcome into grade items.

    ``applies(assignment)`` says whether this grader has something to say
    about an assignment; ``grade(outcome)`` gets an :class:`Outcome` and
    returns the items.  A grader explains a lost item with ``outcome.reason``
    when the run did not finish.
    """

    name: str
    applies: Callable[[Assignment], bool]
    grade: Callable[[Outcome], list[GradeItem]]
    description: str = ""


@dataclass
class RunResult:
    """What one assignment's run produced; written as ``result.json``."""

    assignment: str
    status: Literal["passed", "failed", "error"]
    metrics: dict[str, float] = field(default_factory=dict)
    bars: list[BarCheck] = field(default_factory=list)
    artifacts: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    history: dict[str, list[float]] = field(default_factory=dict)  # per-epoch curves: loss, val_loss, ...
    seconds: float = 0.0
    seed: int = 0
    quick: bool = False
    full: bool = False
    error: str | None = None
    input_error: bool = False  # the error is the user's input (a data file, an argument), not a bug

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
