"""Entropy of a source (lecture 4.3): H = −Σ p log₂ p next to log₂ N, the surprise
−log₂ p of each symbol, the binary-entropy curve, a joint table of two variables with
H(X,Y) ≤ H(X) + H(Y), and the concavity of H under mixing.

Each step draws one symbol from the source; the empirical ("plug-in") entropy of the
drawn symbols approaches H. Bars are edited mid-run with ``SetProb(index=i, value=p)``
(the rest renormalised), ``SetProbs(probs=(...))``, ``SetCoupling(value=c)`` and
``SetMix(value=λ)`` (engines.information.configs); an edit of the source restarts the
sample counts.
"""
from __future__ import annotations

import numpy as np

from engines.edits import Edit
from engines.information.coding import entropy_bits
from engines.information.common import (_number, load_rng, make_distribution, rng_state,
                                        set_probabilities, set_probability)
from engines.information.configs import SetCoupling, SetMix, SetProb, SetProbs, SourceConfig
from engines.runtime import Engine, Snapshot

JOINT_SIZE = 3
CURVE_POINTS = 201


def binary_entropy(q) -> np.ndarray:
    q = np.clip(np.asarray(q, float), 1e-300, 1.0)
    r = np.clip(1.0 - np.asarray(q, float), 1e-300, 1.0)
    return -(q * np.log2(q) + r * np.log2(r))


def joint_table(px: np.ndarray, coupling: float) -> np.ndarray:
    """P(x,y) = (1−c)·P(x)P(y) + c·P(x)δ(x,y): Y has the same marginal as X, and copies it
    with probability c (c = 0: independent, H(X,Y) = H(X) + H(Y))."""
    return (1.0 - coupling) * np.outer(px, px) + coupling * np.diag(px)


def mixed_entropies(p: np.ndarray, q: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """H(λP + (1−λ)Q) for every λ of a grid (rows of mixtures, one vectorised pass)."""
    m = lam[:, None] * p[None, :] + (1 - lam[:, None]) * q[None, :]
    return -(m * np.log2(np.where(m > 0, m, 1.0))).sum(1)


class SourceEngine(Engine):
    Config = SourceConfig

    def __init__(self, cfg: SourceConfig, device=None):
        super().__init__(cfg, device)
        self.p = make_distribution(cfg.distribution, cfg.n_symbols, cfg.seed)
        self.coupling = cfg.coupling
        self.mix = cfg.mix
        self.rng = np.random.default_rng(cfg.seed)
        self.counts = np.zeros(cfg.n_symbols, dtype=np.int64)
        self.last = -1

    # ---- the model -----------------------------------------------------------------------
    def train_step(self) -> None:
        self.last = int(self.rng.choice(self.p.size, p=self.p))
        self.counts[self.last] += 1

    def joint(self) -> np.ndarray:
        # the 3-valued marginal: the source's three largest probabilities, renormalised
        px = np.sort(self.p)[::-1][:JOINT_SIZE]
        return joint_table(px / px.sum(), self.coupling)

    def quantities(self) -> dict[str, float]:
        p = self.p
        joint = self.joint()
        hx, hy = entropy_bits(joint.sum(1)), entropy_bits(joint.sum(0))
        hxy = entropy_bits(joint)
        q = p[::-1]
        lam = self.mix
        n = int(self.counts.sum())
        emp = entropy_bits(self.counts / n) if n else 0.0
        return {
            "entropy_bits": entropy_bits(p), "max_entropy_bits": float(np.log2(p.size)),
            "empirical_entropy_bits": emp, "samples": float(n),
            "joint_entropy_bits": hxy, "hx_plus_hy_bits": hx + hy,
            "mutual_information_bits": hx + hy - hxy,
            "mix_entropy_bits": entropy_bits(lam * p + (1 - lam) * q),
            "mix_chord_bits": lam * entropy_bits(p) + (1 - lam) * entropy_bits(q),
            "binary_p": float(p[0] / (p[0] + p[1])) if p.size == 2 else float(p[0]),
        }

    def history_metrics(self) -> dict[str, float]:
        n = int(self.counts.sum())
        return {"entropy_bits": entropy_bits(self.p),
                "empirical_entropy_bits": entropy_bits(self.counts / n) if n else 0.0}

    # ---- edits -----------------------------------------------------------------------------
    def apply_edit(self, change: Edit) -> None:
        if isinstance(change, SetProb):
            self.p = set_probability(self.p, change.index, change.value)
        elif isinstance(change, SetProbs):
            self.p = set_probabilities(self.p.size, change.probs)
        elif isinstance(change, (SetCoupling, SetMix)):
            name = "coupling" if isinstance(change, SetCoupling) else "mix"
            v = _number(change.value, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must lie between 0 and 1, not {v:g}")
            setattr(self, name, v)
            return
        else:
            raise ValueError(f"unknown edit {type(change).__name__}: use SetProb, SetProbs, "
                             f"SetCoupling or SetMix")
        self.counts[:] = 0                     # a new source: count afresh

    # ---- output ---------------------------------------------------------------------------
    def snapshot(self, final: bool = False) -> Snapshot:
        p = self.p
        n = max(1, int(self.counts.sum()))
        grid = np.linspace(0.0, 1.0, CURVE_POINTS)
        lam = np.linspace(0.0, 1.0, 51)
        q = p[::-1]
        arrays = {
            "probs": p.copy(), "surprise_bits": -np.log2(p),
            "empirical_probs": self.counts / n,
            "binary_p_grid": grid, "binary_entropy": binary_entropy(grid),
            "joint": self.joint(), "mix_probs": self.mix * p + (1 - self.mix) * q,
            "mix_lambda_grid": lam,
            "mix_entropy_curve": mixed_entropies(p, q, lam),
            "last_symbol": np.array([self.last]),
        }
        return Snapshot(step=self.step, metrics=self.quantities(), arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict:
        return {**self.base_state(), "p": self.p.tolist(), "counts": self.counts.tolist(),
                "coupling": self.coupling, "mix": self.mix, "last": self.last,
                "rng": rng_state(self.rng)}

    def load_state_dict(self, state: dict) -> None:
        self.load_base_state(state)
        self.p = np.array(state["p"], float)
        self.counts = np.array(state["counts"], dtype=np.int64)
        self.coupling, self.mix = float(state["coupling"]), float(state["mix"])
        self.last = int(state["last"])
        self.rng = load_rng(state["rng"])
