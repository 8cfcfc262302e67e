"""A linear autoencoder learns the PCA subspace (lecture 3.3.2).

Centred data ⟨x⟩ = 0, no biases: x' = W'W x with the encoder W ∈ ℝ^{k×d} and the decoder
W' ∈ ℝ^{d×k} (tied weights: W' = Wᵀ). W'W has rank at most k. In the PCA basis
x = Σ_l z_l v⁽ˡ⁾, with uncorrelated z_l of variance λ_l,
    ⟨‖x' − x‖²⟩ = Σ_l λ_l ‖(W'W − 1) v⁽ˡ⁾‖²,
minimal (with rank ≤ k) when W'W projects onto the span of the k leading eigenvectors:
then the loss is the unexplained variance Σ_{l>k} λ_l ("the PCA floor") and the spectrum
of W'W is k ones and d − k zeros. Only the product W'W is fixed: W → R W, W' → W'R⁻¹
leaves the loss unchanged, so the rows of W are some basis of the subspace, not the
eigenvectors themselves. A weight decay that grows with the code index
(α·(i/k)·(‖W_i‖² + ‖W'_i‖²)) breaks this symmetry: the cheapest way to carry variance is
then to put the largest λ on the least-penalised code, aligning W'_i with v⁽ⁱ⁾.

Training: Adam on minibatches of ‖W'W x − x‖² (summed over pixels, averaged over the
batch), learning rate decayed linearly to 0. The whole-data loss is evaluated from the
covariance C of the training digits, exactly (up to round-off) the empirical MSE:
    ⟨‖(A − 1)x‖²⟩ = tr C − 2 tr(A C) + tr(A C Aᵀ),  A = W'W,
which costs d²k instead of N·d·k.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.representation import data as rdata
from engines.representation.common import Throttle, eval_due, images, principal_angles_deg
from engines.representation.configs import LinearAEConfig
from engines.runtime import Engine, Snapshot

#: Digits reconstructed in the pictures; leading eigenvalues shown.
SHOWN_RECON, SHOWN_EIGENVALUES = 8, 64


class LinearAE(nn.Module):
    """x' = W'W x (no biases); tied: W' = Wᵀ."""

    def __init__(self, d: int, k: int, tied: bool, scale: float, gen: torch.Generator):
        super().__init__()
        self.tied = tied
        self.encoder = nn.Parameter(torch.randn(k, d, generator=gen) * scale)
        self.decoder_weight = None if tied else nn.Parameter(
            torch.randn(d, k, generator=gen) * scale)

    @property
    def decoder(self) -> torch.Tensor:
        return self.encoder.T if self.tied else self.decoder_weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.encoder.T) @ self.decoder.T


def ordered_l2(model: LinearAE, strength: float) -> torch.Tensor:
    """α Σ_i (i/k) (‖W_i‖² + ‖W'_i‖²), i = 1 … k: a different price for every code."""
    k = model.encoder.shape[0]
    weights = torch.arange(1, k + 1, dtype=model.encoder.dtype) / k
    per_code = (model.encoder ** 2).sum(dim=1) + (model.decoder ** 2).sum(dim=0)
    return strength * (weights * per_code).sum()


class LinearAEEngine(Engine):
    Config = LinearAEConfig
    divergence_advice = "Try a smaller learning rate."

    def __init__(self, cfg: LinearAEConfig, device: str | None = None):
        super().__init__(cfg, device)
        x, _, _, _ = rdata.mnist_train_eval(cfg.n_train, 0)
        self.mean = x.mean(axis=0)
        self.x = x - self.mean                          # centred: ⟨x⟩ = 0
        self.cov = self.x.T @ self.x / len(self.x)
        self.eigenvalues, self.eigenvectors = rdata.pca(self.cov)
        self.k = min(cfg.bottleneck, self.x.shape[1])
        self.floor = rdata.pca_floor(self.eigenvalues, self.k)
        self.v_k = self.eigenvectors[:, :self.k]
        self.xt = torch.as_tensor(self.x, dtype=torch.float32, device=self.device)
        self.cov_t = torch.as_tensor(self.cov, dtype=torch.float64, device=self.device)
        init = torch.Generator().manual_seed(cfg.seed)
        self.model = LinearAE(self.x.shape[1], self.k, cfg.tied, cfg.init_scale, init)
        self.model.to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.gen = torch.Generator().manual_seed(cfg.seed + 1)     # minibatches
        self.last_loss = math.nan
        # Measurements and pictures at most every 0.25 s (a snapshot at 25 Hz would
        # otherwise cost a third of the training time with batch 512).
        self.throttle = Throttle()

    # ---- training -----------------------------------------------------------------------
    def train_step(self) -> None:
        cfg = self.cfg
        for group in self.optimizer.param_groups:     # linear decay to 0 over the run
            group["lr"] = cfg.lr * (1.0 - self.step / cfg.steps)
        if cfg.batch_size >= len(self.xt):
            xb = self.xt
        else:
            idx = torch.randint(0, len(self.xt), (cfg.batch_size,), generator=self.gen)
            xb = self.xt[idx.to(self.device)]
        loss = ((self.model(xb) - xb) ** 2).sum(dim=1).mean()
        total = loss + ordered_l2(self.model, cfg.reg_strength) \
            if cfg.regulariser == "ordered_l2" else loss
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        self.optimizer.step()
        self.last_loss = float(loss.detach())

    # ---- measurements (pure reads) -----------------------------------------------------
    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """(W (k, d), W' (d, k)) as float64 numpy."""
        with torch.no_grad():
            return (self.model.encoder.double().cpu().numpy(),
                    self.model.decoder.double().cpu().numpy())

    def full_loss(self) -> float:
        """⟨‖W'Wx − x‖²⟩ over all training digits, from the covariance (see the docstring)."""
        with torch.no_grad():
            w, wd = self.model.encoder.double(), self.model.decoder.double()
            wc = w @ self.cov_t                                   # (k, d)
            tr_ac = (wd.T * wc).sum()                             # tr(W'W C)
            tr_aca = ((wc @ w.T) * (wd.T @ wd)).sum()             # tr(W'W C Wᵀ W'ᵀ)
            return float(torch.trace(self.cov_t) - 2 * tr_ac + tr_aca)

    def measure(self) -> dict[str, float]:
        w, wd = self.weights()
        angles = principal_angles_deg(wd, self.v_k)
        loss = self.full_loss()
        cols = wd / np.maximum(np.linalg.norm(wd, axis=0, keepdims=True), 1e-300)
        alignment = float(np.mean(np.abs(np.sum(cols * self.v_k, axis=0))))
        return {"loss": loss, "loss_over_floor": loss / self.floor if self.floor > 0 else
                math.nan, "subspace_angle_deg": float(angles[-1]),
                "mean_angle_deg": float(angles.mean()), "eigvec_alignment": alignment}

    def wtw_spectrum(self) -> np.ndarray:
        """The non-zero part of W'W's spectrum: the eigenvalues of W W' (k × k), real parts
        sorted descending (W'W's other d − k eigenvalues are exactly 0)."""
        w, wd = self.weights()
        return np.sort(np.linalg.eigvals(w @ wd).real)[::-1].copy()

    # ---- engine contract ----------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        """The whole-data measurements every EVAL_EVERY steps (NaN between), the batch loss
        every step."""
        if eval_due(self.step):
            held = self.measure()
        else:
            held = dict.fromkeys(("loss", "loss_over_floor", "subspace_angle_deg",
                                  "mean_angle_deg", "eigvec_alignment"), math.nan)
        return {**held, "batch_loss": self.last_loss, "floor": self.floor}

    def snapshot(self, final: bool = False) -> Snapshot:
        held, arrays = self.throttle.get(self.step, final, self._pictures)
        metrics = {**held, "floor": self.floor, "bottleneck": float(self.k)}
        if math.isfinite(self.last_loss):
            metrics["batch_loss"] = self.last_loss
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(arrays),
                        history=self.history.arrays(), final=final)

    def _pictures(self) -> tuple[dict, dict]:
        w, wd = self.weights()
        cols = wd / np.maximum(np.linalg.norm(wd, axis=0, keepdims=True), 1e-300)
        shown = self.x[:SHOWN_RECON]
        arrays = {
            "eigenvalues": self.eigenvalues[:SHOWN_EIGENVALUES].copy(),
            "principal_angles_deg": principal_angles_deg(wd, self.v_k),
            "wtw_spectrum": self.wtw_spectrum(),
            "overlap": np.abs(self.v_k.T @ cols),            # |⟨v⁽ⁱ⁾|ŵ'_j⟩|, (k, k)
            "decoder_images": cols.T.copy(),                 # W' columns (k, 784)
            "eigenvectors": self.v_k.T.copy(),               # top-k PCA (k, 784)
            "mean": self.mean.copy(),
            "recon_inputs": images(shown + self.mean, SHOWN_RECON),
            "recon": (shown @ w.T) @ wd.T + self.mean,
            "pca_recon": (shown @ self.v_k) @ self.v_k.T + self.mean,
        }
        return self.measure(), arrays

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
