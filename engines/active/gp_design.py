"""Active learning for Gaussian processes and for networks (lecture 10.3).

Gaussian process: a field φ on a lattice with prior N(0, C), C the squared-exponential
kernel (engines.bayes.gp_math). A measurement y = φ_x + σξ at site x gives
    (C⁻¹)′ = C⁻¹ + |x⟩⟨x|/σ²,   H_before − H_after = ½ ln det(1 + C|x⟩⟨x|/σ²)
                                                 = ½ ln(1 + C_xx/σ²),
and C′ does not involve the result y. So the greedy sequence "measure where C_xx is
largest" can be planned before any result comes in; the demo shows it by measuring two
different true functions side by side, at the same sites, with their own posterior means
(the same posterior covariance). Updates are the rank-one downdates of gp_math.

Network (MacKay 1992): y = F_θ(x) + σξ with a small tanh net, L(θ) = Σ_j (y_j − F_θ(x_j))²/2σ²
+ |θ|²/2s² (a Gaussian weight prior). Laplace: p(θ|data) ≈ N(θ*, C), C = (∂²L/∂θ²)⁻¹ at the
trained θ* (the exact Hessian; where it is not positive definite, far from a minimum, its
Gauss–Newton part Σ g gᵀ/σ² + 1/s² is used). Linearising F around θ*, a new measurement at x
lowers the entropy of θ by ½ ln(1 + gᵀCg/σ²), g = ∂F/∂θ(x). θ*, and so C and g, depend on
the results: the two truths now get different sequences.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from engines.active.configs import GPDesignConfig
from engines.bayes.gp_math import SE_NUGGET, rank_one_update, se_kernel
from engines.runtime import Engine, Snapshot

#: Most lattice points per axis of the 2-d field (900 sites, a 900 x 900 covariance).
MAX_2D = 30


def gain_bits(var: np.ndarray | float, noise: float):
    """½ log₂(1 + C_xx/σ²): the entropy drop of one measurement, in bits."""
    return 0.5 * np.log2(1.0 + np.asarray(var) / noise**2)


def truths(cfg: GPDesignConfig, coords: np.ndarray, cov: np.ndarray,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if cfg.truths == "prior_samples":
        jitter = SE_NUGGET * cfg.amplitude**2 * np.eye(len(cov))
        draws = np.linalg.cholesky(cov + jitter) @ rng.standard_normal((len(cov), 2))
        return draws[:, 0].copy(), draws[:, 1].copy()
    x = coords[:, 0]
    y = coords[:, 1] if coords.shape[1] > 1 else np.zeros_like(x)
    smooth = cfg.amplitude * np.sin(2 * np.pi * x) * np.cos(np.pi * y)
    step = cfg.amplitude * np.where(x > 0.5, 1.0, -1.0)
    return smooth, step


class GPDesignEngine(Engine):
    Config = GPDesignConfig
    divergence_advice = "Try a smaller learning rate or a larger noise level."

    def __init__(self, cfg: GPDesignConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng([cfg.seed, 5])
        dims = cfg.dims if cfg.model == "gp" else 1
        m = cfg.n_points if dims == 1 else min(cfg.n_points, MAX_2D)
        self.axis = np.linspace(0.0, 1.0, m)
        if dims == 1:
            self.coords = self.axis[:, None]
        else:
            gx, gy = np.meshgrid(self.axis, self.axis, indexing="ij")
            self.coords = np.stack([gx.ravel(), gy.ravel()], axis=1)
        self.shape = (m,) * dims
        k = np.ones((len(self.coords),) * 2)
        for d in range(dims):
            k *= se_kernel(self.coords[:, d], 1.0, cfg.length_scale)
        self.prior_cov = cfg.amplitude**2 * k
        self.truth = truths(cfg, self.coords, self.prior_cov, self.rng)
        self.sites: list[list[int]] = [[], []]
        self.ys: list[list[float]] = [[], []]
        self.gains: list[float] = []
        if cfg.model == "gp":
            self.cov = self.prior_cov.copy()
            self.means = [np.zeros(len(self.coords)), np.zeros(len(self.coords))]
        else:
            self.nets = [LaplaceNet(cfg, self.axis, seed=(cfg.seed, j)) for j in range(2)]

    # ---- the gain map -------------------------------------------------------------------
    def gain_maps(self) -> tuple[np.ndarray, np.ndarray]:
        if self.cfg.model == "gp":
            g = gain_bits(np.clip(np.diag(self.cov), 0.0, None), self.cfg.noise)
            return g, g
        return tuple(net.gain_bits() for net in self.nets)

    def train_step(self) -> None:
        cfg = self.cfg
        gains = self.gain_maps()
        if cfg.model == "gp":
            site = int(np.argmax(gains[0]))      # planned from C alone: no y involved
            ys = [float(t[site] + cfg.noise * self.rng.standard_normal()) for t in self.truth]
            c = self.cov[:, site].copy()
            denom = cfg.noise**2 + c[site]
            self.means[1] += c * ((ys[1] - self.means[1][site]) / denom)
            rank_one_update(self.means[0], self.cov, site, ys[0], cfg.noise)
            for j in range(2):
                self.sites[j].append(site)
                self.ys[j].append(ys[j])
            self.gains.append(float(gains[0][site]))
            return
        picked = []
        for j, net in enumerate(self.nets):
            site = int(np.argmax(gains[j]))
            y = float(self.truth[j][site] + cfg.noise * self.rng.standard_normal())
            self.sites[j].append(site)
            self.ys[j].append(y)
            picked.append(float(gains[j][site]))
            net.fit(self.axis[self.sites[j]], np.asarray(self.ys[j]))
        self.gains.append(picked[0])

    # ---- contract ---------------------------------------------------------------------
    def predictions(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        if self.cfg.model == "gp":
            std = np.sqrt(np.clip(np.diag(self.cov), 0.0, None))
            return [m.copy() for m in self.means], [std, std.copy()]
        means, stds = [], []
        for net in self.nets:
            mean, var = net.predict()
            means.append(mean)
            stds.append(np.sqrt(var))
        return means, stds

    def history_metrics(self) -> dict[str, float]:
        means, _ = self.predictions()
        return {"gain_bits": self.gains[-1] if self.gains else 0.0,
                "total_gain_bits": float(sum(self.gains)),
                "rmse_a": float(np.sqrt(np.mean((means[0] - self.truth[0]) ** 2))),
                "rmse_b": float(np.sqrt(np.mean((means[1] - self.truth[1]) ** 2)))}

    def snapshot(self, final: bool = False) -> Snapshot:
        means, stds = self.predictions()
        gains = self.gain_maps()
        same = float(self.sites[0] == self.sites[1])
        metrics = {**self.history_metrics(), "measurements": float(len(self.gains)),
                   "next_gain_bits": float(max(gains[0].max(), gains[1].max())),
                   "same_sequence": same}
        if self.cfg.model == "network":
            # how many of the two nets use the exact Hessian (not its Gauss–Newton part)
            metrics["exact_hessians"] = float(sum(net.exact_hessian for net in self.nets))
        shape = self.shape
        arrays = {"axis": self.axis.copy(),
                  "truth_a": self.truth[0].reshape(shape), "truth_b": self.truth[1].reshape(shape),
                  "mean_a": means[0].reshape(shape), "mean_b": means[1].reshape(shape),
                  "std_a": stds[0].reshape(shape), "std_b": stds[1].reshape(shape),
                  "gain_a": gains[0].reshape(shape), "gain_b": gains[1].reshape(shape),
                  "gains_done": np.asarray(self.gains, dtype=float)}
        for j, tag in enumerate("ab"):
            sites = np.asarray(self.sites[j], dtype=int)
            arrays[f"sites_{tag}"] = sites.astype(float)
            arrays[f"sites_xy_{tag}"] = self.coords[sites].reshape(-1, self.coords.shape[1])
            arrays[f"ys_{tag}"] = np.asarray(self.ys[j], dtype=float)
        return Snapshot(step=self.step, epoch=len(self.gains), metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        state = {**self.base_state(), "rng": self.rng.bit_generator.state,
                 "sites": [list(s) for s in self.sites], "ys": [list(y) for y in self.ys],
                 "gains": list(self.gains)}
        if self.cfg.model == "network":
            state["nets"] = [net.state_dict() for net in self.nets]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]
        self.sites = [[int(i) for i in s] for s in state["sites"]]
        self.ys = [[float(v) for v in y] for y in state["ys"]]
        self.gains = [float(g) for g in state["gains"]]
        if self.cfg.model == "gp":
            # replay the rank-one updates (exactly the numbers of the uninterrupted run)
            self.cov = self.prior_cov.copy()
            self.means = [np.zeros(len(self.coords)), np.zeros(len(self.coords))]
            for k, site in enumerate(self.sites[0]):
                c = self.cov[:, site].copy()
                denom = self.cfg.noise**2 + c[site]
                self.means[1] += c * ((self.ys[1][k] - self.means[1][site]) / denom)
                rank_one_update(self.means[0], self.cov, site, self.ys[0][k], self.cfg.noise)
        else:
            for net, saved in zip(self.nets, state["nets"]):
                net.load_state_dict(saved)


class LaplaceNet:
    """1 → hidden (tanh) → 1 regression net on a flat parameter vector θ, with its
    Laplace covariance C = (∂²L/∂θ²)⁻¹ at the trained θ."""

    def __init__(self, cfg: GPDesignConfig, candidates: np.ndarray, seed):
        self.cfg, self.h = cfg, cfg.hidden
        rng = np.random.default_rng(list(seed) + [9])
        h = self.h
        theta = np.concatenate([rng.standard_normal(h) * 3.0,      # input weights w
                                rng.standard_normal(h) * 1.5,      # biases b
                                rng.standard_normal(h) / math.sqrt(h),  # output weights v
                                [0.0]])                             # output bias c
        self.theta = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
        self.opt = torch.optim.Adam([self.theta], lr=cfg.lr)
        # the net sees u = 2x − 1 ∈ [−1, 1], centred like its tanh units
        self.x_cand = torch.tensor(2 * candidates - 1, dtype=torch.float64)
        self.x_data = torch.zeros(0, dtype=torch.float64)
        self.y_data = torch.zeros(0, dtype=torch.float64)
        self.exact_hessian = True
        self.refresh()

    def forward(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        h = self.h
        w, b, v, c = theta[:h], theta[h:2 * h], theta[2 * h:3 * h], theta[3 * h]
        return torch.tanh(x[:, None] * w + b) @ v + c

    def loss(self, theta: torch.Tensor) -> torch.Tensor:
        """L(θ) = Σ_j (y_j − F_θ(x_j))²/2σ² + |θ|²/2s²."""
        r = self.y_data - self.forward(theta, self.x_data)
        return (r**2).sum() / (2 * self.cfg.noise**2) + (theta**2).sum() / (
            2 * self.cfg.weight_prior**2)

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x_data = torch.tensor(2 * x - 1, dtype=torch.float64)
        self.y_data = torch.tensor(y, dtype=torch.float64)
        scale = 1.0 / (len(y) / self.cfg.noise**2 + 1.0)   # keeps Adam's steps O(lr)
        for _ in range(self.cfg.train_iters):
            self.opt.zero_grad()
            (self.loss(self.theta) * scale).backward()
            self.opt.step()
        self.refresh()

    def refresh(self) -> None:
        """C = H⁻¹ and g = ∂F/∂θ on the candidates, at the current θ."""
        theta = self.theta.detach()
        self.g = torch.autograd.functional.jacobian(
            lambda t: self.forward(t, self.x_cand), theta).numpy()          # (n, P)
        hess = torch.autograd.functional.hessian(self.loss, theta).numpy()
        hess = 0.5 * (hess + hess.T)
        self.exact_hessian = bool(np.linalg.eigvalsh(hess).min() > 0)
        if not self.exact_hessian:
            g_data = torch.autograd.functional.jacobian(
                lambda t: self.forward(t, self.x_data), theta).numpy().reshape(-1, len(theta))
            hess = g_data.T @ g_data / self.cfg.noise**2 + np.eye(len(theta)) / \
                self.cfg.weight_prior**2
        self.cov = np.linalg.inv(hess)
        self.cov = 0.5 * (self.cov + self.cov.T)
        with torch.no_grad():
            self.mean = self.forward(theta, self.x_cand).numpy()

    def predictive_var(self) -> np.ndarray:
        """gᵀCg at every candidate (the parameter uncertainty seen through F)."""
        return np.clip(np.einsum("np,pq,nq->n", self.g, self.cov, self.g), 0.0, None)

    def gain_bits(self) -> np.ndarray:
        return gain_bits(self.predictive_var(), self.cfg.noise)

    def predict(self) -> tuple[np.ndarray, np.ndarray]:
        return self.mean.copy(), self.predictive_var()

    def state_dict(self) -> dict:
        return {"theta": self.theta.detach().clone(), "opt": self.opt.state_dict(),
                "x": self.x_data.clone(), "y": self.y_data.clone()}

    def load_state_dict(self, state: dict) -> None:
        with torch.no_grad():
            self.theta.copy_(state["theta"])
        self.opt.load_state_dict(state["opt"])
        self.x_data, self.y_data = state["x"].clone(), state["y"].clone()
        self.refresh()
