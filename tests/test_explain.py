"""``rnnsuite explain``: every shipped assignment's network, with the parameters its model really has."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from rnnsuite import explain
from rnnsuite.cli import cli
from rnnsuite.manager import Manager
from rnnsuite.scratch import FRNN

REGISTRY = Manager().load().registry
ASSIGNMENTS = [a.id for c in sorted(REGISTRY.variants.items()) for a in c[1].value.assignments]


def test_every_shipped_network_has_an_explanation_in_both_languages():
    for ident in ASSIGNMENTS:
        network = explain.network_of(REGISTRY.assignment(ident).network)
        assert network.title["en"] and network.title["ru"] and network.text["ru"] != network.text["en"]
    with pytest.raises(KeyError, match="no explanation"):
        explain.network_of("perceptron")


def test_parameters_are_read_off_the_model():
    assert explain.parameters(FRNN(3, 4, 2)) == [("W", (4, 3)), ("U", (4, 4)), ("V", (2, 4)), ("b_h", (4,)),
                                                 ("b_y", (2,))]

    class Reservoir:
        def __init__(self):
            self.W, self.W_out, self._cache, self.leak = np.zeros((5, 5)), np.zeros((1, 9)), np.zeros(3), 0.5

    assert explain.parameters(Reservoir()) == [("W", (5, 5)), ("W_out", (1, 9))]


@pytest.mark.slow
@pytest.mark.parametrize("ident", ASSIGNMENTS)
def test_each_explanation_names_every_parameter_with_its_shape(ident):
    spec = explain.quick_spec(REGISTRY, REGISTRY.assignment(ident))
    e = explain.explain(REGISTRY, ident, spec=spec)
    assert not e.note and e.parameters, e.note
    text = explain.markdown(e)
    for name, shape in e.parameters:
        assert f"| `{name}` | {' x '.join(map(str, shape)) or 'scalar'} |" in text
    model = REGISTRY.model(REGISTRY.assignment(ident).model).build(spec)
    if hasattr(model, "get_weights"):  # Keras: the same weights, in order, by Keras's own count
        assert [shape for _, shape in e.parameters] == [tuple(w.shape) for w in model.get_weights()]
    if REGISTRY.assignment(ident).kind == "scratch":
        assert [name for name, _ in e.parameters] == ["W", "U", "V", "b_h", "b_y"]
    assert e.assignment == ident and e.network.equations


def test_the_command_in_russian_with_a_diagram(tmp_path):
    result = CliRunner().invoke(cli, ["explain", "v6.1", "--lang", "ru", "--markdown", "--diagram",
                                      str(tmp_path / "d.png")])
    assert result.exit_code == 0, result.output
    assert "Полносвязная рекуррентная сеть" in result.stdout and "| `U` | 16 x 16 |" in result.stdout
    assert "delta_t = (1 - h_t^2)" in result.stdout  # the BPTT recurrence of the scratch FRNN
    assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = CliRunner().invoke(cli, ["explain", "v5.9"])
    assert bad.exit_code == 2 and "unknown assignment 'v5.9'" in bad.stderr
