"""The denoising autoencoder (lecture 3.3.4): corrupted input, clean target.

    L(θ) = ⟨‖F_θ(x̃) − x‖²⟩_{x, noise},   x̃ = x + εξ (Gaussian, ⟨ξ_i ξ_j⟩ = δ_ij)
                                          or x̃ = x with each pixel switched off w.p. p.
The net cannot copy its input, so it has to learn what typical data look like. For very
weak Gaussian noise, F(x + εξ) ≈ F(x) + ε J_F(x) ξ with the Jacobian (J_F)_jl = ∂F_j/∂x_l:
    ⟨‖F(x + εξ) − x‖²⟩ ≈ ⟨‖F(x) − x‖²⟩ + ε² ⟨‖J_F‖²_F⟩,
the cross term vanishing since ⟨ξ⟩ = 0 (the next term, ε²⟨(F − x)·ΔF⟩, is small once F(x) ≈ x
and absent for a linear F): the loss punishes large derivatives of F.

A linear F(x) = A x on centred data can be solved exactly: ⟨‖A(x + εξ) − x‖²⟩
= tr((A − 1) C (A − 1)ᵀ) + ε² ‖A‖²_F is minimal at A = C (C + ε²)⁻¹: each eigen-direction of C
is shrunk by λ_i / (λ_i + ε²), the weak (noise-like) directions most.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.representation import data as rdata
from engines.representation.common import Throttle, eval_due, linear, mlp, seeded_init
from engines.representation.configs import DenoisingConfig
from engines.runtime import Engine, Snapshot

#: Held-out samples for the metrics; inputs of the Jacobian; triples shown.
EVAL_SAMPLES, JACOBIAN_INPUTS, SHOWN = 256, 32, 6
#: Up to this input dimension ‖J_F‖² is exact (autograd); above it (MNIST: a full
#: Jacobian costs 784 backward passes per input) it is Hutchinson's estimate
#: ⟨‖J_F ξ‖²⟩_ξ = ‖J_F‖²_F with PROBES fixed Gaussian probes per input (forward-mode jvp).
EXACT_JACOBIAN_DIM, PROBES = 64, 16
#: Sites of the random field used as data (small: the linear closed form is then cheap).
FIELD_SITES, FIELD_CORR = 16, 2.0


class LinearDenoiser(nn.Module):
    """F(x) = A x (no bias, no bottleneck), A initialised to 0."""

    def __init__(self, d: int):
        super().__init__()
        self.map = linear(d, d, bias=False)
        with torch.no_grad():
            self.map.weight.zero_()

    def forward(self, x):
        return self.map(x)


class MLPDenoiser(nn.Module):
    def __init__(self, d: int, k: int, width: int):
        super().__init__()
        self.encoder = mlp([d, width, k], "relu", last_activation=False)
        self.decoder = mlp([k, width, d], "relu")

    def forward(self, x):
        return self.decoder(torch.relu(self.encoder(x)))


def closed_form_linear(cov: np.ndarray, eps: float) -> np.ndarray:
    """A = C (C + ε² 1)⁻¹, the optimal linear denoiser of centred data."""
    d = cov.shape[0]
    return np.linalg.solve((cov + eps ** 2 * np.eye(d)).T, cov.T).T


def jacobian_frobenius(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """⟨‖J_F(x)‖²_F⟩ over the rows of x, J_F from autograd (torch.func.jacrev)."""
    from torch.func import jacrev, vmap

    jac = vmap(jacrev(lambda v: model(v[None])[0]))(x)          # (n, d, d)
    return (jac ** 2).sum(dim=(1, 2)).mean()


def jacobian_frobenius_hutchinson(model: nn.Module, x: torch.Tensor,
                                  probes: torch.Tensor) -> torch.Tensor:
    """⟨‖J_F(x) ξ‖²⟩ over the rows of x and ``probes`` (P, n, d) of N(0, 1) vectors: an
    unbiased estimate of ⟨‖J_F‖²_F⟩ (E ξξᵀ = 1), one jvp on P·n rows."""
    from torch.func import jvp

    p = probes.shape[0]
    _, jx = jvp(model, (x.repeat(p, 1),), (probes.reshape(-1, x.shape[1]),))
    return (jx ** 2).sum(dim=1).mean()


class DenoisingEngine(Engine):
    Config = DenoisingConfig
    divergence_advice = "Try a smaller learning rate."

    def __init__(self, cfg: DenoisingConfig, device: str | None = None):
        super().__init__(cfg, device)
        rng = np.random.default_rng(cfg.seed)
        if cfg.data == "mnist":
            x, _, x_eval, _ = rdata.mnist_train_eval(cfg.n_train, EVAL_SAMPLES)
        else:
            spectrum = rdata.field_spectrum(FIELD_SITES, FIELD_CORR)
            x = rdata.field_samples(cfg.n_train, spectrum, rng)
            x_eval = rdata.field_samples(EVAL_SAMPLES, spectrum, rng)
        # The linear model has no bias: it works on centred data (the closed form needs it).
        self.offset = x.mean(axis=0) if cfg.model == "linear" else np.zeros(x.shape[1])
        self.x, self.x_eval = x - self.offset, x_eval - self.offset
        self.cov = self.x.T @ self.x / len(self.x)
        d = self.x.shape[1]
        self.d = d
        f32 = dict(dtype=torch.float32, device=self.device)
        self.xt = torch.as_tensor(self.x, **f32)
        self.xe = torch.as_tensor(self.x_eval, **f32)
        if cfg.model == "linear":
            self.model = LinearDenoiser(d)
        else:
            self.model = MLPDenoiser(d, cfg.bottleneck, cfg.width)
            seeded_init(self.model, torch.Generator().manual_seed(cfg.seed))
        self.model.to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.gen = torch.Generator().manual_seed(cfg.seed + 1)      # batches and noise
        fixed = torch.Generator().manual_seed(cfg.seed + 2)         # the metrics' noise
        self.xi_eval = torch.randn(self.xe.shape, generator=fixed).to(self.device)
        self.keep_eval = (torch.rand(self.xe.shape, generator=fixed) >= cfg.drop_p).to(
            self.device, torch.float32)
        self.probes = torch.randn((PROBES, JACOBIAN_INPUTS, d), generator=fixed).to(self.device)
        self.last_loss = math.nan
        self.throttle = Throttle(period=0.5)

    def corrupt(self, x: torch.Tensor, xi: torch.Tensor | None = None,
                keep: torch.Tensor | None = None) -> torch.Tensor:
        cfg = self.cfg
        if cfg.noise == "gaussian":
            if xi is None:
                xi = torch.randn(x.shape, generator=self.gen).to(self.device)
            return x + cfg.epsilon * xi
        if keep is None:
            keep = (torch.rand(x.shape, generator=self.gen) >= cfg.drop_p).to(
                self.device, torch.float32)
        return x * keep        # switched-off pixels read 0 (centred data: the mean)

    def train_step(self) -> None:
        if self.cfg.batch_size >= len(self.xt):
            xb = self.xt
        else:
            idx = torch.randint(0, len(self.xt), (self.cfg.batch_size,), generator=self.gen)
            xb = self.xt[idx.to(self.device)]
        loss = ((self.model(self.corrupt(xb)) - xb) ** 2).sum(dim=1).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.last_loss = float(loss.detach())

    # ---- measurements --------------------------------------------------------------------
    def linear_map(self) -> np.ndarray:
        if self.cfg.model != "linear":
            raise ValueError("only the linear model has a single matrix A")
        return self.model.map.weight.detach().double().cpu().numpy()

    def jacobian_norm(self) -> float:
        if self.cfg.model == "linear":           # J_F = A everywhere
            return float(np.sum(self.linear_map() ** 2))
        x = self.xe[:JACOBIAN_INPUTS]
        if self.d <= EXACT_JACOBIAN_DIM:
            return float(jacobian_frobenius(self.model, x).detach())
        return float(jacobian_frobenius_hutchinson(self.model, x, self.probes).detach())

    @torch.no_grad()
    def measure(self) -> dict[str, float]:
        clean = float(((self.model(self.xe) - self.xe) ** 2).sum(dim=1).mean())
        noisy_in = self.corrupt(self.xe, self.xi_eval, self.keep_eval)
        noisy = float(((self.model(noisy_in) - self.xe) ** 2).sum(dim=1).mean())
        with torch.enable_grad():
            jac = self.jacobian_norm()
        out = {"recon_mse": clean, "noisy_mse": noisy, "jacobian_frobenius": jac}
        if self.cfg.noise == "gaussian":
            out["expansion_prediction"] = clean + self.cfg.epsilon ** 2 * jac
        if self.cfg.model == "linear" and self.cfg.noise == "gaussian":
            best = closed_form_linear(self.cov, self.cfg.epsilon)
            out["distance_to_closed_form"] = float(np.linalg.norm(self.linear_map() - best)
                                                   / np.linalg.norm(best))
        return out

    def history_metrics(self) -> dict[str, float]:
        held = self.measure() if eval_due(self.step) else {}
        return {**held, "batch_loss": self.last_loss}

    @torch.no_grad()
    def _pictures(self) -> tuple[dict, dict]:
        xs = self.xe[:SHOWN]
        noisy = self.corrupt(xs, self.xi_eval[:SHOWN], self.keep_eval[:SHOWN])
        arrays = {"clean": (xs.double().cpu().numpy() + self.offset),
                  "noisy": noisy.double().cpu().numpy() + self.offset,
                  "output": self.model(noisy).double().cpu().numpy() + self.offset,
                  "image_side": np.array([float(rdata.SIDE if self.cfg.data == "mnist"
                                                else 0)])}
        if self.cfg.model == "linear" and self.cfg.noise == "gaussian":
            lam, vec = rdata.pca(self.cov)
            a = self.linear_map()
            arrays["eigenvalues"] = lam.copy()
            arrays["shrink_closed_form"] = lam / (lam + self.cfg.epsilon ** 2)
            arrays["shrink_learned"] = np.einsum("ji,jk,ki->i", vec, a, vec)   # vᵢᵀ A vᵢ
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
