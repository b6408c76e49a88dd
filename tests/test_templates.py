"""Templates a student can finish, and ``rnnsuite check`` on them.

A template completed the way its comments say (a scratch FRNN's three
methods; a model of the kind described for the others) gets exactly what
the suite's own solution gets; the unfilled template gets nothing, with
reasons; ``rnnsuite check`` shows every item.
"""
from __future__ import annotations

import json
import re

import pytest
from cli_schema import check as check_schema
from cli_schema import schemas
from click.testing import CliRunner

from rnnsuite.cli import cli
from rnnsuite.grading import local
from rnnsuite.manager import Manager

#: how a student completes the scratch class: each TODO method, written (here by the honest student FRNN)
COMPLETION = {
    "forward": "return _solution(self).forward(X, mask)",
    "loss": "return _solution(self).loss(X, targets, mask)",
    "loss_and_grads": "return _solution(self).loss_and_grads(X, targets, mask, truncate)",
}
SOLUTION = '''

def _solution(model):
    """The honest student's FRNN, holding this model's own parameters."""
    frnn = StudentFRNN.__new__(StudentFRNN)
    frnn.params, frnn.output, frnn.loss_name = model.params, model.output, model.loss_name
    return frnn
'''


def write_template(tmp_path, variant: int, reference: bool = False) -> str:
    args = ["submission", "init", "--variant", str(variant), str(tmp_path)] + (["--reference"] if reference else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    text = (tmp_path / f"variant{variant}{'_reference' if reference else ''}.py").read_text()
    compile(text, "template", "exec")
    return text


def complete(template: str, reference: str) -> str:
    """The template with its scratch methods written and its other factories building the described model."""
    for method, body in COMPLETION.items():
        template, n = re.subn(rf'(    def {method}\(self, [^)]*\):\n)        raise NotImplementedError\("TODO[^\n]*\n',
                              rf"\g<1>        {body}\n", template)
        assert n >= 1, method
    for fn, body in re.findall(r'\ndef (build_\w+)\(spec\):\n    """.*?"""\n(    from .*?)\n\n\n', reference, re.S):
        template = re.sub(rf'(def {fn}\(spec\):\n    """.*?"""\n)    raise NotImplementedError\("TODO[^\n]*\n',
                          lambda m: m.group(1) + body + "\n", template, flags=re.S)
    student = reference[reference.index("class StudentFRNN"):reference.index("\n# ---", reference.index("class "))]
    return template.replace("from rnnsuite.types import ModelFactory\n",
                            "from rnnsuite.types import ModelFactory\n\n\n" + student + SOLUTION, 1)


def checked(tmp_path, name: str, text: str, variant: int, tasks: tuple[int, ...], quick: bool = True):
    path = tmp_path / name
    path.write_text(text)
    registry = Manager().load().registry
    chosen = [a for a in registry.variant(variant).assignments if a.number in tasks]
    return {r.assignment: r for r in local.check(registry, chosen, path, quick=quick, seed=1)}


def scores(result) -> dict[str, float]:
    return {i.name: i.score for i in result.items}


@pytest.mark.integration
@pytest.mark.parametrize("variant, tasks", [(6, (1, 3))])
def test_a_template_completed_as_its_comments_say_gets_full_marks(tmp_path, variant, tasks):
    """The numpy assignments of variant 6 in a default (full) run: every item, bars included (v5.1's full
    run takes minutes: its completed template is compared with the reference in quick mode below)."""
    completed = complete(write_template(tmp_path, variant), write_template(tmp_path, variant, reference=True))
    for ident, result in checked(tmp_path, "completed.py", completed, variant, tasks, quick=False).items():
        assert result.status == "ok", result.reason
        assert result.score == result.max_score > 0, [(i.name, i.message) for i in result.items if not i.passed]


def test_the_unfilled_template_gets_nothing_and_says_why(tmp_path):
    results = checked(tmp_path, "variant6.py", write_template(tmp_path, 6), 6, (1, 3))
    for result in results.values():
        assert result.status == "error" and result.score == 0 and "NotImplementedError: TODO" in result.reason


def test_the_template_says_what_each_factory_gets_and_returns(tmp_path):
    text = write_template(tmp_path, 5)
    for needle in ("frnn-sentiment", "gru-sentiment", "elman-digits", "loss_and_grads", "h_t = tanh(W x_t",
                   "# spec: {'vocab_size':", "token ids", "mask (B, T) bool", "rnnsuite check variant5.py",
                   "returned uncompiled", "Задание:"):
        assert needle in text, needle
    assert "rnnsuite.scratch" not in text  # a template never points at the suite's own engine


def test_check_on_the_command_line(tmp_path):
    reference = write_template(tmp_path, 6, reference=True)
    (tmp_path / "mine.py").write_text(reference)
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "mine.py"), "--variant", "6", "--task", "1",
                                      "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert check_schema(doc, schemas()["rnnsuite check --json"]) == []
    items = {i["name"]: i for i in doc["assignments"][0]["items"]}
    assert items["v6.1 gradient W"]["passed"] and "margin" in items["v6.1 mae < mean3_mae"]["message"]
    broken = tmp_path / "broken.py"
    broken.write_text("def rnnsuite_add_models(:\n")
    result = CliRunner().invoke(cli, ["check", str(broken), "--variant", "6"])
    assert result.exit_code == 2 and "broken.py, line 1" in result.stderr


@pytest.mark.slow
def test_the_templates_completed_get_what_the_reference_gets(tmp_path):
    """Quick mode: completed as the comments say, a Keras template (a custom cell; a seq2seq model the
    assignment wraps) trains exactly as the reference does; the scratch FRNN on token ids (its own initial
    weights) gets full marks on every model check."""
    for variant, tasks in ((5, (1, 3)), (6, (2,))):
        template = write_template(tmp_path, variant)
        reference = write_template(tmp_path, variant, reference=True)
        ours = checked(tmp_path, f"completed{variant}.py", complete(template, reference), variant, tasks)
        theirs = checked(tmp_path, f"reference{variant}.py", reference, variant, tasks)
        for ident, result in ours.items():
            assert result.status == "ok", result.reason
            if ident == "v5.1":
                checks = [i for i in result.items if " gradient " in i.name or " forward" in i.name]
                assert checks and all(i.score == i.max_score for i in checks), [i.name for i in checks]
            else:
                assert scores(result) == scores(theirs[ident]) and result.metrics == theirs[ident].metrics


@pytest.mark.slow
def test_every_variant_has_a_template_and_a_reference_naming_each_assignment_s_factory(tmp_path, monkeypatch):
    """For each shipped variant: the template compiles with a TODO or a scratch FRNN class per assignment;
    the reference, loaded, registers exactly the factories the assignments use, of their kinds."""
    from rnnsuite.grading import template

    specs: dict[str, dict | None] = {}
    prepare = template.example_spec
    monkeypatch.setattr(template, "example_spec",
                        lambda registry, a: specs[a.id] if a.id in specs else specs.setdefault(a.id, prepare(registry, a)))
    registry = Manager().load().registry
    for number, variant in sorted((n, c.value) for n, c in registry.variants.items()):
        text = template.write(variant, f"variant{number}.py", registry)
        compile(text, f"variant{number}.py", "exec")
        for a in variant.assignments:
            assert f"def build_{a.id.replace('.', '_')}" in text or a.model in text, a.id
            needle = f"class FRNN_{a.id.replace('.', '_')}" if a.kind == "scratch" else "TODO: build and return"
            assert needle in text, (a.id, needle)
            assert specs[a.id] is not None, f"{a.id}: the quick preparation failed"
        reference = template.write(variant, f"variant{number}.py", registry, reference=True)
        assert "NotImplementedError" not in reference
        namespace: dict = {"__name__": f"reference{number}"}
        exec(compile(reference, f"variant{number}_reference.py", "exec"), namespace)  # noqa: S102 - our own file
        factories = {f.name: f.kind for f in namespace["rnnsuite_add_models"]()}
        assert factories == {a.model: a.kind for a in variant.assignments}, number
