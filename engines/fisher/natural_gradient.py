"""The "Natural gradient" demo (lecture 6.2).

Plain gradient descent δθ = −η ∂L/∂θ depends on the coordinates: with θ₁ = μ θ̃₁ the step
taken in θ̃ and mapped back is δθ₁ = μ δθ̃₁ = −η μ² ∂L/∂θ₁, μ² times the step in θ.
The natural gradient δθ = −η I(θ)⁻¹ ∂L/∂θ, with the Fisher metric transforming as
Ĩ = Jᵀ I J (J = ∂θ/∂θ̃), gives δθ = J δθ̃: the same path in every coordinate system.
Three parts advance together, one step each per engine step:
  1. line fit y = a x + b + σε, θ = (a, b), θ̃ = (a/μ, b): GD and NG in both systems;
     for y = F_θ(x) + Gaussian noise I = JᵀJ/(n σ²) (J = ∂F/∂θ over the data).
  2. fit N(m, s²) to data on the (m, s) plane: GD vs NG with I = diag(1/s², 2/s²).
  3. a 1-16-1 tanh regression net: SGD, Adam and NG with (I + damping)⁻¹, I = JᵀJ/(B σ²),
     on the same minibatches.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.edits import Edit
from engines.fisher.base import NumpyEngine, as_list, number
from engines.fisher.configs import NaturalGradientConfig, SetMu
from engines.runtime import Snapshot

LINE_TRUTH = (2.0, -1.0)          # true (a, b) of the line fit
LINE_START = (-1.0, 2.0)          # where every line-fit path starts
GAUSS_TRUTH = (1.5, 0.5)          # true (m, s) of the Gaussian fit
GAUSS_START = (-1.0, 2.0)
CONTOUR = 61                      # loss-landscape grid per axis
PATHS = ("gd", "gd_tilde", "ng", "ng_tilde")


def clip(step: np.ndarray, most: float = 1.0) -> np.ndarray:
    """A plain-gradient step no longer than ``most``: with θ̃ = θ/μ and a large μ the step
    in θ is μ² times larger and would run away (the instability is the point, the overflow
    is not). Small steps, as in the tests, are never clipped."""
    norm = float(np.linalg.norm(step))
    return step * (most / norm) if norm > most else step


class NaturalGradientEngine(NumpyEngine):
    Config = NaturalGradientConfig

    def __init__(self, cfg: NaturalGradientConfig, device: str | None = None):
        super().__init__(cfg, device)
        rng = self.rng
        n = cfg.n_data
        # 1. line data: x with a non-zero mean so that a and b are correlated
        self.lx = 1.0 + rng.standard_normal(n)
        self.ly = LINE_TRUTH[0] * self.lx + LINE_TRUTH[1] + cfg.noise * rng.standard_normal(n)
        self.jac = np.stack([self.lx, np.ones(n)], axis=1)          # ∂F/∂(a, b)
        # the line loss uses unit noise (L = ⟨r²⟩/2) so that its Fisher matrix JᵀJ/n and the
        # curvature are O(1) whatever the data's σ
        self.line_fisher = self.jac.T @ self.jac / n
        # 2. Gaussian data
        self.gx = GAUSS_TRUTH[0] + GAUSS_TRUTH[1] * rng.standard_normal(n)
        # 3. network data and weights (shared start for the three optimizers)
        self.nx = rng.uniform(-3, 3, n)
        self.ny = np.sin(self.nx) + cfg.noise * rng.standard_normal(n)
        h = cfg.hidden
        w0 = np.concatenate([rng.standard_normal(h), np.zeros(h),
                             rng.standard_normal(h) / math.sqrt(h), np.zeros(1)])
        self.net = {k: w0.copy() for k in ("sgd", "adam", "ng")}
        self.adam = {"m": np.zeros_like(w0), "v": np.zeros_like(w0), "t": 0}
        self.mu = float(cfg.mu)
        self.reset_paths()
        self.gauss = {"gd": [np.array(GAUSS_START)], "ng": [np.array(GAUSS_START)]}

    # ---- 1. line fit in two coordinate systems --------------------------------------------
    def reset_paths(self) -> None:
        start = np.array(LINE_START)
        # paths stored in θ = (a, b); the θ̃ ones are mapped back with a = μ ã
        self.paths = {k: [start.copy()] for k in PATHS}
        self.tilde = {k: np.array([start[0] / self.mu, start[1]]) for k in ("gd_tilde",
                                                                           "ng_tilde")}

    def line_grad(self, theta: np.ndarray) -> np.ndarray:
        """∂L/∂θ of L = (1/n) Σ (y − a x − b)² / 2."""
        r = self.jac @ theta - self.ly
        return self.jac.T @ r / self.lx.size

    def line_loss(self, a, b):
        r = a[..., None] * self.lx + b[..., None] - self.ly
        return np.mean(r * r, axis=-1) / 2

    def line_step(self) -> None:
        eta = self.cfg.lr
        jt = np.diag([self.mu, 1.0])                   # J = ∂θ/∂θ̃
        fisher_tilde = jt.T @ self.line_fisher @ jt    # Ĩ = Jᵀ I J
        theta = self.paths["gd"][-1]
        self.paths["gd"].append(theta - clip(eta * self.line_grad(theta)))
        theta = self.paths["ng"][-1]
        self.paths["ng"].append(theta - eta * np.linalg.solve(self.line_fisher,
                                                              self.line_grad(theta)))
        for key in ("gd_tilde", "ng_tilde"):
            t = self.tilde[key]
            grad_tilde = jt.T @ self.line_grad(jt @ t)  # ∂L/∂θ̃ = Jᵀ ∂L/∂θ
            step = grad_tilde if key == "gd_tilde" else np.linalg.solve(fisher_tilde, grad_tilde)
            self.tilde[key] = t - (clip(eta * step) if key == "gd_tilde" else eta * step)
            self.paths[key].append(jt @ self.tilde[key])

    def path_mismatch(self) -> float:
        """max over the path of |θ_NG − J θ̃_NG|, relative to the path's extent."""
        a, b = np.asarray(self.paths["ng"]), np.asarray(self.paths["ng_tilde"])
        return float(np.max(np.abs(a - b)))

    # ---- 2. Gaussian fit on the (m, s) plane ------------------------------------------------
    def gauss_grad(self, m: float, s: float) -> np.ndarray:
        """∂/∂(m, s) of the mean negative log-likelihood ln s + ⟨(x−m)²⟩/(2s²)."""
        d = self.gx - m
        return np.array([-np.mean(d) / s**2, 1.0 / s - np.mean(d * d) / s**3])

    def gauss_loss(self, m, s):
        d = self.gx - m[..., None]
        return np.log(s) + np.mean(d * d, axis=-1) / (2 * s * s) + 0.5 * math.log(2 * math.pi)

    def gauss_step(self) -> None:
        eta = self.cfg.lr
        for key in ("gd", "ng"):
            m, s = self.gauss[key][-1]
            g = self.gauss_grad(m, s)
            if key == "ng":
                g = g * np.array([s * s, s * s / 2.0])   # I⁻¹ = diag(s², s²/2)
            new = np.array([m, s]) - clip(eta * g)
            new[1] = max(new[1], 0.05)                  # a width stays positive
            self.gauss[key].append(new)

    # ---- 3. small network --------------------------------------------------------------------
    def unpack(self, w: np.ndarray):
        h = self.cfg.hidden
        return w[:h], w[h:2 * h], w[2 * h:3 * h], w[3 * h]

    def forward(self, w: np.ndarray, x: np.ndarray):
        w1, b1, w2, b2 = self.unpack(w)
        hid = np.tanh(np.outer(x, w1) + b1)
        return hid @ w2 + b2, hid

    def jacobian(self, w: np.ndarray, x: np.ndarray):
        """F(x) and J = ∂F/∂w, shape (len(x), n_params), written out by hand."""
        _, _, w2, _ = self.unpack(w)
        out, hid = self.forward(w, x)
        dact = (1.0 - hid * hid) * w2
        jac = np.concatenate([dact * x[:, None], dact, hid, np.ones((x.size, 1))], axis=1)
        return out, jac

    def net_loss(self, w: np.ndarray) -> float:
        out, _ = self.forward(w, self.nx)
        return float(np.mean((out - self.ny) ** 2) / (2 * self.cfg.noise**2))

    def net_step(self) -> None:
        cfg = self.cfg
        idx = self.rng.choice(self.nx.size, size=min(cfg.batch, self.nx.size), replace=False)
        x, y = self.nx[idx], self.ny[idx]
        s2 = cfg.noise**2
        grads = {}
        for key, w in self.net.items():
            out, jac = self.jacobian(w, x)
            grads[key] = (jac, jac.T @ (out - y) / (x.size * s2))
        self.net["sgd"] = self.net["sgd"] - clip(cfg.net_lr * grads["sgd"][1])
        jac, g = grads["ng"]
        fisher = jac.T @ jac / (x.size * s2) + cfg.damping * np.eye(jac.shape[1])
        step = np.linalg.solve(fisher, g)
        # the metric step length √(δθᵀ I δθ) is capped at 1 so that one step cannot jump
        length = math.sqrt(max(float(step @ fisher @ step), 0.0)) * cfg.net_lr
        self.net["ng"] = self.net["ng"] - cfg.net_lr * step / max(1.0, length)
        a = self.adam
        g = grads["adam"][1]
        a["t"] += 1
        a["m"] = 0.9 * a["m"] + 0.1 * g
        a["v"] = 0.999 * a["v"] + 0.001 * g * g
        mhat, vhat = a["m"] / (1 - 0.9 ** a["t"]), a["v"] / (1 - 0.999 ** a["t"])
        self.net["adam"] = self.net["adam"] - cfg.adam_lr * mhat / (np.sqrt(vhat) + 1e-8)

    # ---- engine contract ---------------------------------------------------------------------
    def train_step(self) -> None:
        self.line_step()
        self.gauss_step()
        self.net_step()

    def apply_edit(self, change: Edit) -> None:
        """SetMu(mu): the line-fit paths restart with the new μ."""
        if not isinstance(change, SetMu):
            raise ValueError(f"unknown edit {type(change).__name__}: this demo takes SetMu")
        self.mu = number(change.mu, "mu", 0.1, 10.0)
        self.reset_paths()

    def history_metrics(self) -> dict[str, float]:
        out = {f"loss_{k}": float(self.line_loss(*self.paths[k][-1][:, None])[0]) for k in PATHS}
        for key in ("gd", "ng"):
            m, s = self.gauss[key][-1]
            out[f"gauss_loss_{key}"] = float(self.gauss_loss(np.array([m]), np.array([s]))[0])
        for key, w in self.net.items():
            out[f"net_loss_{key}"] = self.net_loss(w)
        return out

    def snapshot(self, final: bool = False) -> Snapshot:
        metrics = {**self.history_metrics(), "path_mismatch": self.path_mismatch(),
                   "mu": self.mu, "line_steps": float(len(self.paths["gd"]) - 1)}
        first = [np.asarray(self.paths[k][min(1, len(self.paths[k]) - 1)]) - LINE_START
                 for k in ("gd", "gd_tilde")]
        if abs(first[0][0]) > 0:
            metrics["gd_first_step_ratio"] = float(first[1][0] / first[0][0])   # = μ²
        arrays = {f"path_{k}": np.asarray(v).T.copy() for k, v in self.paths.items()}
        arrays.update({f"gauss_path_{k}": np.asarray(v).T.copy() for k, v in self.gauss.items()})
        xs = np.linspace(-3.5, 3.5, 200)
        arrays.update({k: v.copy() for k, v in self.landscapes().items()})
        arrays.update(net_x=self.nx.copy(), net_y=self.ny.copy(), net_grid=xs,
                      **{f"net_fit_{k}": self.forward(w, xs)[0] for k, w in self.net.items()})
        return self.make_snapshot(metrics, arrays, final)

    def landscapes(self) -> dict[str, np.ndarray]:
        """Loss surfaces of the line fit (a, b) and the Gaussian fit (m, s): fixed data, so
        computed once."""
        if not hasattr(self, "_landscapes"):
            ga, gb = np.linspace(-2.0, 5.0, CONTOUR), np.linspace(-3.0, 4.0, CONTOUR)
            aa, bb = np.meshgrid(ga, gb, indexing="ij")
            gm, gs = np.linspace(-2.0, 3.0, CONTOUR), np.linspace(0.2, 3.0, CONTOUR)
            mm, ss = np.meshgrid(gm, gs, indexing="ij")
            self._landscapes = dict(line_grid_a=ga, line_grid_b=gb, line_loss=self.line_loss(aa, bb),
                                    gauss_grid_m=gm, gauss_grid_s=gs,
                                    gauss_loss=self.gauss_loss(mm, ss))
        return self._landscapes

    def state_dict(self) -> dict[str, Any]:
        return {**self.common_state(), "mu": self.mu,
                "paths": {k: as_list(v) for k, v in self.paths.items()},
                "tilde": {k: as_list(v) for k, v in self.tilde.items()},
                "gauss": {k: as_list(v) for k, v in self.gauss.items()},
                "net": {k: as_list(v) for k, v in self.net.items()},
                "adam": {"m": as_list(self.adam["m"]), "v": as_list(self.adam["v"]),
                         "t": int(self.adam["t"])}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        net = {k: np.asarray(v, dtype=float) for k, v in state["net"].items()}
        if net["sgd"].shape != self.net["sgd"].shape:
            raise ValueError("the saved network has another number of hidden units")
        self.load_common_state(state)
        self.mu = float(state["mu"])
        self.paths = {k: [np.asarray(p, dtype=float) for p in v] for k, v in state["paths"].items()}
        self.tilde = {k: np.asarray(v, dtype=float) for k, v in state["tilde"].items()}
        self.gauss = {k: [np.asarray(p, dtype=float) for p in v] for k, v in state["gauss"].items()}
        self.net = net
        self.adam = {"m": np.asarray(state["adam"]["m"], dtype=float),
                     "v": np.asarray(state["adam"]["v"], dtype=float),
                     "t": int(state["adam"]["t"])}
