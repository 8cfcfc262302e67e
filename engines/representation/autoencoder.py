"""The basic autoencoder (lecture 3.3.1): x → E → z → D → x' ≈ x.

x' = F_θ(x) = D_θD(E_θE(x)) with a bottleneck z ∈ ℝᵏ, k < d, trained on
    L(x, θ) = ‖x' − x‖² = Σ_j (x'_j − x_j)²
(summed over the components, averaged over a minibatch; Adam). The code keeps the
features most important for a good reconstruction. Two data sets:

- points on an arc in 2-d squeezed through a 1-d code: a straight line (PCA with k = 1)
  leaves the variance across the line, λ₂, unexplained; the learned manifold D(z) bends
  along the arc and goes below that floor;
- MNIST digits with a bottleneck k: the loss is compared with PCA's floor for the same
  k, the unexplained variance Σ_{l>k} λ_l of the training digits (the best any linear
  code can do; a nonlinear code can beat it).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.representation import data as rdata
from engines.representation.common import Throttle, eval_due, mlp, seeded_init
from engines.representation.configs import AutoencoderConfig
from engines.runtime import Engine, Snapshot

#: Digits shown with their reconstructions; latent points and curve points shown.
SHOWN_RECON, SHOWN_LATENT, SHOWN_POINTS = 8, 1000, 1000
#: Points along the learned manifold D(z).
MANIFOLD_POINTS = 200
#: Held-out digits for the latent scatter.
EVAL_DIGITS = 1000


class Autoencoder(nn.Module):
    def __init__(self, d: int, k: int, width: int, depth: int, activation: str):
        super().__init__()
        self.encoder = mlp([d] + [width] * depth + [k], activation)
        self.decoder = mlp([k] + [width] * depth + [d], activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def recon_loss(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """⟨‖F(x) − x‖²⟩: squared error summed over components, averaged over samples."""
    return ((model(x) - x) ** 2).sum(dim=1).mean()


class AutoencoderEngine(Engine):
    Config = AutoencoderConfig
    divergence_advice = "Try a smaller learning rate."

    def __init__(self, cfg: AutoencoderConfig, device: str | None = None):
        super().__init__(cfg, device)
        rng = np.random.default_rng(cfg.seed)
        if cfg.data == "curve":
            self.x, self.color = rdata.curve_points(cfg.n_train, cfg.curve_noise, rng)
            self.x_eval, self.labels_eval = self.x[:SHOWN_LATENT], self.color[:SHOWN_LATENT]
        else:
            self.x, _, self.x_eval, self.labels_eval = rdata.mnist_train_eval(cfg.n_train,
                                                                              EVAL_DIGITS)
            self.labels_eval = self.labels_eval.astype(np.float64)
        d = self.x.shape[1]
        self.k = cfg.bottleneck
        centred = self.x - self.x.mean(axis=0)
        self.eigenvalues, self.eigenvectors = rdata.pca(centred.T @ centred / len(self.x))
        self.floor = rdata.pca_floor(self.eigenvalues, self.k)
        f32 = dict(dtype=torch.float32, device=self.device)
        self.xt = torch.as_tensor(self.x, **f32)
        self.xe = torch.as_tensor(self.x_eval, **f32)
        self.model = Autoencoder(d, self.k, cfg.width, cfg.depth, cfg.activation)
        seeded_init(self.model, torch.Generator().manual_seed(cfg.seed))
        self.model.to(self.device)
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
        loss = recon_loss(self.model, xb)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.last_loss = float(loss.detach())

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        loss = float(recon_loss(self.model, self.xt))
        return {"loss": loss, "loss_over_floor": loss / self.floor if self.floor > 0
                else math.nan}

    def history_metrics(self) -> dict[str, float]:
        held = self.evaluate() if eval_due(self.step) else \
            {"loss": math.nan, "loss_over_floor": math.nan}
        return {**held, "batch_loss": self.last_loss, "pca_floor": self.floor}

    @torch.no_grad()
    def _pictures(self) -> tuple[dict, dict]:
        cfg = self.cfg
        z = self.model.encoder(self.xe)
        arrays: dict[str, np.ndarray] = {
            "latent": z[:SHOWN_LATENT, :2].double().cpu().numpy(),
            "latent_color": self.labels_eval[:SHOWN_LATENT].copy(),
            "eigenvalues": self.eigenvalues[:64].copy()}
        if cfg.data == "curve":
            pts = self.xt[:SHOWN_POINTS]
            arrays["points"] = self.x[:SHOWN_POINTS].copy()
            arrays["recon"] = self.model(pts).double().cpu().numpy()
            # PCA's best straight line through the same points (what k = 1 PCA keeps).
            mean = self.x.mean(axis=0)
            v = self.eigenvectors[:, :self.k]
            arrays["pca_recon"] = mean + ((self.x[:SHOWN_POINTS] - mean) @ v) @ v.T
            if self.k == 1:
                lo, hi = float(z.min()), float(z.max())
                pad = 0.05 * (hi - lo + 1e-12)
                grid = torch.linspace(lo - pad, hi + pad, MANIFOLD_POINTS,
                                      device=self.device)[:, None]
                arrays["manifold"] = self.model.decoder(grid).double().cpu().numpy()
                arrays["manifold_z"] = grid[:, 0].double().cpu().numpy()
        else:
            shown = self.xe[:SHOWN_RECON]
            arrays["recon_inputs"] = self.x_eval[:SHOWN_RECON].copy()
            arrays["recon"] = self.model(shown).double().cpu().numpy()
            mean = self.x.mean(axis=0)
            v = self.eigenvectors[:, :self.k]
            arrays["pca_recon"] = mean + ((self.x_eval[:SHOWN_RECON] - mean) @ v) @ v.T
        return self.evaluate(), arrays

    def snapshot(self, final: bool = False) -> Snapshot:
        held, arrays = self.throttle.get(self.step, final, self._pictures)
        metrics = {**held, "pca_floor": self.floor, "bottleneck": float(self.k)}
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
