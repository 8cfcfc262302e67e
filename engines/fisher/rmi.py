"""The "Renormalized mutual information" excursion (lecture 6.5; Sarra, Aiello, Marquardt,
Phys. Rev. Lett. 126, 2021).

For a deterministic feature y = F(x) the mutual information MI(x, y) is infinite. Adding a
small noise to x, computing MI and subtracting the part that only depends on the noise
leaves, for a 1-d feature of a 2-d x,
    RMI = H(y) − ⟨ln √det(∂F ∂Fᵀ)⟩ = H(y) − ⟨ln |∇F(x)|⟩,
which is finite and unchanged by any invertible map y → g(y) (both terms shift by ⟨ln|g′|⟩).
F_θ is linear, y = w·x (then RMI = H(w·x) − ln|w| depends on the direction of w only), or a
small tanh network; H(y) is a differentiable kernel estimate
    H(y) ≈ −(1/n) Σ_i ln[(1/n) Σ_j N(y_i − y_j; b²)],  b = bandwidth · std(y)
(the width scales with y, so the estimate shifts correctly under y → c y). RMI is maximised
with Adam. For a Gaussian cloud the best feature is a function of the projection on the
first principal component (H of a projection is largest along the widest direction); for a
ring or a spiral it should follow the collective coordinate (angle, arc length). Caveat:
a flexible network can raise the estimated RMI without bound by bunching the data into
narrow clumps of y (|∇F| → 0 at the data, jumps between them) that the kernel estimate
cannot resolve; the linear feature cannot.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from engines.fisher.configs import RMIConfig
from engines.runtime import Engine, Snapshot

LEVEL_GRID = 60


def make_data(cfg: RMIConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(points (n, 2), collective coordinate (n,)): projection on PC1, angle or arc length."""
    n = cfg.n_points
    if cfg.dataset == "gaussian":
        a = math.radians(cfg.angle_deg)
        rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        z = rng.standard_normal((n, 2)) * np.array([1.0, 1.0 / cfg.aspect])
        pts = z @ rot.T
        return pts, z[:, 0]
    if cfg.dataset == "ring":
        phi = rng.uniform(-math.pi, math.pi, n)
        r = 1.0 + cfg.noise * rng.standard_normal(n)
        return np.stack([r * np.cos(phi), r * np.sin(phi)], axis=1), phi
    t = rng.uniform(0.0, 1.0, n)                  # spiral: radius grows with the angle
    ang = 3 * math.pi * t
    r = 0.3 + t
    pts = np.stack([r * np.cos(ang), r * np.sin(ang)], axis=1)
    return pts + cfg.noise * rng.standard_normal((n, 2)), t


def pc1_angle(points: np.ndarray) -> float:
    """Direction (radians) of the sample covariance's top eigenvector."""
    c = np.cov(points.T)
    vals, vecs = np.linalg.eigh(c)
    v = vecs[:, -1]
    return math.atan2(v[1], v[0])


def axis_angle_deg(a: float, b: float) -> float:
    """Angle between two undirected axes, in [0, 90] degrees."""
    d = abs(math.degrees(a - b)) % 180.0
    return min(d, 180.0 - d)


class RMIEngine(Engine):
    Config = RMIConfig
    divergence_advice = "RMI became NaN: try a smaller learning rate or a wider kernel."

    def __init__(self, cfg: RMIConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.device = torch.device("cpu")     # n² kernel sums of a few hundred points
        self.rng = np.random.default_rng(cfg.seed)
        pts, self.collective = make_data(cfg, self.rng)
        self.center = pts.mean(axis=0)
        self.scale = pts.std()
        self.points = pts
        self.x = torch.tensor((pts - self.center) / self.scale, dtype=torch.float64)
        gen = torch.Generator().manual_seed(cfg.seed)
        with torch.random.fork_rng(devices=[]):   # nn.Linear's own init draws globally
            if cfg.feature == "linear":
                self.net = torch.nn.Sequential(torch.nn.Linear(2, 1, bias=False)).double()
            else:
                self.net = torch.nn.Sequential(torch.nn.Linear(2, cfg.hidden), torch.nn.Tanh(),
                                               torch.nn.Linear(cfg.hidden, 1)).double()
        with torch.no_grad():
            for p in self.net.parameters():
                bound = 1.0 / math.sqrt(p.shape[-1]) if p.dim() > 1 else 0.1
                p.copy_((torch.rand(p.shape, generator=gen, dtype=torch.float64) * 2 - 1)
                        * bound)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=cfg.lr)
        self.terms = self.rmi_terms()

    # ---- RMI --------------------------------------------------------------------------------
    def feature_and_gradient(self, x: torch.Tensor, create_graph: bool):
        x = x.clone().requires_grad_(True)
        y = self.net(x)[:, 0]
        (grad,) = torch.autograd.grad(y.sum(), x, create_graph=create_graph)
        return y, grad

    def entropy(self, y: torch.Tensor) -> torch.Tensor:
        """Kernel estimate of H(y) (nats) with a width proportional to std(y)."""
        b = self.cfg.bandwidth * y.std() + 1e-12
        d = (y[:, None] - y[None, :]) / b
        log_k = -0.5 * d * d - torch.log(b) - 0.5 * math.log(2 * math.pi)
        return -(torch.logsumexp(log_k, dim=1) - math.log(y.numel())).mean()

    def rmi(self, create_graph: bool = True):
        y, grad = self.feature_and_gradient(self.x, create_graph)
        h = self.entropy(y)
        log_det = 0.5 * torch.log((grad * grad).sum(dim=1) + 1e-30).mean()  # ln √det(∂F∂Fᵀ)
        return h - log_det, h, log_det, grad

    def rmi_terms(self, terms=None) -> dict[str, float]:
        """Readouts from one evaluation (the training step's own, or a fresh one)."""
        rmi, h, log_det, grad = terms if terms is not None else self.rmi(create_graph=False)
        rmi, h, log_det = float(rmi.detach()), float(h.detach()), float(log_det.detach())
        g = grad.detach().numpy()
        m = g.T @ g / g.shape[0]            # ⟨∇F ∇Fᵀ⟩: its top eigenvector = the feature's axis
        vals, vecs = np.linalg.eigh(m)
        v = vecs[:, -1]
        out = {"rmi": rmi, "entropy_y": h, "mean_log_grad": log_det,
               "feature_angle_deg": math.degrees(math.atan2(v[1], v[0]))}
        if self.cfg.dataset == "gaussian":
            out["angle_to_pc1_deg"] = axis_angle_deg(math.atan2(v[1], v[0]),
                                                     pc1_angle(self.points))
        else:
            with torch.no_grad():
                y = self.net(self.x).numpy()[:, 0]
            out["corr_collective"] = float(abs(spearman(y, self.collective)))
        return out

    def train_step(self) -> None:
        self.opt.zero_grad()
        terms = self.rmi(create_graph=True)
        (-terms[0]).backward()
        self.opt.step()
        # readouts of this evaluation (the parameters just before the step): no second pass
        self.terms = self.rmi_terms(terms)

    # ---- engine contract --------------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        return dict(self.terms)

    def snapshot(self, final: bool = False) -> Snapshot:
        lo, hi = self.points.min(axis=0) - 0.3, self.points.max(axis=0) + 0.3
        gx, gy = np.linspace(lo[0], hi[0], LEVEL_GRID), np.linspace(lo[1], hi[1], LEVEL_GRID)
        xx, yy = np.meshgrid(gx, gy, indexing="ij")
        grid = np.stack([xx.ravel(), yy.ravel()], axis=1)
        with torch.no_grad():
            field = self.net(torch.tensor((grid - self.center) / self.scale))[:, 0].numpy()
            y = self.net(self.x)[:, 0].numpy()
        metrics = {**self.terms, "pc1_angle_deg": math.degrees(pc1_angle(self.points))}
        arrays = {"points": self.points.copy(), "feature": y.copy(),
                  "collective": np.asarray(self.collective, dtype=float).copy(),
                  "level_x": gx, "level_y": gy, "level_field": field.reshape(xx.shape)}
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "net": self.net.state_dict(),
                "opt": self.opt.state_dict(), "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.net.load_state_dict(state["net"])
        self.opt.load_state_dict(state["opt"])
        self.rng.bit_generator.state = state["rng"]
        self.terms = self.rmi_terms()


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])
