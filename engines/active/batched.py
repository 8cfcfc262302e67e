"""Many small networks trained at once: parameters stacked along a leading model axis.

Every model m has its own weights and its own (masked) labelled set; the loss is the sum
of the models' own losses, so each model's gradient (and Adam's per-element update) is
exactly what it would get trained alone, while one einsum serves them all.
Initial weights come from a numpy generator seeded per model key, so a model's start does
not depend on how many others are trained next to it.
"""
from __future__ import annotations

import numpy as np
import torch


class BatchedNet:
    """M networks d → hidden (tanh) → out, or d → out (``hidden`` = 0, linear/logistic)."""

    def __init__(self, keys, d: int, hidden: int, out: int, lr: float,
                 weight_decay: float = 0.0, init_scale: float = 1.0):
        layers = []
        dims = [d, hidden, out] if hidden > 0 else [d, out]
        for a, b in zip(dims[:-1], dims[1:]):
            w = np.stack([np.random.default_rng(list(k) + [a, b]).standard_normal((a, b))
                          * init_scale / np.sqrt(a) for k in keys])
            layers += [torch.tensor(w, dtype=torch.float64),
                       torch.zeros(len(keys), 1, b, dtype=torch.float64)]
        self.params = [p.requires_grad_() for p in layers]
        self.opt = torch.optim.Adam(self.params, lr=lr)
        self.weight_decay = weight_decay

    @property
    def n_models(self) -> int:
        return self.params[0].shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (P, d) shared by all models, or (M, P, d); returns (M, P, out)."""
        h = x if x.dim() == 3 else x.expand(self.n_models, *x.shape)
        n_layers = len(self.params) // 2
        for i in range(n_layers):
            w, b = self.params[2 * i], self.params[2 * i + 1]
            h = torch.baddbmm(b, h, w)
            if i < n_layers - 1:
                h = torch.tanh(h)
        return h

    def penalty(self) -> torch.Tensor:
        return sum((w ** 2).sum() for w in self.params[0::2])

    def fit(self, loss_fn, iters: int) -> float:
        """``iters`` Adam steps on loss_fn(outputs) (summed over models) + weight decay."""
        value = 0.0
        for _ in range(iters):
            self.opt.zero_grad()
            loss = loss_fn(self)
            total = loss + 0.5 * self.weight_decay * self.penalty()
            total.backward()
            self.opt.step()
            value = float(loss.detach())
        return value

    def state_dict(self) -> dict:
        return {"params": [p.detach().clone() for p in self.params],
                "opt": self.opt.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        with torch.no_grad():
            for p, saved in zip(self.params, state["params"]):
                p.copy_(saved)
        self.opt.load_state_dict(state["opt"])
