"""Variational autoencoder (lecture 7.4) on the lecture's wave packets or MNIST digits.

Stochastic encoder (reparameterisation trick) and decoder:
    z = g_φ(x, ε) = μ_φ(x) + σ_φ(x) ⊙ ε,  ε ~ N(0, 1)     ⇒ z ~ q_φ(z|x)
    x' = f_θ(z) + ξ,  ξ ~ N(0, 1)                          ⇒ ln p_θ(x|z) = const − ½‖x − f_θ(z)‖²
Maximise the variational lower bound of ln p_θ(x):
    𝓛 = ⟨ln p_θ(x|z)⟩_{z~q_φ(z|x)} − D_KL(q_φ(z|x) ‖ p(z)),  p(z) = N(0, 1),
    D_KL(q_φ(z|x) ‖ p(z)) = −½ Σ_j (1 + ln σ_j² − μ_j² − σ_j²)   (closed form).
Here: loss = ½‖x − f_θ(z)‖² + β·D_KL (β = σ² of a Gaussian decoder of variance σ²; the
lecture's unit variance is β = 1). A small β reconstructs well but leaves q(z|x) far from
p(z) (decoded prior samples look wrong); a large β matches the prior but blurs x' ("VAE
heuristics": a good compromise in between).

Conditional VAE: z = g_φ(x, ε; c), x' = f_θ(z; c) + ξ, with c the packet's wavenumber k
(or the digit's class): more efficient than a separate VAE for each c.

Wave packets (the lecture's test case): x(t) = exp(−(t − x0)²/(2w²)) · cos(k (t − x0)) on
t ∈ [−1, 1], with random position x0 ∈ [−0.5, 0.5], width w ∈ [0.1, 0.3] and wavenumber
k ∈ [8, 24].
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.generative import capabilities
from engines.generative.common import Throttle, eval_due
from engines.generative.configs import VAEConfig
from engines.generative.flows import linear, seeded_init
from engines.runtime import Engine, Snapshot

#: Ranges of the generating parameters of a wave packet: position, width, wavenumber.
X0_RANGE, W_RANGE, K_RANGE = (-0.5, 0.5), (0.1, 0.3), (8.0, 24.0)
PARAM_NAMES = ("position x0", "width w", "wavenumber k")
#: Held-out samples (latent scatter, evaluation).
EVAL = 512
#: Inputs shown with their reconstructions; samples decoded from the prior.
SHOWN_WAVES, SHOWN_DIGITS, PRIOR_WAVES, PRIOR_DIGITS = 4, 8, 8, 16
#: Values per latent dimension in the traversal (z_j from −2.5 to 2.5).
TRAVERSE = 9
TRAVERSE_DIGITS = 8


def wave_packets(n: int, points: int, rng: np.random.Generator):
    """(signals (n, points), params (n, 3) = x0, w, k, t grid)."""
    t = np.linspace(-1.0, 1.0, points)
    x0 = rng.uniform(*X0_RANGE, size=n)
    w = rng.uniform(*W_RANGE, size=n)
    k = rng.uniform(*K_RANGE, size=n)
    d = t[None, :] - x0[:, None]
    x = np.exp(-d ** 2 / (2 * w[:, None] ** 2)) * np.cos(k[:, None] * d)
    return x, np.stack([x0, w, k], axis=1), t


def k_condition(k):
    """The cVAE's condition for a wavenumber: k mapped linearly onto [−1, 1]."""
    lo, hi = K_RANGE
    return 2.0 * (np.asarray(k, dtype=float) - lo) / (hi - lo) - 1.0


def kl_closed_form(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """D_KL(N(μ, σ²) ‖ N(0, 1)) = −½ Σ_j (1 + ln σ_j² − μ_j² − σ_j²), per sample."""
    return -0.5 * (1.0 + logvar - mu ** 2 - torch.exp(logvar)).sum(dim=1)


def kl_monte_carlo(mu: torch.Tensor, logvar: torch.Tensor, samples: int,
                   gen: torch.Generator) -> torch.Tensor:
    """⟨ln q(z|x) − ln p(z)⟩_{z~q}: the same KL estimated by sampling (for the tests)."""
    std = torch.exp(0.5 * logvar)
    eps = torch.randn((samples,) + tuple(mu.shape), generator=gen, dtype=mu.dtype)
    z = mu + std * eps
    log_q = (-0.5 * eps ** 2 - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
    log_p = (-0.5 * z ** 2 - 0.5 * math.log(2 * math.pi)).sum(-1)
    return (log_q - log_p).mean(dim=0)


def _mlp(d_in: int, d_out: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(linear(d_in, hidden), nn.SiLU(), linear(hidden, hidden),
                         nn.SiLU(), linear(hidden, d_out))


class VAE(nn.Module):
    def __init__(self, d_x: int, latent: int, hidden: int, d_c: int = 0):
        super().__init__()
        self.latent, self.d_c = latent, d_c
        self.encoder = _mlp(d_x + d_c, 2 * latent, hidden)
        self.decoder = _mlp(latent + d_c, d_x, hidden)

    def encode(self, x, c=None):
        h = self.encoder(x if c is None else torch.cat([x, c], 1))
        mu, logvar = h[:, :self.latent], h[:, self.latent:].clamp(-12.0, 8.0)
        return mu, logvar

    def decode(self, z, c=None):
        return self.decoder(z if c is None else torch.cat([z, c], 1))


class VAEEngine(Engine):
    Config = VAEConfig
    CAPABILITIES = capabilities.VAE
    divergence_advice = "Try a smaller learning rate."

    def __init__(self, cfg: VAEConfig, device: str | None = None):
        super().__init__(cfg, device)
        dev = self.device
        data_rng = np.random.default_rng([cfg.seed, 0])
        if cfg.data == "wave_packets":
            self.d_c = 1 if cfg.conditional else 0
            # A fixed pool of packets; training batches are drawn from it.
            x, params, self.t = wave_packets(20_000, cfg.points, data_rng)
            ex, eparams, _ = wave_packets(EVAL, cfg.points, np.random.default_rng([cfg.seed, 5]))
            self.x_train, self.c_train = x, k_condition(params[:, 2])[:, None]
            self.x_eval, self.c_eval = ex, k_condition(eparams[:, 2])[:, None]
            self.color = eparams                        # true generating parameters
            self.color_names = PARAM_NAMES
        else:
            from engines.mnist.data import load_subset

            self.d_c = 10 if cfg.conditional else 0
            data = load_subset()
            self.x_train = data.x_train.reshape(len(data.x_train), -1) / 255.0
            self.x_eval = data.x_test[:EVAL].reshape(EVAL, -1) / 255.0
            self.c_train = np.eye(10)[data.y_train]
            self.c_eval = np.eye(10)[data.y_test[:EVAL]]
            self.color = data.y_test[:EVAL, None].astype(np.float64)
            self.color_names = ("digit class",)
            self.t = np.arange(784, dtype=np.float64)
        self.d_x = self.x_train.shape[1]
        f32 = dict(dtype=torch.float32, device=dev)
        self.xt = torch.as_tensor(self.x_train, **f32)
        self.ct = torch.as_tensor(self.c_train, **f32)
        self.xe = torch.as_tensor(self.x_eval, **f32)
        self.ce = torch.as_tensor(self.c_eval, **f32)
        self.model = VAE(self.d_x, cfg.latent, cfg.hidden, self.d_c)
        seeded_init(self.model, torch.Generator().manual_seed(cfg.seed))
        self.model.to(dev)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.gen = torch.Generator().manual_seed(cfg.seed + 1)   # batches and ε
        fixed = torch.Generator().manual_seed(cfg.seed + 2)
        n_prior = PRIOR_DIGITS if self.mnist else PRIOR_WAVES
        self.z_prior = torch.randn(n_prior, cfg.latent, generator=fixed).to(dev)
        self.last = {"recon": math.nan, "kl": math.nan}
        self.throttle = Throttle()

    @property
    def mnist(self) -> bool:
        return self.cfg.data == "mnist"

    def _c(self, c: torch.Tensor):
        return c if self.d_c else None

    # ---- training ---------------------------------------------------------------------
    def losses(self, x, c, eps=None):
        """(recon, KL) per sample: ½‖x − f(z)‖² and the closed-form KL, z = μ + σ ε."""
        mu, logvar = self.model.encode(x, self._c(c))
        z = mu if eps is None else mu + torch.exp(0.5 * logvar) * eps
        recon = 0.5 * ((x - self.model.decode(z, self._c(c))) ** 2).sum(dim=1)
        return recon, kl_closed_form(mu, logvar)

    def train_step(self) -> None:
        cfg = self.cfg
        idx = torch.randint(0, len(self.xt), (cfg.batch_size,), generator=self.gen)
        idx = idx.to(self.device)
        eps = torch.randn(cfg.batch_size, cfg.latent, generator=self.gen).to(self.device)
        recon, kl = self.losses(self.xt[idx], self.ct[idx], eps)
        loss = (recon + cfg.beta * kl).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.last = {"recon": float(recon.mean().detach()), "kl": float(kl.mean().detach())}

    # ---- pictures and numbers (pure reads) ------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        recon, kl = self.losses(self.xe, self.ce)          # z = μ: deterministic
        r, k = float(recon.mean()), float(kl.mean())
        return {"recon": r, "kl": k, "loss": r + self.cfg.beta * k}

    def history_metrics(self) -> dict[str, float]:
        """Held-out recon, KL and loss every EVAL_EVERY steps (NaN between); the batch's
        every step."""
        held_out = self.evaluate() if eval_due(self.step) else \
            {"recon": math.nan, "kl": math.nan, "loss": math.nan}
        return {**held_out, "recon_train": self.last["recon"], "kl_train": self.last["kl"]}

    def _prior_conditions(self, n: int) -> torch.Tensor | None:
        if not self.d_c:
            return None
        if self.mnist:
            return torch.as_tensor(np.eye(10)[np.arange(n) % 10], dtype=torch.float32,
                                   device=self.device)
        return torch.linspace(-1.0, 1.0, n, device=self.device)[:, None]

    @torch.no_grad()
    def traversal(self) -> np.ndarray:
        """Decoded z along a grid. Waves: (latent dims ≤ 2, 9, points), z_j from −2.5 to
        2.5, the other z = 0. Digits: (64 or 80, 784): an 8 × 8 grid over (z1, z2), or for
        a cVAE 10 rows (digits) × 8 values of z1."""
        L = self.cfg.latent
        if self.mnist:
            values = torch.linspace(-2.5, 2.5, TRAVERSE_DIGITS, device=self.device)
            if self.d_c:
                z = torch.zeros(10 * TRAVERSE_DIGITS, L, device=self.device)
                z[:, 0] = values.repeat(10)
                c = torch.as_tensor(np.eye(10)[np.repeat(np.arange(10), TRAVERSE_DIGITS)],
                                    dtype=torch.float32, device=self.device)
            else:
                z = torch.zeros(TRAVERSE_DIGITS ** 2, L, device=self.device)
                z1, z2 = torch.meshgrid(values, values.flip(0), indexing="xy")
                z[:, 0] = z1.reshape(-1)
                if L > 1:
                    z[:, 1] = z2.reshape(-1)
                c = None
            return self.model.decode(z, c).double().cpu().numpy()
        values = torch.linspace(-2.5, 2.5, TRAVERSE, device=self.device)
        out = []
        for j in range(min(2, L)):
            z = torch.zeros(TRAVERSE, L, device=self.device)
            z[:, j] = values
            c = torch.zeros(TRAVERSE, 1, device=self.device) if self.d_c else None
            out.append(self.model.decode(z, c).double().cpu().numpy())
        return np.stack(out)

    def snapshot(self, final: bool = False) -> Snapshot:
        held_out, arrays = self.throttle.get(self.step, final, self._pictures)
        metrics = {**held_out, "recon_train": self.last["recon"],
                   "kl_train": self.last["kl"]}
        metrics = {k: v for k, v in metrics.items() if math.isfinite(v)}
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(arrays),
                        history=self.history.arrays(), final=final)

    def _pictures(self) -> tuple[dict, dict]:
        shown = SHOWN_DIGITS if self.mnist else SHOWN_WAVES
        with torch.no_grad():
            mu, _ = self.model.encode(self.xe, self._c(self.ce))
            recons = self.model.decode(mu[:shown], self._c(self.ce[:shown]))
            prior = self.model.decode(self.z_prior, self._prior_conditions(len(self.z_prior)))
        arrays = {"t": self.t.copy(), "inputs": self.x_eval[:shown].copy(),
                  "recons": recons.double().cpu().numpy(),
                  "latent_mu": mu.double().cpu().numpy(), "latent_color": self.color.copy(),
                  "prior_samples": prior.double().cpu().numpy(),
                  "traversal": self.traversal(),
                  "mnist": np.array([1.0 if self.mnist else 0.0]),
                  "conditional": np.array([1.0 if self.d_c else 0.0])}
        return self.evaluate(), arrays

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(), "gen": self.gen.get_state(),
                "last_recon": self.last["recon"], "last_kl": self.last["kl"]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.gen.set_state(state["gen"])
        self.last = {"recon": float(state["last_recon"]), "kl": float(state["last_kl"])}
        self.throttle.clear()
