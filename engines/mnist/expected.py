"""Demo "expected": exercise A1.5, expected training labels minimise the classification loss.

States s ∈ [−2, 2] come from a uniform p(s); each training label a ∈ {0, …, A−1} is drawn
at random from a known policy p(a|s) = softmax_a(−κ (s − c_a)²) (centres c_a evenly
spaced, κ the sharpness). The network π_θ(a|s) (an MLP with a softmax output) is trained
with the negative log-likelihood

    L[θ] = −∫ p(s) Σ_a p(a|s) log π_θ(a|s) ds,

estimated on minibatches of the sampled pairs (s, a). Its gradient vanishes at
π_θ = p (A1.5: ∇L = −∫ p(s) Σ_a ∇π_θ(a|s) ds = −∇1 = 0), and
L[θ] = H(A|S) + ∫ p(s) D_KL(p(·|s) ‖ π_θ(·|s)) ds with D_KL(P‖Q) = Σ_a P_a log(P_a/Q_a)
(lecture 6.3) ≥ 0, so the minimum is π_θ = p and the loss can not fall below the
conditional entropy H(A|S) = −∫ p(s) Σ_a p(a|s) log p(a|s) ds. The network learns the
expected labels, the probabilities, not the individual random labels.

History columns: ``kl`` (the expected KL above, on a fine grid of s), ``loss`` (the exact
L[θ] on that grid), ``train_nll`` (the loss on the training set), ``floor`` (H(A|S)).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from engines.mnist.configs import S_RANGE, ExpectedLabelsConfig
from engines.mnist.labels import (BINS, GRID, centres, conditional_entropy, kl_divergence,
                                  sample_pairs, true_policy)
from engines.nn_basics.mlp import MLP, MLPEngine, training_generator
from engines.nn_basics.optim import make_optimizer
from engines.runtime import MetricHistory, Snapshot

EVAL_EVERY = 10
PLOT_POINTS = 161   # s values in snapshots


class ExpectedLabelsEngine(MLPEngine):
    Config = ExpectedLabelsConfig

    def __init__(self, cfg: ExpectedLabelsConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.history = MetricHistory(stride=EVAL_EVERY)
        dev = self.device
        A = cfg.n_actions
        rng = np.random.default_rng(cfg.seed)
        s, a = sample_pairs(cfg.n_train, A, cfg.sharpness, rng)
        self.train_s, self.train_a = s, a
        self.s = torch.tensor(self._scale(s), dtype=torch.float32, device=dev)[:, None]
        self.a = torch.tensor(a, dtype=torch.long, device=dev)
        grid = np.linspace(*S_RANGE, GRID)
        self.grid = grid
        self.grid_t = torch.tensor(self._scale(grid), dtype=torch.float32, device=dev)[:, None]
        self.p_grid = true_policy(grid, A, cfg.sharpness)
        self.floor = conditional_entropy(A, cfg.sharpness)
        self.model = MLP(1, A, cfg.depth, cfg.width, "tanh",
                         torch.Generator().manual_seed(cfg.seed), dev)
        self.optimizer = make_optimizer(cfg.optimizer, self.model.parameters(), cfg.lr)
        self.gen = training_generator(cfg.seed, dev)
        # fresh samples: s from the generator, a by inverse-CDF of p(a|s) computed in torch
        self.c = torch.tensor(centres(A), dtype=torch.float32, device=dev)
        edges = np.linspace(*S_RANGE, BINS + 1)
        which = np.clip(np.digitize(s, edges) - 1, 0, BINS - 1)
        counts = np.zeros((A, BINS))
        np.add.at(counts, (a, which), 1.0)
        totals = counts.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.freq = np.where(totals > 0, counts / totals, np.nan)
        self.bin_centres = 0.5 * (edges[1:] + edges[:-1])

    @staticmethod
    def _scale(s: np.ndarray) -> np.ndarray:
        """Network input: s rescaled to [−1, 1]."""
        lo, hi = S_RANGE
        return (2.0 * (np.asarray(s) - lo) / (hi - lo) - 1.0).astype(np.float32)

    # ---- training ---------------------------------------------------------------------
    def _fresh_batch(self):
        cfg = self.cfg
        lo, hi = S_RANGE
        u = torch.rand(cfg.batch_size, generator=self.gen, device=self.device)
        s = lo + (hi - lo) * u
        logits = -cfg.sharpness * (s[:, None] - self.c[None]) ** 2
        a = torch.multinomial(torch.softmax(logits, dim=1), 1, generator=self.gen)[:, 0]
        x = (2.0 * (s - lo) / (hi - lo) - 1.0)[:, None]
        return x, a

    def train_step(self) -> None:
        cfg = self.cfg
        if cfg.fresh_samples:
            x, a = self._fresh_batch()
        else:
            idx = torch.randint(0, cfg.n_train, (cfg.batch_size,), generator=self.gen,
                                device=self.device)
            x, a = self.s[idx], self.a[idx]
        self.model.train()
        # L = −<log π_θ(a|s)>_batch: the NLL of the sampled labels
        loss = F.cross_entropy(self.model(x), a)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    @torch.no_grad()
    def _policy(self, x: torch.Tensor) -> np.ndarray:
        self.model.eval()
        return torch.softmax(self.model(x), dim=1).double().cpu().numpy()

    @torch.no_grad()
    def history_metrics(self) -> dict[str, float]:
        pi = np.clip(self._policy(self.grid_t), 1e-300, 1.0)
        kl = float(kl_divergence(self.p_grid, pi).mean())
        loss = float(-(self.p_grid * np.log(pi)).sum(axis=1).mean())
        self.model.eval()
        train_nll = F.cross_entropy(self.model(self.s), self.a).item()
        return {"kl": max(kl, 0.0), "loss": loss, "train_nll": train_nll, "floor": self.floor}

    # ---- output -------------------------------------------------------------------------
    def snapshot(self, final: bool = False) -> Snapshot:
        metrics = self.history_metrics()
        s = np.linspace(*S_RANGE, PLOT_POINTS)
        x = torch.tensor(self._scale(s), dtype=torch.float32, device=self.device)[:, None]
        arrays = {"s": s, "p_true": true_policy(s, self.cfg.n_actions, self.cfg.sharpness).T,
                  "pi": self._policy(x).T.copy(), "freq": self.freq.copy(),
                  "bin_centres": self.bin_centres.copy()}
        return Snapshot(step=self.step, epoch=self.step * self.cfg.batch_size // self.cfg.n_train,
                        metrics=metrics, arrays=arrays, history=self.history.arrays(),
                        final=final)

