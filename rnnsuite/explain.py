"""``rnnsuite explain v5.3``: how an assignment's network works, in the course's notation.

For every network the course names (FRNN, GRU, LSTM, biRNN, Elman, Jordan,
echo state network, Hopfield, seq2seq with attention, ConvGRU): its
equations, in Russian and English; for the scratch FRNN the BPTT recurrence;
the parameters the assignment's model really has, read off the model its
factory builds for a quick preparation's spec (so the sizes are true, not
typed in); and a diagram of the network unrolled over three steps.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Network:
    keys: tuple[str, ...]  # words of Assignment.network (lower case) that name it
    title: dict[str, str]
    equations: tuple[str, ...]
    text: dict[str, str]
    recurrence: str = "h"  # what the diagram feeds back: h (hidden), y (output), both (bidirectional), none


NETWORKS: tuple[Network, ...] = (
    Network(("frnn", "fully recurrent"),
            {"en": "Fully recurrent network (FRNN)", "ru": "Полносвязная рекуррентная сеть (FRNN)"},
            ("h_t = tanh(W x_t + U h_{t-1} + b_h),   h_0 = 0",
             "y_t = V h_t + b_y",
             "BPTT:  dL/dh_t = V^T dL/dy_t + U^T delta_{t+1},   delta_t = (1 - h_t^2) * dL/dh_t",
             "dW = sum_t delta_t x_t^T,  dU = sum_t delta_t h_{t-1}^T,  db_h = sum_t delta_t",
             "dV = sum_t dL/dy_t h_t^T,  db_y = sum_t dL/dy_t"),
            {"en": "One hidden layer whose state h_t feeds back into itself through U; the error of each output "
                   "flows back through time from the last step (backpropagation through time, Haykin), and "
                   "truncated BPTT cuts it after k steps.",
             "ru": "Один скрытый слой, состояние которого h_t возвращается в него же через U; ошибка каждого выхода "
                   "распространяется назад во времени от последнего шага (обратное распространение во времени, "
                   "Хайкин), усечённый BPTT обрывает её через k шагов."}),
    Network(("gru",), {"en": "Gated recurrent unit (GRU)", "ru": "Управляемый рекуррентный блок (GRU)"},
            ("z_t = sigma(W_z x_t + U_z h_{t-1} + b_z)            update gate",
             "r_t = sigma(W_r x_t + U_r h_{t-1} + b_r)            reset gate",
             "g_t = tanh(W_h x_t + r_t * (U_h h_{t-1} + b_rh) + b_h)   candidate",
             "h_t = z_t * h_{t-1} + (1 - z_t) * g_t"),
            {"en": "The update gate decides how much of h_{t-1} to keep, the reset gate how much of it the "
                   "candidate reads: a simpler LSTM, easier to train. Keras stacks W_z, W_r, W_h in 'kernel' "
                   "(n x 3k) and U_z, U_r, U_h in 'recurrent_kernel' (k x 3k).",
             "ru": "Вентиль обновления решает, сколько сохранить от h_{t-1}, вентиль сброса — сколько из него "
                   "прочитает кандидат: упрощённый LSTM, легче обучается. Keras хранит W_z, W_r, W_h в 'kernel' "
                   "(n x 3k), U_z, U_r, U_h — в 'recurrent_kernel' (k x 3k)."}),
    Network(("lstm",), {"en": "Long short-term memory (LSTM)", "ru": "Долгая краткосрочная память (LSTM)"},
            ("i_t = sigma(W_i x_t + U_i h_{t-1} + b_i)   input gate",
             "f_t = sigma(W_f x_t + U_f h_{t-1} + b_f)   forget gate",
             "o_t = sigma(W_o x_t + U_o h_{t-1} + b_o)   output gate",
             "c_t = f_t * c_{t-1} + i_t * tanh(W_c x_t + U_c h_{t-1} + b_c)",
             "h_t = o_t * tanh(c_t)"),
            {"en": "A memory cell c_t with gates: the forget gate lets the network drop what it no longer needs. "
                   "Keras stacks the four W in 'kernel' (n x 4k: i, f, c, o) and the four U in "
                   "'recurrent_kernel' (k x 4k).",
             "ru": "Ячейка памяти c_t с вентилями: вентиль забывания позволяет сети отбросить ненужное. Keras "
                   "хранит четыре W в 'kernel' (n x 4k: i, f, c, o), четыре U — в 'recurrent_kernel' (k x 4k)."}),
    Network(("convgru", "convolutional gru"), {"en": "Convolutional GRU", "ru": "Свёрточный GRU"},
            ("Z_t = sigma(W_z * X_t + U_z * H_{t-1} + b_z)",
             "R_t = sigma(W_r * X_t + U_r * H_{t-1} + b_r)",
             "G_t = tanh(W_h * X_t + U_h * (R_t o H_{t-1}) + b_h)",
             "H_t = Z_t o H_{t-1} + (1 - Z_t) o G_t        (* convolution, o element-wise)"),
            {"en": "The GRU with its matrix products replaced by convolutions (Ballas et al. 2016): the state is "
                   "an image, and each pixel's gates look at a neighbourhood.",
             "ru": "GRU, в котором матричные произведения заменены свёртками (Ballas et al. 2016): состояние — "
                   "изображение, вентили каждого пикселя смотрят на его окрестность."}),
    Network(("birnn", "bidirectional"), {"en": "Bidirectional RNN", "ru": "Двунаправленная рекуррентная сеть"},
            ("->h_t = RNN_fwd(x_t, ->h_{t-1})      left to right",
             "<-h_t = RNN_bwd(x_t, <-h_{t+1})      right to left",
             "h_t = [->h_t ; <-h_t]"),
            {"en": "Two recurrent layers read the sequence in both directions, so each element's state sees both "
                   "the preceding and the following ones (Keras: Bidirectional, forward_layer and backward_layer).",
             "ru": "Два рекуррентных слоя читают последовательность в обе стороны, так что состояние каждого "
                   "элемента видит и предыдущие, и последующие (Keras: Bidirectional)."}, recurrence="both"),
    Network(("elman",), {"en": "Elman network", "ru": "Сеть Элмана"},
            ("c_t = h_{t-1}              context units: a copy, weight 1, not trained",
             "h_t = tanh(W x_t + U c_t + b)",
             "y = softmax(V h_T + b_y)"),
            {"en": "The hidden layer's previous activations are copied into context units that feed it back at "
                   "the next step (Elman 1990).",
             "ru": "Предыдущие активации скрытого слоя копируются в контекстные нейроны, которые подаются на него "
                   "на следующем шаге (Элман, 1990)."}),
    Network(("jordan",), {"en": "Jordan network", "ru": "Сеть Джордана"},
            ("c_t = y_{t-1}              context units: the previous output",
             "h_t = tanh(W x_t + U c_t + b)",
             "y_t = softmax(V h_t + b_y)"),
            {"en": "Like Elman's, but the context holds the previous output y_{t-1}, not the hidden state "
                   "(Jordan 1986).",
             "ru": "Как у Элмана, но контекст хранит предыдущий выход y_{t-1}, а не скрытое состояние "
                   "(Джордан, 1986)."}, recurrence="y"),
    Network(("echo state", "esn", "reservoir"), {"en": "Echo state network", "ru": "Сеть с эхо-состояниями (ESN)"},
            ("x_t = (1 - a) x_{t-1} + a tanh(W_in u_t + W x_{t-1} + b),   x_0 = 0",
             "y = W_out [1; u_T; x_T]",
             "W_out = D^T Phi (Phi^T Phi + lambda I)^{-1}    ridge regression"),
            {"en": "A fixed sparse random reservoir W at a chosen spectral radius and fixed input weights W_in; "
                   "only the linear readout W_out is trained, in closed form (Jaeger 2001).",
             "ru": "Фиксированный разреженный случайный резервуар W с выбранным спектральным радиусом и "
                   "фиксированные входные веса W_in; обучается только линейный выход W_out, в замкнутой форме "
                   "(Йегер, 2001)."}),
    Network(("hopfield",), {"en": "Hopfield network", "ru": "Сеть Хопфилда"},
            ("s_i <- sign(sum_j w_ij s_j)          asynchronous update, one neuron at a time",
             "E(s) = -1/2 sum_ij w_ij s_i s_j      never increases under asynchronous updates",
             "Hebb: W = (1/N) sum_mu xi^mu xi^mu^T, w_ii = 0;   pseudo-inverse: W = Xi (Xi^T Xi)^{-1} Xi^T"),
            {"en": "A fully connected network of +-1 neurons that stores patterns as minima of its energy and "
                   "restores a distorted pattern by descending to the nearest one; no gradient training.",
             "ru": "Полносвязная сеть нейронов +-1, хранящая образы как минимумы энергии и восстанавливающая "
                   "искажённый образ спуском к ближайшему; обучение без градиентов."}, recurrence="none"),
    Network(("seq2seq", "encoder", "attention", "translat"),
            {"en": "Encoder-decoder with attention", "ru": "Кодировщик-декодировщик с вниманием"},
            ("e_1..e_S = Encoder(x_1..x_S)",
             "s_t = RNN(embed(y_{t-1}), s_{t-1}),   s_0 = the encoder's last state",
             "alpha_{t,i} = softmax_i(s_t . e_i),   c_t = sum_i alpha_{t,i} e_i",
             "p(y_t | y_<t, x) = softmax(V tanh(A [s_t; c_t]))"),
            {"en": "The decoder writes the output one token at a time and, at every step, attends to the encoder's "
                   "states; trained with teacher forcing, decoded greedily or with beam search.",
             "ru": "Декодировщик пишет выход по одному токену и на каждом шаге «смотрит» на состояния "
                   "кодировщика; обучение с принуждением учителем, декодирование жадное или лучевым поиском."}),
)


def network_of(name: str) -> Network:
    """The explanation of the network an assignment names (Assignment.network)."""
    lowered = name.lower()
    for network in NETWORKS:
        if any(key in lowered for key in network.keys):
            return network
    raise KeyError(f"no explanation of a network named {name!r}")


@dataclass
class Explanation:
    assignment: str
    network: Network
    task: str
    parameters: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)  # (name, shape) of the model built
    note: str = ""  # why the parameters could not be listed


def parameters(model: Any) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) of every parameter of a model: a scratch FRNN's params, a Keras model's weights,
    or a numpy network's array attributes."""
    params = getattr(model, "params", None)
    if isinstance(params, dict):
        return [(name, tuple(np.shape(v))) for name, v in params.items()]
    weights = getattr(model, "weights", None)
    if isinstance(weights, list) and weights and hasattr(weights[0], "shape"):
        return [(getattr(w, "path", None) or w.name, tuple(int(d) for d in w.shape)) for w in weights]
    arrays = [(name, tuple(value.shape)) for name, value in sorted(vars(model).items())
              if isinstance(value, np.ndarray) and not name.startswith("_")]
    if arrays:
        return arrays
    for inner in ("model", "core", "network"):  # a wrapper around the network
        if getattr(model, inner, None) is not None:
            return parameters(getattr(model, inner))
    return []


def quick_spec(registry: Any, a: Any) -> dict[str, Any]:
    """The spec of a quick preparation of the assignment's data."""
    from rnnsuite import pipeline
    from rnnsuite.context import RunContext

    with tempfile.TemporaryDirectory() as folder:
        return pipeline.prepare(RunContext(assignment=a, out_dir=Path(folder), quick=True, registry=registry)).spec


def explain(registry: Any, ident: str, lang: str = "en", spec: dict[str, Any] | None = None) -> Explanation:
    """The network of an assignment, with the parameters of the model its factory builds for ``spec``
    (default: a quick preparation's)."""
    a = registry.assignment(ident)
    out = Explanation(a.id, network_of(a.network), a.task_ru if lang == "ru" else a.task_en)
    try:
        spec = spec if spec is not None else quick_spec(registry, a)
        model = registry.model(a.model).build(spec)
        # a network whose weights come from its data (a Hopfield network's W) names their shapes itself
        shapes = getattr(model, "parameter_shapes", None)
        out.parameters = shapes(spec) if callable(shapes) else parameters(model)
    except Exception as exc:  # noqa: BLE001 - the equations still stand
        out.note = f"the model could not be built here ({type(exc).__name__}: {exc})"
    return out


def markdown(e: Explanation, lang: str = "en") -> str:
    """The explanation as Markdown (the terminal prints the same through rich)."""
    heads = {"en": ("Task", "Equations", "Parameters of this assignment's model", "name", "shape"),
             "ru": ("Задание", "Уравнения", "Параметры модели этого задания", "имя", "размер")}[lang]
    lines = [f"# {e.assignment}: {e.network.title[lang]}", "", f"**{heads[0]}:** {e.task}", "",
             e.network.text[lang], "", f"## {heads[1]}", "", "```", *e.network.equations, "```", "",
             f"## {heads[2]}", ""]
    if e.parameters:
        lines += [f"| {heads[3]} | {heads[4]} |", "|---|---|"]
        lines += [f"| `{name}` | {' x '.join(map(str, shape)) or 'scalar'} |" for name, shape in e.parameters]
    else:
        lines.append(e.note or "-")
    return "\n".join(lines) + "\n"


def diagram(e: Explanation, path: Path) -> Path:
    """The network unrolled over three steps, as PNG or SVG (by ``path``'s suffix)."""
    from rnnsuite.plots import _pyplot

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    ax.set_xlim(-0.6, 3.6)
    ax.set_ylim(-0.6, 2.7)
    ax.axis("off")
    r = e.network.recurrence

    def node(x, y, text, colour):
        ax.add_patch(plt.Rectangle((x - 0.28, y - 0.18), 0.56, 0.36, color=colour, ec="black", lw=0.8))
        ax.text(x, y, text, ha="center", va="center", fontsize=9)

    def arrow(x0, y0, x1, y1, label="", style="-|>", dashed=False):
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle=style, lw=1.0,
                                                             linestyle="--" if dashed else "-"))
        if label:
            ax.text((x0 + x1) / 2 + 0.05, (y0 + y1) / 2 + 0.05, label, fontsize=8, color="#444")

    for t in range(3):
        x = t + 0.5
        state = "s" if r == "none" else "h"
        node(x, 0, f"x_{t + 1}" if r != "none" else f"s({t})", "#dbe9f6")
        node(x, 1, f"{state}_{t + 1}" if r != "none" else f"s({t + 1})", "#fde0c5")
        if r != "none":
            node(x, 2, f"y_{t + 1}", "#d5efd5")
            arrow(x, 0.18, x, 0.82, "W")
            arrow(x, 1.18, x, 1.82, "V")
        else:
            arrow(x, 0.18, x, 0.82, "sign(W s)")
        if t:
            if r in ("h", "both"):
                arrow(x - 0.72, 1.0, x - 0.28, 1.0, "U")
            if r == "both":
                arrow(x - 0.28, 0.9, x - 0.72, 0.9, "U'")
            if r == "y":
                arrow(x - 0.72, 1.95, x - 0.28, 1.1, "U (y_{t-1})")
    ax.set_title(f"{e.assignment}: {e.network.title['en']}, unrolled over 3 steps", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
