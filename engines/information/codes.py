"""Fano, Shannon and Huffman codes for one source, built step by step (lecture 4.1-4.2).

Step k of the run shows the k-th split of Fano's construction, the k-th codeword of
Shannon's (binary expansion of the cumulative probability C_s, ⌈−log₂ p_s⌉ digits) and
the k-th merge of Huffman's. Once all three are complete, each further step samples one
message symbol, appends its codewords to one bit stream per code and decodes the streams
back: without separators, because the codes are prefix-free. Live numbers: ⟨L⟩ of each
code against H and H + 1, and Kraft's sum Σ 2^(−L_s).

Edits (engines.information.configs): ``SetProb(index=i, value=p)``, ``SetProbs(probs=(...))``
(a new source: the codes are rebuilt from step 0 and the message restarts) and
``RestartBuild()``.
"""
from __future__ import annotations

import numpy as np

from engines.edits import Edit
from engines.information.coding import (BUILDERS, NODE_TABLES, average_length, decode, encode,
                                        entropy_bits, kraft_sum, partial_codewords)
from engines.information.common import (load_rng, make_distribution, rng_state,
                                        set_probabilities, set_probability)
from engines.information.configs import CODES, CodesConfig, RestartBuild, SetProb, SetProbs
from engines.runtime import Engine, Snapshot

WINDOW = 48           # message symbols shown (and re-decoded) in a snapshot


def bits_matrix(words: list[str]) -> np.ndarray:
    """Codewords as an (N, max length) int8 matrix of bits, padded with −1."""
    width = max(1, max(len(w) for w in words))
    out = np.full((len(words), width), -1, dtype=np.int8)
    for i, w in enumerate(words):
        out[i, :len(w)] = [int(b) for b in w]
    return out


class CodesEngine(Engine):
    Config = CodesConfig

    def __init__(self, cfg: CodesConfig, device=None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        self._set_source(make_distribution(cfg.distribution, cfg.n_symbols, cfg.seed))

    def _set_source(self, p: np.ndarray) -> None:
        self.p = p
        self.codes = {name: BUILDERS[name](p) for name in CODES}
        self.build = 0                            # construction steps shown so far
        self.message: list[int] = []
        self.total_bits = {name: 0 for name in CODES}
        h = entropy_bits(p)
        self.static = {"entropy_bits": h, "entropy_plus_one_bits": h + 1.0}
        for name, con in self.codes.items():
            self.static[f"{name}_avg_len"] = average_length(p, con.lengths)
            self.static[f"kraft_{name}"] = kraft_sum(con.lengths)
        self.static["kraft_sum"] = self.static["kraft_huffman"]

    @property
    def build_steps(self) -> int:
        return max(c.n_steps for c in self.codes.values())

    # ---- the run ---------------------------------------------------------------------------
    def train_step(self) -> None:
        if self.build < self.build_steps:
            self.build += 1                       # one split / codeword / merge
            return
        s = int(self.rng.choice(self.p.size, p=self.p))
        self.message.append(s)
        for name, con in self.codes.items():
            self.total_bits[name] += len(con.codewords[s])

    def quantities(self) -> dict[str, float]:
        out = {**self.static, "build_step": float(self.build),
               "build_steps": float(self.build_steps),
               "message_symbols": float(len(self.message))}
        n = len(self.message)
        for name in self.codes:
            out[f"{name}_bits_per_symbol"] = self.total_bits[name] / n if n else 0.0
        return out

    def history_metrics(self) -> dict[str, float]:
        q = self.quantities()
        return {k: q[k] for k in ("entropy_bits", "huffman_bits_per_symbol",
                                  "shannon_bits_per_symbol", "fano_bits_per_symbol")}

    # ---- edits -----------------------------------------------------------------------------
    def apply_edit(self, change: Edit) -> None:
        if isinstance(change, SetProb):
            self._set_source(set_probability(self.p, change.index, change.value))
        elif isinstance(change, SetProbs):
            self._set_source(set_probabilities(self.p.size, change.probs))
        elif isinstance(change, RestartBuild):
            self._set_source(self.p)
        else:
            raise ValueError(f"unknown edit {type(change).__name__}: use SetProb, SetProbs or "
                             f"RestartBuild")

    # ---- output ---------------------------------------------------------------------------
    def snapshot(self, final: bool = False) -> Snapshot:
        window = self.message[-WINDOW:]
        arrays = {"probs": self.p.copy(), "surprise_bits": -np.log2(self.p),
                  "message_window": np.array(window, dtype=np.int64)}
        metrics = self.quantities()
        ok = True
        for name, con in self.codes.items():
            k = min(self.build, con.n_steps)
            arrays.update(NODE_TABLES[name](con, k).arrays(name))
            arrays[f"{name}_codewords"] = bits_matrix(partial_codewords(con, k))
            arrays[f"{name}_lengths"] = con.lengths
            bits = encode(window, con.codewords)
            back = decode(bits, con.codewords)
            ok &= back == window
            arrays[f"{name}_stream_bits"] = np.frombuffer(bits.encode(), np.uint8) - ord("0")
            arrays[f"{name}_stream_starts"] = np.cumsum(
                [0] + [len(con.codewords[s]) for s in window])[:-1].astype(np.int64)
            arrays[f"{name}_decoded"] = np.array(back, dtype=np.int64)
        shannon = self.codes["shannon"]
        cum = np.zeros(self.p.size)
        for s, c, _, _ in shannon.steps:
            cum[s] = c
        arrays["shannon_cumulative"] = cum
        arrays["shannon_order"] = np.array([s for s, *_ in shannon.steps], dtype=np.int64)
        metrics["decoded_ok"] = float(ok)
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict:
        return {**self.base_state(), "p": self.p.tolist(), "build": self.build,
                "message": list(self.message), "total_bits": dict(self.total_bits),
                "rng": rng_state(self.rng)}

    def load_state_dict(self, state: dict) -> None:
        self.load_base_state(state)
        self._set_source(np.array(state["p"], float))
        self.build = int(state["build"])
        self.message = [int(s) for s in state["message"]]
        self.total_bits = {k: int(v) for k, v in state["total_bits"].items()}
        self.rng = load_rng(state["rng"])
