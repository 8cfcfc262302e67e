"""Recurrent cells written out (lecture 8.1): the vanilla RNN, the LSTM and the GRU.

Each cell maps (x_t, state_{t−1}) to state_t with the lecture's formulas, one line each:

vanilla RNN    h_t = tanh(W x_t + V h_{t−1} + b)

LSTM           f_t = σ(W_f x_t + V_f h_{t−1} + b_f)        forget gate
               i_t = σ(W_i x_t + V_i h_{t−1} + b_i)        input gate
               C̃_t = tanh(W_c x_t + V_c h_{t−1} + b_c)     possible new value
               o_t = σ(W_o x_t + V_o h_{t−1} + b_o)        output gate
               C_t = f_t ⊙ C_{t−1} + i_t ⊙ C̃_t             keep old if f_t = 1, write in
               h_t = o_t ⊙ tanh(C_t)

GRU            r_t = σ(W_r x_t + b_r + V_r h_{t−1} + a_r)  reset gate
               z_t = σ(W_z x_t + b_z + V_z h_{t−1} + a_z)  update gate
               h̃_t = tanh(W_h x_t + b_h + r_t ⊙ (V_h h_{t−1} + a_h))
               h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t        z controls both input and forget

The gate matrices of a cell are stacked in one parameter (W = [W_i; W_f; W_c; W_o] for the
LSTM, in torch's order), so a step costs two matrix products; ``chunk`` splits them again.
torch's own modules (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``) are the reference: the functions
at the end copy weights between the two, and the tests check that both give the same
numbers. torch's GRU writes h_t = (1 − z) ⊙ h̃_t + z ⊙ h_{t−1}, i.e. its z is our 1 − z:
the update-gate rows change sign in the conversion.

Everything is initialised from a ``torch.Generator`` (never the global RNG), uniformly in
±1/√H like torch's modules; the LSTM's forget-gate bias starts at ``forget_bias`` (1 is the
usual choice: the cell begins by remembering).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from engines.architectures.sequence_specs import GATE_NAMES  # noqa: F401 (re-exported)

KINDS = ("rnn", "lstm", "gru")
_STACK = {"rnn": 1, "lstm": 4, "gru": 3}


def _uniform(shape, bound: float, gen: torch.Generator) -> nn.Parameter:
    return nn.Parameter((torch.rand(shape, generator=gen) * 2.0 - 1.0) * bound)


class RNNCell(nn.Module):
    """h_t = tanh(W x_t + V h_{t−1} + b)."""

    kind = "rnn"

    def __init__(self, n_in: int, hidden: int, gen: torch.Generator):
        super().__init__()
        k = 1.0 / math.sqrt(hidden)
        self.hidden = hidden
        self.W = _uniform((hidden, n_in), k, gen)
        self.V = _uniform((hidden, hidden), k, gen)
        self.b = _uniform((hidden,), k, gen)

    def initial_state(self, batch: int) -> tuple[torch.Tensor]:
        return (self.W.new_zeros(batch, self.hidden),)

    def forward(self, x, state):
        (h_prev,) = state
        h = torch.tanh(x @ self.W.T + h_prev @ self.V.T + self.b)
        return (h,), {"h": h}


class LSTMCell(nn.Module):
    """Long short-term memory: state (h, C), gates f, i, o and the candidate C̃."""

    kind = "lstm"

    def __init__(self, n_in: int, hidden: int, gen: torch.Generator, forget_bias: float = 1.0):
        super().__init__()
        k = 1.0 / math.sqrt(hidden)
        self.hidden = hidden
        self.W = _uniform((4 * hidden, n_in), k, gen)      # [W_i; W_f; W_c; W_o]
        self.V = _uniform((4 * hidden, hidden), k, gen)    # [V_i; V_f; V_c; V_o]
        self.b = _uniform((4 * hidden,), k, gen)
        with torch.no_grad():
            self.b[hidden:2 * hidden] = forget_bias

    def initial_state(self, batch: int):
        zeros = self.W.new_zeros(batch, self.hidden)
        return (zeros, zeros.clone())

    def forward(self, x, state):
        h_prev, C_prev = state
        a_i, a_f, a_c, a_o = (x @ self.W.T + h_prev @ self.V.T + self.b).chunk(4, dim=-1)
        f = torch.sigmoid(a_f)          # forget gate
        i = torch.sigmoid(a_i)          # input gate
        C_tilde = torch.tanh(a_c)       # possible new value
        o = torch.sigmoid(a_o)          # output gate
        C = f * C_prev + i * C_tilde    # keep old (f = 1) + write in
        h = o * torch.tanh(C)
        return (h, C), {"f": f, "i": i, "o": o}


class GRUCell(nn.Module):
    """Gated recurrent unit: state h, update gate z, reset gate r."""

    kind = "gru"

    def __init__(self, n_in: int, hidden: int, gen: torch.Generator):
        super().__init__()
        k = 1.0 / math.sqrt(hidden)
        self.hidden = hidden
        self.W = _uniform((3 * hidden, n_in), k, gen)      # [W_r; W_z; W_h]
        self.V = _uniform((3 * hidden, hidden), k, gen)    # [V_r; V_z; V_h]
        self.b = _uniform((3 * hidden,), k, gen)           # b_r, b_z, b_h (input side)
        self.a = _uniform((3 * hidden,), k, gen)           # a_r, a_z, a_h (hidden side)

    def initial_state(self, batch: int):
        return (self.W.new_zeros(batch, self.hidden),)

    def forward(self, x, state):
        (h_prev,) = state
        wx_r, wx_z, wx_h = (x @ self.W.T + self.b).chunk(3, dim=-1)
        vh_r, vh_z, vh_h = (h_prev @ self.V.T + self.a).chunk(3, dim=-1)
        r = torch.sigmoid(wx_r + vh_r)                 # reset gate
        z = torch.sigmoid(wx_z + vh_z)                 # update gate
        h_tilde = torch.tanh(wx_h + r * vh_h)          # candidate
        h = (1.0 - z) * h_prev + z * h_tilde           # z controls input and forget
        return (h,), {"z": z, "r": r}


def make_cell(kind: str, n_in: int, hidden: int, gen: torch.Generator,
              forget_bias: float = 1.0) -> nn.Module:
    if kind == "rnn":
        return RNNCell(n_in, hidden, gen)
    if kind == "lstm":
        return LSTMCell(n_in, hidden, gen, forget_bias)
    if kind == "gru":
        return GRUCell(n_in, hidden, gen)
    raise ValueError(f"unknown cell {kind!r}; choose one of {', '.join(KINDS)}")


def unroll(cell: nn.Module, x: torch.Tensor, state=None, keep: bool = False):
    """Run ``cell`` over x (T, B, n_in). Returns (outputs h_t (T, B, H), last state,
    per-step records). With ``keep`` the records hold every h_t (grad retained, for
    ‖∂L/∂h_t‖) and the gates; without, they are empty."""
    if state is None:
        state = cell.initial_state(x.shape[1])
    outputs, hs, gates = [], [], []
    for t in range(x.shape[0]):
        state, g = cell(x[t], state)
        h = state[0]
        if keep:
            h.retain_grad()
            hs.append(h)
            gates.append({k: v.detach() for k, v in g.items()})
        outputs.append(h)
    return torch.stack(outputs), state, {"h": hs, "gates": gates}


# ---- torch's modules: the reference and the fast implementation ------------------------
def torch_module(kind: str, n_in: int, hidden: int) -> nn.Module:
    """nn.RNN / nn.LSTM / nn.GRU with (T, B, ·) inputs; its own random init is thrown
    away (load_into_torch gives it the written cell's weights), so the global RNG stays
    untouched."""
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
    with torch.random.fork_rng(devices=[]):
        return cls(n_in, hidden)


def _gru_flip(w: torch.Tensor, hidden: int) -> torch.Tensor:
    """Our update gate is torch's 1 − z: negate the z rows (σ(−a) = 1 − σ(a))."""
    w = w.clone()
    w[hidden:2 * hidden] = -w[hidden:2 * hidden]
    return w


@torch.no_grad()
def load_into_torch(cell: nn.Module, module: nn.Module) -> None:
    """Copy a written cell's weights into a torch cell or one-layer module
    (``nn.LSTMCell`` or ``nn.LSTM`` etc.): weight_ih, weight_hh, bias_ih, bias_hh."""
    sfx = "_l0" if isinstance(module, nn.RNNBase) else ""
    W, V = cell.W, cell.V
    if cell.kind == "gru":
        W, V = _gru_flip(W, cell.hidden), _gru_flip(V, cell.hidden)
        b_ih, b_hh = _gru_flip(cell.b, cell.hidden), _gru_flip(cell.a, cell.hidden)
    else:
        b_ih, b_hh = cell.b, torch.zeros_like(cell.b)
    getattr(module, "weight_ih" + sfx).copy_(W)
    getattr(module, "weight_hh" + sfx).copy_(V)
    getattr(module, "bias_ih" + sfx).copy_(b_ih)
    getattr(module, "bias_hh" + sfx).copy_(b_hh)


@torch.no_grad()
def load_from_torch(cell: nn.Module, module: nn.Module) -> None:
    """The inverse of load_into_torch (LSTM and RNN add the two biases into b)."""
    sfx = "_l0" if isinstance(module, nn.RNNBase) else ""
    W = getattr(module, "weight_ih" + sfx)
    V = getattr(module, "weight_hh" + sfx)
    b_ih = getattr(module, "bias_ih" + sfx)
    b_hh = getattr(module, "bias_hh" + sfx)
    if cell.kind == "gru":
        H = cell.hidden
        cell.W.copy_(_gru_flip(W, H))
        cell.V.copy_(_gru_flip(V, H))
        cell.b.copy_(_gru_flip(b_ih, H))
        cell.a.copy_(_gru_flip(b_hh, H))
    else:
        cell.W.copy_(W)
        cell.V.copy_(V)
        cell.b.copy_(b_ih + b_hh)


class Recurrent(nn.Module):
    """A recurrent layer of one kind, written out ("written") or torch's module ("torch").

    Both start from the same weights (the written cell's init); ``forward(x)`` returns
    the outputs h_t (T, B, H) and the last state. ``written_copy()`` gives a written cell
    with the current weights, for the diagnostics (gates, ‖∂L/∂h_t‖) of either version.
    """

    def __init__(self, kind: str, n_in: int, hidden: int, gen: torch.Generator,
                 implementation: str = "written", forget_bias: float = 1.0):
        super().__init__()
        self.kind, self.n_in, self.hidden = kind, n_in, hidden
        self.implementation = implementation
        cell = make_cell(kind, n_in, hidden, gen, forget_bias)
        if implementation == "written":
            self.cell = cell
        elif implementation == "torch":
            self.module = torch_module(kind, n_in, hidden)
            load_into_torch(cell, self.module)
        else:
            raise ValueError(f"unknown implementation {implementation!r}: written or torch")

    def forward(self, x: torch.Tensor, state=None):
        if self.implementation == "written":
            out, state, _ = unroll(self.cell, x, state)
            return out, state
        if self.kind == "lstm":
            hc = None if state is None else (state[0][None], state[1][None])
            out, (h, c) = self.module(x, hc)
            return out, (h[0], c[0])
        out, h = self.module(x, None if state is None else state[0][None])
        return out, (h[0],)

    def written_copy(self) -> nn.Module:
        if self.implementation == "written":
            return self.cell
        cell = make_cell(self.kind, self.n_in, self.hidden, torch.Generator().manual_seed(0))
        load_from_torch(cell, self.module)
        return cell


def seeded_linear(n_in: int, n_out: int, gen: torch.Generator) -> nn.Linear:
    """nn.Linear initialised like torch's (uniform ±1/√n_in) from a seeded generator."""
    with torch.random.fork_rng(devices=[]):
        layer = nn.Linear(n_in, n_out)
    k = 1.0 / math.sqrt(n_in)
    with torch.no_grad():
        layer.weight.copy_((torch.rand(layer.weight.shape, generator=gen) * 2 - 1) * k)
        layer.bias.copy_((torch.rand(layer.bias.shape, generator=gen) * 2 - 1) * k)
    return layer
