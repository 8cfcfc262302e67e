"""Generative adversarial network on a 2D target (lecture 7.5).

Generator x' = G(z), z ~ N(0, 1) (noise); discriminator D(x) ∈ [0, 1] (1 = real).
    L_D = −⟨ln D(x)⟩_{x~p} − ⟨ln(1 − D(G(z)))⟩_z
    L_G = +⟨ln(1 − D(G(z)))⟩_z          ("log": small if D is fooled; saturates when D
                                          confidently rejects the fakes)
    L_G = −⟨ln D(G(z))⟩_z                ("non-saturating": same fixed point, strong
                                          gradients early on)
For fixed G the best discriminator is D_G(x) = p(x)/(p(x) + p_G(x)); with D = D_G the
generator's optimum is p_G = p, where D(x) = ½ everywhere.

In practice (one step): k times [sample z and real x, gradient step for D on L_D], then
[sample z, gradient step for G on L_G]; separate learning rates (Adam).

Quality: the squared maximum mean discrepancy between generated and real samples,
MMD² = ⟨k(x,x')⟩_pp + ⟨k(y,y')⟩_GG − 2⟨k(x,y)⟩_pG (Gaussian kernels, an unbiased
two-sample statistic), and for the mixtures the number of modes the generator covers.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engines.generative import capabilities
from engines.generative.common import Throttle
from engines.generative.configs import GANConfig
from engines.generative.flows import linear, seeded_init
from engines.generative.targets import BOX, gan_target, grid
from engines.runtime import Engine, Snapshot

GRID = 64
EVAL = 600
SHOWN = 600
#: Steps between two MMD evaluations (a power of two, so the thinned history keeps them).
EVAL_EVERY = 16
#: Kernel widths of the MMD (sum of Gaussian kernels).
BANDWIDTHS = (0.1, 0.3, 1.0)


def mmd2(x: torch.Tensor, y: torch.Tensor, bandwidths=BANDWIDTHS) -> float:
    """Unbiased MMD² between samples x (n, d) and y (m, d) with a sum of Gaussian kernels
    k(a, b) = Σ_h exp(−|a − b|²/(2h²))."""
    def k(a, b):
        d2 = torch.cdist(a, b) ** 2
        return sum(torch.exp(-d2 / (2 * h * h)) for h in bandwidths)

    n, m = len(x), len(y)
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    sxx = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
    syy = (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
    return float(sxx + syy - 2 * kxy.mean())


def mlp(d_in: int, d_out: int, hidden: int, depth: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    d = d_in
    for _ in range(depth):
        layers += [linear(d, hidden), nn.LeakyReLU(0.2)]
        d = hidden
    layers.append(linear(d, d_out))
    return nn.Sequential(*layers)


def modes_covered(x: np.ndarray, target) -> tuple[float, float]:
    """(modes with ≥ 1 % of the samples within 3σ, fraction of samples within 3σ of a mode)
    for the Gaussian-mixture targets; (nan, nan) otherwise."""
    modes = getattr(target, "modes", None)
    if modes is None:
        return math.nan, math.nan
    d = np.linalg.norm(x[:, None, :] - modes[None], axis=2)
    near = d.min(axis=1) < 3 * target.mode_sigma
    which = d.argmin(axis=1)[near]
    counts = np.bincount(which, minlength=len(modes))
    return float((counts >= 0.01 * len(x)).sum()), float(near.mean())


class GANEngine(Engine):
    Config = GANConfig
    CAPABILITIES = capabilities.GAN
    divergence_advice = "Try smaller learning rates."

    def __init__(self, cfg: GANConfig, device: str | None = None):
        super().__init__(cfg, device)
        dev = self.device
        self.target = gan_target(cfg.target)
        init = torch.Generator().manual_seed(cfg.seed)
        self.G = mlp(cfg.noise_dim, 2, cfg.hidden, cfg.depth)
        self.D = mlp(2, 1, cfg.hidden, cfg.depth)
        seeded_init(self.G, init)
        seeded_init(self.D, init)
        self.G.to(dev)
        self.D.to(dev)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=(0.5, 0.999))
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.gen = torch.Generator().manual_seed(cfg.seed + 1)
        fixed = torch.Generator().manual_seed(cfg.seed + 2)
        self.z_eval = torch.randn(EVAL, cfg.noise_dim, generator=fixed).to(dev)
        self.real_eval = self.target.sample(EVAL, np.random.default_rng([cfg.seed, 3]))
        self.real_eval_t = torch.as_tensor(self.real_eval, dtype=torch.float32, device=dev)
        pts, _, _ = grid(BOX, GRID)
        self.grid_points = torch.as_tensor(pts, dtype=torch.float32, device=dev)
        self.p_grid = np.exp(self.target.log_density(pts)).reshape(GRID, GRID)
        self.last = {"loss_d": math.nan, "loss_g": math.nan, "d_real": math.nan,
                     "d_fake": math.nan}
        self._mmd: tuple[int, float] | None = None
        self.throttle = Throttle()

    def _noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.cfg.noise_dim, generator=self.gen).to(self.device)

    def train_step(self) -> None:
        cfg = self.cfg
        for _ in range(cfg.d_steps):
            real = torch.as_tensor(self.target.sample(cfg.batch_size, self.rng),
                                   dtype=torch.float32, device=self.device)
            with torch.no_grad():
                fake = self.G(self._noise(cfg.batch_size))
            logit_r, logit_f = self.D(real), self.D(fake)
            # −ln D(x) = softplus(−logit), −ln(1 − D(x')) = softplus(logit)
            loss_d = F.softplus(-logit_r).mean() + F.softplus(logit_f).mean()
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
        logit = self.D(self.G(self._noise(cfg.batch_size)))
        if cfg.generator_loss == "log":
            loss_g = -F.softplus(logit).mean()          # ⟨ln(1 − D(G(z)))⟩
        else:
            loss_g = F.softplus(-logit).mean()          # −⟨ln D(G(z))⟩
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.last = {"loss_d": float(loss_d.detach()), "loss_g": float(loss_g.detach()),
                     "d_real": float(torch.sigmoid(logit_r).mean().detach()),
                     "d_fake": float(torch.sigmoid(logit.detach()).mean())}

    @torch.no_grad()
    def generated(self) -> np.ndarray:
        return self.G(self.z_eval).double().cpu().numpy()

    def mmd(self) -> float:
        """MMD² of the fixed-noise samples against held-out real ones, now."""
        if self._mmd is None or self._mmd[0] != self.step:
            with torch.no_grad():
                fake = self.G(self.z_eval)
                self._mmd = (self.step, mmd2(self.real_eval_t, fake))
        return self._mmd[1]

    def history_metrics(self) -> dict[str, float]:
        m = dict(self.last)
        if self.step % EVAL_EVERY == 0:
            m["mmd"] = self.mmd()
            covered, quality = modes_covered(self.generated(), self.target)
            m["modes"], m["quality"] = covered, quality
        else:
            m["mmd"] = m["modes"] = m["quality"] = math.nan
        return m

    def _pictures(self) -> tuple[dict, dict]:
        x = self.generated()
        covered, quality = modes_covered(x, self.target)
        with torch.no_grad():
            d = torch.sigmoid(self.D(self.grid_points)).reshape(GRID, GRID)
        return ({"mmd": self.mmd(), "modes": covered, "quality": quality},
                {"d_map": d.double().cpu().numpy(), "fake": x[:SHOWN]})

    def snapshot(self, final: bool = False) -> Snapshot:
        measured, pictures = self.throttle.get(self.step, final, self._pictures)
        metrics = {**self.last, **measured}
        metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
        if hasattr(self.target, "modes"):
            metrics["modes_total"] = float(len(self.target.modes))
        arrays = {"rect": np.array([-BOX, -BOX, 2 * BOX, 2 * BOX]), **pictures,
                  "p_density": self.p_grid.copy(), "real": self.real_eval[:SHOWN].copy()}
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "G": self.G.state_dict(), "D": self.D.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "rng": self.rng.bit_generator.state, "gen": self.gen.get_state(),
                "last": dict(self.last)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.rng.bit_generator.state = state["rng"]
        self.gen.set_state(state["gen"])
        self.last = {k: float(v) for k, v in state["last"].items()}
        self._mmd = None
        self.throttle.clear()
