"""Demo "function": fit a noisy 1D target y = F(x) + σξ with an MLP (lecture 2.2-2.8).

Shows approximation by a network, SGD and adaptive optimizers, overfitting with few points,
and the cures: L1/L2 weight penalties and dropout.
"""
from __future__ import annotations

import numpy as np
import torch

from engines.nn_basics.configs import X_RANGE, FunctionFitConfig
from engines.nn_basics.mlp import (MLP, MLPEngine, batch_indices, sparsity, training_generator,
                                   weight_penalty)
from engines.nn_basics.optim import make_optimizer
from engines.nn_basics.targets import target_function
from engines.runtime import MetricHistory, Snapshot

#: Metrics are evaluated every EVAL_EVERY steps (times the history's thinning factor).
EVAL_EVERY = 10
GRID_POINTS = 400


class FunctionFitEngine(MLPEngine):
    Config = FunctionFitConfig
    blowup_metric = "train_loss"
    divergence_advice = ("Try a smaller learning rate, an adaptive optimizer (adam), "
                         "or tanh instead of relu.")

    def __init__(self, cfg: FunctionFitConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.history = MetricHistory(stride=EVAL_EVERY)
        dev = self.device
        data_gen = torch.Generator().manual_seed(cfg.seed)  # data + init: consumed here only
        self.F = target_function(cfg.target)

        # Training and test sets: x ~ U(X_RANGE), y = F(x) + σ ξ, ξ ~ N(0, 1).
        self.x_train, self.y_train = self._sample(cfg.n_train, data_gen)
        self.x_test, self.y_test = self._sample(cfg.n_test, data_gen)
        self.x_grid = torch.linspace(*X_RANGE, GRID_POINTS, dtype=torch.float32).to(dev)
        self._y_target = self.F(self.x_grid).cpu().numpy()
        self._y_target.flags.writeable = False
        self._data_arrays = {k: _frozen(v) for k, v in (
            ("x_train", self.x_train), ("y_train", self.y_train),
            ("x_test", self.x_test), ("y_test", self.y_test))}

        self.model = MLP(1, 1, cfg.depth, cfg.width, cfg.activation, data_gen, dev)
        self.optimizer = make_optimizer(cfg.optimizer, self.model.parameters(), cfg.lr)
        self.gen = training_generator(cfg.seed, dev)
        self.batch_size = min(cfg.batch_size, cfg.n_train)

    def _sample(self, n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        lo, hi = X_RANGE
        x = lo + (hi - lo) * torch.rand(n, generator=g)
        y = self.F(x) + self.cfg.noise * torch.randn(n, generator=g)
        return x.to(self.device), y.to(self.device)

    # ---- training -----------------------------------------------------------------
    def train_step(self) -> None:
        cfg = self.cfg
        idx = batch_indices(cfg.n_train, self.batch_size, self.gen, self.device)
        x, y = (self.x_train, self.y_train) if idx is None else (self.x_train[idx], self.y_train[idx])
        self.model.train()
        pred = self.model(x[:, None], cfg.dropout, self.gen)[:, 0]
        # L_total = L_output + λ1 Σ|w| + λ2 Σw²,  L_output = <(F_θ(x) − y)²>_batch
        loss = ((pred - y) ** 2).mean() + weight_penalty(self.model, cfg.l1, cfg.l2)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    @torch.no_grad()
    def _predict(self, x: torch.Tensor) -> torch.Tensor:
        self.model.eval()  # no dropout: the averaged network
        return self.model(x[:, None])[:, 0]

    @torch.no_grad()
    def history_metrics(self) -> dict[str, float]:
        # MSE only, without the penalty: comparable between regularised and plain runs.
        train = ((self._predict(self.x_train) - self.y_train) ** 2).mean()
        test = ((self._predict(self.x_test) - self.y_test) ** 2).mean()
        values = torch.stack([train, test, sparsity(self.model).to(train.dtype)]).tolist()
        return dict(zip(("train_loss", "test_loss", "sparsity"), values))

    # ---- output -------------------------------------------------------------------
    def snapshot(self, final: bool = False) -> Snapshot:
        arrays = {"x_grid": _frozen(self.x_grid), "y_target": self._y_target,
                  "y_pred": self._predict(self.x_grid).cpu().numpy().copy(),
                  **self._data_arrays}
        return Snapshot(step=self.step, epoch=self.step * self.batch_size // self.cfg.n_train,
                        metrics=self.history_metrics(), arrays=arrays,
                        history=self.history.arrays(), final=final)


def _frozen(t: torch.Tensor) -> np.ndarray:
    """A read-only numpy copy: constant arrays are shared between snapshots."""
    a = t.detach().cpu().numpy().copy()
    a.flags.writeable = False
    return a
