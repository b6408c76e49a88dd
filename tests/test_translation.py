"""The translation routines shared by v3.2 and v6.2 (rnnsuite.translation): placeholders, scores,
baselines, the split with hidden data, the tables; end to end in quick mode for v3.2 (slow)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from rnnsuite.datasets.records import Pairs

from rnnsuite import translation
from rnnsuite.context import RunContext
from rnnsuite.types import Split


def test_placeholders_become_numbered_marks_and_come_back():
    source = "Delete %(count)s files from {0}? %s"
    masked, target, found = translation.mask_placeholders(source, "Удалить %(count)s файлов из {0}? %s")
    assert found == ["%(count)s", "{0}", "%s"]
    assert masked == "Delete ⟦0⟧ files from ⟦1⟧? ⟦2⟧" and target == "Удалить ⟦0⟧ файлов из ⟦1⟧? ⟦2⟧"
    assert translation.unmask_placeholders("Файлы ⟦1⟧: ⟦0⟧ ⟦7⟧", found) == "Файлы {0}: %(count)s"
    same, _, none = translation.mask_placeholders("100% sure, {not a placeholder}")
    assert none == [] and same == "100% sure, {not a placeholder}"
    assert translation.mask_placeholders("Page %1 of %2")[2] == ["%1", "%2"]


def test_bleu_is_computed_without_placeholders_and_chrf_with_them():
    refs = ["Скрытое поле %(name)s %(error)s", "Удалить %(count)s"]
    copied = ["(Hidden field %(name)s) %(error)s", "Delete %(count)s"]
    masked = translation.scores(copied, refs)
    import sacrebleu

    unmasked = sacrebleu.corpus_bleu(copied, [refs]).score
    assert unmasked > 10 and masked["bleu"] == pytest.approx(0.0, abs=1e-6)  # only the placeholders matched
    long = ["Удалить %(count)s выбранных файлов из этой папки"]
    assert translation.scores(long, long) == {"chrf": pytest.approx(100), "bleu": pytest.approx(100)}
    per = translation.sentence_chrf(["Удалить %(count)s", "абв"], ["Удалить %(count)s", "где"])
    assert per[0] == pytest.approx(100) and per[1] == pytest.approx(0)


def test_bars_pass_at_copy_plus_10_and_give_full_credit_at_three_quarters_of_the_memory():
    bars = translation.bars("Russian", "English")
    base = {"copy_chrf": 15.0, "memory_chrf": 40.0, "chrf_pass": 25.0, "chrf_full": 30.0}
    checks = [[b.check({**base, "chrf": chrf}) for b in bars] for chrf in (20.0, 27.5, 31.0)]
    assert [[c.passed for c in row] for row in checks] == [[False, False], [True, False], [True, True]]
    assert [row[1].credit for row in checks] == [0.0, pytest.approx(0.5), 1.0]


PAIRS = Pairs([f"Open file {i}" for i in range(40)] + ["Save %(name)s"] * 2 + ["x" * 100],
              [f"Открыть файл {i}" for i in range(40)] + ["Сохранить %(name)s"] * 2 + ["y" * 100], "en", "ru")


def ctx_for(tmp_path, hidden=None, quick=False, seed=0):
    from rnnsuite.plugins.variant3.translation import ASSIGNMENT

    data = {"default": PAIRS, "hidden": hidden}
    registry = SimpleNamespace(
        datasets={"en_ru_pairs": None},
        dataset=lambda name: SimpleNamespace(load=lambda path=None, full=False: data["hidden" if path else "default"]))
    return RunContext(ASSIGNMENT, tmp_path, seed=seed, quick=quick, registry=registry,
                      hidden_paths={"en_ru_pairs": Path("hidden.tsv")} if hidden else {})


def test_prepare_splits_70_30_drops_long_pairs_and_reverses_for_russian_to_english(tmp_path):
    split = translation.prepare(ctx_for(tmp_path), reverse=False, salt=1)
    assert len(split.train.source) + len(split.test_inputs.source) == 42  # the 100-character pair is dropped
    assert len(split.test_inputs.source) == round(0.3 * 42) and split.test_inputs.target is None
    assert set(split.train.source).isdisjoint(f for f in split.test_inputs.source if f.startswith("Open"))
    assert split.info["direction"] == "en -> ru" and split.spec["bidirectional"]
    assert "⟦0⟧" in split.spec["target_codec"]["tokens"]  # placeholder marks are pieces of their own
    back = translation.prepare(ctx_for(tmp_path), reverse=True, salt=1)
    assert back.info["direction"] == "ru -> en" and all(s.startswith(("Откр", "Сохр")) for s in back.train.source)
    again = translation.prepare(ctx_for(tmp_path), reverse=False, salt=1)
    assert again.test_targets == split.test_targets and again.spec == split.spec  # seeded: the same split


def test_hidden_pairs_are_the_test_block_and_everything_else_trains(tmp_path):
    hidden = Pairs(["Close window", "Open file 7"], ["Закрыть окно", "Открыть файл 7"], "en", "ru")
    split = translation.prepare(ctx_for(tmp_path, hidden=hidden), reverse=True, salt=1)
    assert split.test_inputs.source == ["Закрыть окно", "Открыть файл 7"]
    assert split.test_targets == ["Close window", "Open file 7"]
    assert len(split.train.source) == 42


def test_evaluate_reports_the_copy_and_the_translation_memory(tmp_path):
    train = translation.Sentences(["Open file", "Close window"], ["Открыть файл", "Закрыть окно"])
    split = Split(train, translation.Sentences(["Open files", "Close"]), ["Открыть файлы", "Закрыть"])
    m = translation.evaluate(None, split, ["Открыть файлы", "Закрыть"])
    assert set(m) == set(translation.METRICS)
    assert m["chrf"] == pytest.approx(100) and m["copy_chrf"] < 10
    assert 30 < m["memory_chrf"] < 100  # "Открыть файл" for "Open files": close, not exact
    assert m["chrf_pass"] == m["copy_chrf"] + 10 and m["chrf_full"] == pytest.approx(0.75 * m["memory_chrf"])


def test_artifact_tables_rank_sentences_by_chrf(tmp_path):
    class Saver:
        def save(self, folder):
            folder.mkdir()
            return folder

    ctx = ctx_for(tmp_path)
    split = Split(None, translation.Sentences(["a|b", "c", "d"]), ["да|нет", "си", "ди"])
    paths = translation.artifacts(ctx, split, ["да|нет", "xx", "ди"], Saver())
    rows = paths["translations"].read_text(encoding="utf-8").splitlines()
    assert rows[0] == "source\treference\thypothesis\tchrf" and len(rows) == 4
    md = paths["translations_md"].read_text(encoding="utf-8")
    best, worst = md.split("## Worst 10")
    assert "да\\|нет" in best and best.index("да\\|нет") < best.index("| xx |")
    assert worst.index("| xx |") < worst.index("ди |")


@pytest.mark.slow
@pytest.mark.integration
def test_english_to_russian_quick(tmp_path):
    from rnnsuite.manager import Manager
    from rnnsuite.runner import run

    manager = Manager().load()
    variant = manager.registry.variant(3)
    [result] = run(manager, variant, [variant.assignment(2)], out_dir=tmp_path, seed=0, quick=True)
    assert result.error is None, result.error
    assert result.info["direction"] == "en -> ru" and set(result.metrics) == set(translation.METRICS)
    assert set(result.artifacts) == set(translation.ARTIFACTS)
    from rnnsuite.seq2seq import Seq2Seq

    again = Seq2Seq.load(Path(result.artifacts["model"]))  # the saved model translates new text
    assert isinstance(translation.translate(again, ["Open %(name)s"], beam=2)[0], str)


# -- bad input: one line, exit 2 ---------------------------------------------------------

def test_a_parallel_corpus_is_two_aligned_files(tmp_path):
    from rnnsuite.datasets.translation import read_pairs

    (tmp_path / "c.en").write_text("Open\nClose\n", encoding="utf-8")
    (tmp_path / "c.ru").write_text("Открыть\nЗакрыть\n", encoding="utf-8")
    for name in ("c.en", "c.ru"):
        pairs = read_pairs(tmp_path / name)
        assert pairs.source == ["Open", "Close"] and pairs.target == ["Открыть", "Закрыть"]


@pytest.mark.parametrize("files, named, message", [
    ({"c.en": "Open\nClose\n", "c.ru": "Открыть\n"}, "c.en", "c.en has 2 lines but c.ru has 1"),
    ({"c.en": "Open\n"}, "c.en", "needs both c.en and c.ru; c.ru is missing"),
    ({"pairs.csv": "english\nOpen\n"}, "pairs.csv", "wrong columns english; expected russian"),
    ({"rus.txt": "Open\n"}, "rus.txt", "line 1 has no tab"),
    ({"django.mo": ""}, "django.mo", "not a valid .mo catalogue"),
    ({"django.po": 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8"\n'}, "django.po",
     "no translated pairs found"),
])
def test_bad_parallel_files_are_one_line_data_errors(tmp_path, files, named, message):
    from rnnsuite.datasets.translation import read_pairs

    from rnnsuite.errors import DataError

    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message) as err:
        read_pairs(tmp_path / named)
    assert "\n" not in str(err.value)


def test_mismatched_parallel_files_exit_2_with_one_line(tmp_path):
    import subprocess
    import sys

    (tmp_path / "c.en").write_text("Open\nClose\n", encoding="utf-8")
    (tmp_path / "c.ru").write_text("Открыть\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "rnnsuite.cli", "run", "--variant", "3", "--task", "2", "--quick",
                           "--data", f"en_ru_pairs={tmp_path / 'c.en'}", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "c.en has 2 lines but c.ru has 1" in done.stdout + done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_submission_re_exporting_the_reference_translator_is_graded(tmp_path):
    """The grading child trains the submission's model through adapt/train/predict; the parent scores its text."""
    from grading_helpers import grade

    from rnnsuite.grading import batch, sandbox
    from rnnsuite.manager import Manager

    registry = Manager().load().registry
    a = registry.assignment("v6.2")
    b = batch.Batch(registry, [a], batch.Settings(quick=True, limits=sandbox.Limits(timeout=600)))
    r = grade(b, tmp_path / "subs", "reference.py", """
        from rnnsuite.types import ModelFactory
        from rnnsuite.plugins.variant6.translator import build

        def rnnsuite_add_models():
            return [ModelFactory("birnn-translator", "keras", build)]
    """)
    assert r.status == "ok", r.errors
    m = r.assignments[0].metrics
    assert set(m) == set(translation.METRICS) and 0 < m["memory_chrf"] < 100
    assert len(r.items) == len(a.bars) and all(i.name.startswith("v6.2") for i in r.items)
