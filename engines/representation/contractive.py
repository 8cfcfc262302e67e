"""The contractive autoencoder (lecture 3.3.5; Rifai et al. 2011).

Punish the encoder's sensitivity to its input:
    L_CAE(θ) = ⟨‖F_θ(x) − x‖²⟩ + λ ⟨‖J_E(x)‖²_F⟩,   (J_E)_lj = ∂z_l/∂x_j.
The two goals compete: J_E = 0 means a constant code (no reconstruction), x' = x needs
z to follow x. With the original sigmoid encoder z = σ(Wx + b),
    (J_E)_lj = σ'([Wx + b]_l) W_lj,  σ'(y) = σ(y)(1 − σ(y)),
    ‖J_E‖²_F = Σ_l σ'_l² Σ_j W_lj²,
so the largest contributions come from non-saturated units: the penalty drives most units
into saturation (z near 0 or 1, a sparse code), and the singular values of J_E decay fast
(only a few directions in input space move the code). The decoder is x' = W'z + c; with
untied weights the net can cheat, shrinking W (small J_E) while growing W'; tying
W' = Wᵀ prevents it.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.representation import data as rdata
from engines.representation.common import Throttle, eval_due
from engines.representation.configs import ContractiveConfig
from engines.runtime import Engine, Snapshot

EVAL_SAMPLES, SHOWN, SV_INPUTS, HIST_BINS = 512, 8, 4, 20
#: A unit counts as saturated when σ' < this (z below ≈ 0.05 or above ≈ 0.95).
SATURATED = 0.05


class ContractiveAE(nn.Module):
    def __init__(self, d: int, h: int, tied: bool, gen: torch.Generator):
        super().__init__()
        bound = 1.0 / math.sqrt(d)
        self.tied = tied
        self.w = nn.Parameter((torch.rand(h, d, generator=gen) * 2 - 1) * bound)
        self.b = nn.Parameter(torch.zeros(h))
        self.c = nn.Parameter(torch.zeros(d))
        self.w_dec = None if tied else nn.Parameter(
            (torch.rand(d, h, generator=gen) * 2 - 1) / math.sqrt(h))

    @property
    def decoder_weight(self) -> torch.Tensor:
        return self.w.T if self.tied else self.w_dec

    def encode(self, x):
        return torch.sigmoid(x @ self.w.T + self.b)

    def decode(self, z):
        return z @ self.decoder_weight.T + self.c

    def forward(self, x):
        return self.decode(self.encode(x))

    def jacobian(self, x: torch.Tensor) -> torch.Tensor:
        """J_E(x) = σ'(Wx + b) · W for each row of x: (n, h, d)."""
        z = self.encode(x)
        return (z * (1 - z))[:, :, None] * self.w[None]

    def jacobian_frobenius(self, x: torch.Tensor) -> torch.Tensor:
        """‖J_E‖²_F = Σ_l σ'_l² Σ_j W_lj² per row of x, without forming J_E."""
        z = self.encode(x)
        return ((z * (1 - z)) ** 2) @ (self.w ** 2).sum(dim=1)


class ContractiveEngine(Engine):
    Config = ContractiveConfig
    divergence_advice = "Try a smaller learning rate or contraction λ."

    def __init__(self, cfg: ContractiveConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.x, _, self.x_eval, _ = rdata.mnist_train_eval(cfg.n_train, EVAL_SAMPLES)
        f32 = dict(dtype=torch.float32, device=self.device)
        self.xt = torch.as_tensor(self.x, **f32)
        self.xe = torch.as_tensor(self.x_eval, **f32)
        self.model = ContractiveAE(self.x.shape[1], cfg.hidden, cfg.tied,
                                   torch.Generator().manual_seed(cfg.seed)).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.gen = torch.Generator().manual_seed(cfg.seed + 1)
        self.last_loss = math.nan
        self.throttle = Throttle()

    def train_step(self) -> None:
        if self.cfg.batch_size >= len(self.xt):
            xb = self.xt
        else:
            idx = torch.randint(0, len(self.xt), (self.cfg.batch_size,), generator=self.gen)
            xb = self.xt[idx.to(self.device)]
        mse = ((self.model(xb) - xb) ** 2).sum(dim=1).mean()
        loss = mse + self.cfg.contraction * self.model.jacobian_frobenius(xb).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.last_loss = float(loss.detach())

    @torch.no_grad()
    def measure(self) -> dict[str, float]:
        m = self.model
        z = m.encode(self.xe)
        mse = float(((m.decode(z) - self.xe) ** 2).sum(dim=1).mean())
        jac = float(m.jacobian_frobenius(self.xe).mean())
        return {"recon_mse": mse, "jacobian_frobenius": jac,
                "loss": mse + self.cfg.contraction * jac,
                "saturated_fraction": float(((z * (1 - z)) < SATURATED).double().mean()),
                "encoder_norm": float(m.w.norm()),
                "decoder_norm": float(m.decoder_weight.norm()),
                "code_spread": float(z.std(dim=0).mean())}

    def history_metrics(self) -> dict[str, float]:
        held = self.measure() if eval_due(self.step) else {}
        return {**held, "batch_loss": self.last_loss}

    @torch.no_grad()
    def _pictures(self) -> tuple[dict, dict]:
        m = self.model
        z = m.encode(self.xe).double().cpu().numpy()
        counts, edges = np.histogram(z.ravel(), bins=HIST_BINS, range=(0.0, 1.0))
        sv = torch.linalg.svdvals(m.jacobian(self.xe[:SV_INPUTS]).double()).cpu().numpy()
        arrays = {"singular_values": sv, "activation_hist": counts.astype(np.float64),
                  "activation_bins": edges,
                  "recon_inputs": self.x_eval[:SHOWN].copy(),
                  "recon": m(self.xe[:SHOWN]).double().cpu().numpy(),
                  "filters": m.w[:16].double().cpu().numpy()}
        return self.measure(), arrays

    def snapshot(self, final: bool = False) -> Snapshot:
        held, arrays = self.throttle.get(self.step, final, self._pictures)
        metrics = dict(held)
        if math.isfinite(self.last_loss):
            metrics["batch_loss"] = self.last_loss
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(arrays),
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(), "gen": self.gen.get_state(),
                "last_loss": self.last_loss}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.gen.set_state(state["gen"])
        self.last_loss = float(state["last_loss"])
        self.throttle.clear()
