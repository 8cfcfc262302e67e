"""Demo ``deep-sets``: permutation-invariant networks for jets.

A jet is a set of particles, p(jet | quark) does not depend on the order in which the
particles are listed. Deep Sets builds that symmetry into the architecture:
    D(jet) = F( Σ_i Φ(p_i) ),   Φ: R³ → R^ℓ (per particle),  F: R^ℓ → R,
which is invariant by construction (a sum does not care about order) and, for flexible
enough F and Φ, can represent any symmetric function. The comparison is an MLP on the
padded list ordered by p_T: it can learn, but only for the order it was shown; shuffling the
particles changes its output and leaves the Deep Sets output unchanged.
Both are trained with binary cross-entropy on the same batches (f → p_q/(p_q + p_g)).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.edits import Edit
from engines.generative.common import Throttle
from engines.likelihood_ratio import stats
from engines.likelihood_ratio.configs import DeepSetsConfig, Shuffle
from engines.likelihood_ratio.jets import MAX_PARTICLES, sample_jets, shuffle_particles
from engines.likelihood_ratio.nets import mlp
from engines.likelihood_ratio.ratio import stream
from engines.runtime import Engine, Snapshot

N_TEST = 2000
#: Test jets shown in the latent plot and the per-jet shuffle comparison.
LATENT_SHOWN = 500
SHUFFLE_SHOWN = 50


class DeepSets(nn.Module):
    """F(Σ_i m_i Φ(p_i)) with the mask m removing the padding."""

    def __init__(self, hidden: int, latent: int, gen: torch.Generator):
        super().__init__()
        self.phi = mlp(3, hidden, 2, latent, gen)
        self.F = mlp(latent, hidden, 2, 1, gen)

    def latent(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return (self.phi(x) * mask.unsqueeze(-1)).sum(dim=1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.F(self.latent(x, mask)).squeeze(-1)


class PaddedMLP(nn.Module):
    """An MLP on the flattened, zero-padded list (MAX_PARTICLES × 3 inputs)."""

    def __init__(self, hidden: int, gen: torch.Generator):
        super().__init__()
        self.net = mlp(3 * MAX_PARTICLES, hidden, 2, 1, gen)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.net((x * mask.unsqueeze(-1)).flatten(1)).squeeze(-1)


class DeepSetsEngine(Engine):
    Config = DeepSetsConfig

    def __init__(self, cfg: DeepSetsConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.gen = torch.Generator().manual_seed(stream(cfg.seed, 1))
        self.rng = np.random.default_rng(stream(cfg.seed, 2))
        self.deepsets = DeepSets(cfg.hidden, cfg.latent, self.gen).to(self.device)
        self.mlp = PaddedMLP(cfg.hidden, self.gen).to(self.device)
        self.opt_ds = torch.optim.Adam(self.deepsets.parameters(), lr=cfg.lr)
        self.opt_mlp = torch.optim.Adam(self.mlp.parameters(), lr=cfg.lr)
        data_rng = np.random.default_rng(stream(cfg.seed, 3))
        half = cfg.n_train // 2
        x, m, y = sample_jets(half, cfg.n_train - half, cfg, data_rng)
        self.train_x, self.train_m, self.train_y = self._t(x), self._t(m), self._t(y)
        x, m, y = sample_jets(N_TEST // 2, N_TEST // 2, cfg, data_rng)
        self.test_np = (x, m, y)
        self.test_x, self.test_m, self.test_y = self._t(x), self._t(m), y
        self.shuffles = 0
        self._set_shuffle()
        self.loss_ds = self.loss_mlp = math.nan
        self.throttle = Throttle(1.0)

    def _t(self, a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(a, dtype=torch.float32, device=self.device)

    def _set_shuffle(self) -> None:
        """The shuffled test jets of the current shuffle count (seeded by it)."""
        rng = np.random.default_rng(stream(self.cfg.seed, 100 + self.shuffles))
        xs, ms = shuffle_particles(self.test_np[0], self.test_np[1], rng)
        self.shuf_x, self.shuf_m = self._t(xs), self._t(ms)
        if hasattr(self, "throttle"):
            self.throttle.clear()

    def apply_edit(self, change: Edit) -> None:
        """Shuffle(): list every test jet's particles in a new random order."""
        if not isinstance(change, Shuffle):
            raise ValueError(f"unknown edit {type(change).__name__}: only Shuffle is known")
        self.shuffles += 1
        self._set_shuffle()

    def train_step(self) -> None:
        idx = torch.as_tensor(self.rng.integers(0, len(self.train_y), self.cfg.batch_size),
                              device=self.device)
        x, m, y = self.train_x[idx], self.train_m[idx], self.train_y[idx]
        losses = []
        for net, opt in ((self.deepsets, self.opt_ds), (self.mlp, self.opt_mlp)):
            loss = nn.functional.binary_cross_entropy_with_logits(net(x, m), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        self.loss_ds, self.loss_mlp = losses

    def logits(self, net: nn.Module, x: torch.Tensor, m: torch.Tensor) -> np.ndarray:
        with torch.no_grad():
            return net(x, m).double().cpu().numpy()

    def evaluate(self) -> dict[str, Any]:
        y = self.test_y.astype(bool)
        out: dict[str, Any] = {"metrics": {}, "arrays": {}}
        for name, net in (("deepsets", self.deepsets), ("mlp", self.mlp)):
            s = self.logits(net, self.test_x, self.test_m)
            s_shuf = self.logits(net, self.shuf_x, self.shuf_m)
            prob, prob_shuf = 1 / (1 + np.exp(-s)), 1 / (1 + np.exp(-s_shuf))
            change = np.abs(prob_shuf - prob)
            out["metrics"].update({
                f"accuracy_{name}": float(np.mean((s > 0) == y)),
                f"auc_{name}": stats.auc_mc(s[y], s[~y]),
                f"shuffle_change_{name}": float(change.mean()),
                f"shuffle_change_max_{name}": float(change.max()),
            })
            fpr, tpr = stats.roc_mc(s[y], s[~y])
            out["arrays"].update({f"roc_fpr_{name}": fpr, f"roc_tpr_{name}": tpr,
                                  f"prob_{name}": prob[:SHUFFLE_SHOWN].copy(),
                                  f"prob_shuffled_{name}": prob_shuf[:SHUFFLE_SHOWN].copy()})
        # the headline number: how much the MLP's quark probability moves under shuffling
        out["metrics"]["shuffle_change"] = out["metrics"]["shuffle_change_mlp"]
        return out

    def _pictures(self) -> dict[str, Any]:
        ev = self.evaluate()
        with torch.no_grad():
            lat = self.deepsets.latent(self.test_x[:LATENT_SHOWN],
                                       self.test_m[:LATENT_SHOWN]).double().cpu().numpy()
        ev["arrays"]["latent_2d"] = project_2d(lat)
        ev["arrays"]["latent_label"] = self.test_y[:LATENT_SHOWN].copy()
        x, m, y = self.test_np
        for label, name in ((1, "quark"), (0, "gluon")):
            i = int(np.flatnonzero(y == label)[0])
            ev["arrays"][f"example_{name}"] = x[i][m[i]].copy()
        ev["arrays"]["multiplicity"] = m.sum(axis=1).astype(float)
        ev["arrays"]["labels"] = y.copy()
        return ev

    def history_metrics(self) -> dict[str, float]:
        out = {"loss_deepsets": self.loss_ds, "loss_mlp": self.loss_mlp}
        if self.step % 64 == 0:
            m = self.evaluate()["metrics"]
            out.update({k: m[k] for k in ("accuracy_deepsets", "accuracy_mlp",
                                          "shuffle_change")})
        return out

    def snapshot(self, final: bool = False) -> Snapshot:
        ev = self.throttle.get(self.step, final, self._pictures)
        metrics = {"loss_deepsets": self.loss_ds, "loss_mlp": self.loss_mlp,
                   "shuffles": float(self.shuffles), **ev["metrics"]}
        metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(ev["arrays"]),
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "deepsets": self.deepsets.state_dict(),
                "mlp": self.mlp.state_dict(), "opt_ds": self.opt_ds.state_dict(),
                "opt_mlp": self.opt_mlp.state_dict(), "gen": self.gen.get_state(),
                "rng": self.rng.bit_generator.state, "shuffles": self.shuffles,
                "losses": [self.loss_ds, self.loss_mlp]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.deepsets.load_state_dict(state["deepsets"])
        self.mlp.load_state_dict(state["mlp"])
        self.opt_ds.load_state_dict(state["opt_ds"])
        self.opt_mlp.load_state_dict(state["opt_mlp"])
        self.gen.set_state(state["gen"])
        self.rng.bit_generator.state = state["rng"]
        self.shuffles = int(state["shuffles"])
        self.loss_ds, self.loss_mlp = (float(v) for v in state["losses"])
        self._set_shuffle()


def project_2d(z: np.ndarray) -> np.ndarray:
    """The latent vectors on their two leading principal axes (signs fixed so the picture
    does not flip between snapshots); ℓ = 2 is shown as it is."""
    if z.shape[1] == 2:
        return z.copy()
    c = z - z.mean(axis=0)
    _, _, vt = np.linalg.svd(c, full_matrices=False)
    axes = vt[:2]
    signs = np.sign(axes[np.arange(2), np.argmax(np.abs(axes), axis=1)])
    return c @ (axes * signs[:, None]).T
