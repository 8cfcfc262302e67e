"""Demo "landscape": optimizers racing on the loss landscape of the Lorentzian ansatz.

F_θ(x) = θ0 / (1 + ((x − θ1)/θ2)²) with θ2 fixed, fitted to samples y = F*(x) + σξ of the
same ansatz at θ* = (θ0*, θ1*). Every step draws ONE minibatch that all optimizers use
(common random numbers), so differences between the paths come from the optimizers alone.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engines.config import ConfigError
from engines.nn_basics.configs import THETA0_RANGE, THETA1_RANGE, X_RANGE, LandscapeConfig
from engines.nn_basics.mlp import training_generator
from engines.nn_basics.optim import make_optimizer
from engines.nn_basics.targets import lorentzian
from engines.runtime import Engine, MetricHistory, Snapshot

OPTIMIZER_NAMES = ("sgd", "momentum", "rmsprop", "adam")
#: Optimizers that use the adaptive learning rate.
ADAPTIVE = ("rmsprop", "adam")
#: x grid on which the expected loss <·>_x over U(X_RANGE) is averaged.
X_GRID_POINTS = 801
#: Landscape picture resolution (θ0 columns, θ1 rows).
GRID_SIZE = 120
#: Paths longer than this are thinned (every other point dropped, stride doubled).
PATH_CAPACITY = 1000  # enough for the shape; longer paths cost ~3x more to paint
#: The loss curves are recorded every HISTORY_EVERY steps (times the thinning factor).
HISTORY_EVERY = 5


def expected_loss(theta0, theta1, theta0_true: float, theta1_true: float, width: float,
                  noise: float, x: torch.Tensor) -> torch.Tensor:
    """L(θ) = <(F_θ(x) − F*(x))²>_x + σ²: the loss averaged over all samples and noise.

    theta0, theta1: tensors of any (equal, broadcastable) shape; x: the 1D averaging grid.
    Its minimum is exactly σ², at θ = θ*.
    """
    theta0, theta1 = torch.as_tensor(theta0, dtype=x.dtype), torch.as_tensor(theta1, dtype=x.dtype)
    f_true = lorentzian(x, theta0_true, theta1_true, width)
    f = lorentzian(x, theta0[..., None], theta1[..., None], width)
    return ((f - f_true) ** 2).mean(dim=-1) + noise**2


class LandscapeEngine(Engine):
    Config = LandscapeConfig
    divergence_advice = ("Try a smaller learning rate η for SGD/momentum "
                         "(or a smaller adaptive η for RMSProp/Adam).")

    def __init__(self, cfg: LandscapeConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.names = [n for n in OPTIMIZER_NAMES if getattr(cfg, n)]
        if not self.names:
            raise ConfigError("sgd", "enable at least one optimizer")
        dev = self.device
        self.history = MetricHistory(stride=HISTORY_EVERY)
        self.gen = training_generator(cfg.seed, dev)
        self.x_avg = torch.linspace(*X_RANGE, X_GRID_POINTS, dtype=torch.float64)
        self.thetas = {n: torch.nn.Parameter(torch.tensor(
            [cfg.start_theta0, cfg.start_theta1], dtype=torch.float32, device=dev))
            for n in self.names}
        # SGD and momentum step with η, RMSProp and Adam with their own (adaptive) η;
        # momentum's β is the lecture's running-average weight (optim.make_optimizer).
        self.optimizers = {n: make_optimizer(n, [self.thetas[n]],
                                             cfg.adaptive_lr if n in ADAPTIVE else cfg.lr,
                                             momentum=cfg.beta)
                           for n in self.names}
        # Paths of all optimizers in one buffer: (optimizer, point, (θ0, θ1)).
        self.path = np.zeros((len(self.names), PATH_CAPACITY, 2))
        self.path_len = 0
        self.path_stride = 1
        self._record_path()
        self._arrays = self._constant_arrays()

    def _constant_arrays(self) -> dict[str, np.ndarray]:
        """The landscape log10 L on a (θ1 rows × θ0 columns) grid: computed once."""
        cfg = self.cfg
        t0 = torch.linspace(*THETA0_RANGE, GRID_SIZE, dtype=torch.float64)
        t1 = torch.linspace(*THETA1_RANGE, GRID_SIZE, dtype=torch.float64)
        loss = self._landscape(t0, t1)
        # The floor keeps log10 finite when σ = 0 and a grid point hits θ* exactly.
        arrays = {"landscape": np.log10(np.maximum(loss.numpy(), 1e-12)).astype(np.float32),
                  "theta0_axis": t0.numpy().copy(),
                  "theta1_axis": t1.numpy().copy(),
                  "theta_true": np.array([cfg.theta0_true, cfg.theta1_true])}
        for a in arrays.values():
            a.flags.writeable = False
        return arrays

    def _landscape(self, t0: torch.Tensor, t1: torch.Tensor) -> torch.Tensor:
        """L on the grid t1 (rows) × t0 (columns), via the θ0-expansion of the square.

        With F_θ(x) = θ0 g(x − θ1):  L = θ0² <g²> − 2 θ0 <g F*> + <F*²> + σ², and the
        averages depend on θ1 only, so the grid costs O(n1 · n_x) instead of O(n0 · n1 · n_x).
        The landscape is a parabola along every θ0 line.
        """
        cfg = self.cfg
        x = self.x_avg
        g = lorentzian(x, 1.0, t1[:, None], cfg.width)                 # (n1, n_x)
        f_true = lorentzian(x, cfg.theta0_true, cfg.theta1_true, cfg.width)
        gg, gf, ff = (g * g).mean(1), (g * f_true).mean(1), (f_true * f_true).mean()
        t0 = t0[None, :]
        return t0 * t0 * gg[:, None] - 2.0 * t0 * gf[:, None] + ff + cfg.noise**2

    def expected_loss(self, theta0, theta1) -> torch.Tensor:
        """L(θ0, θ1) for this config (float64, on the CPU)."""
        cfg = self.cfg
        return expected_loss(theta0, theta1, cfg.theta0_true, cfg.theta1_true, cfg.width,
                             cfg.noise, self.x_avg)

    # ---- training -----------------------------------------------------------------
    def train_step(self) -> None:
        cfg = self.cfg
        # One minibatch for everybody: x ~ U[-3, 3], y = F*(x) + σ ξ
        lo, hi = X_RANGE
        x = lo + (hi - lo) * torch.rand(cfg.batch_size, generator=self.gen, device=self.device)
        noise = torch.randn(cfg.batch_size, generator=self.gen, device=self.device)
        y = lorentzian(x, cfg.theta0_true, cfg.theta1_true, cfg.width) + cfg.noise * noise
        for opt in self.optimizers.values():
            opt.zero_grad(set_to_none=True)
        # L̄(θ, {x}) = (1/N) Σ_j (F_θ(x_j) − y_j)²  (sampling noise ∝ 1/N), for all
        # optimizers at once: the sum of their losses has each one's gradient in its θ.
        theta = torch.stack([self.thetas[n] for n in self.names])          # (k, 2)
        pred = lorentzian(x, theta[:, 0:1], theta[:, 1:2], cfg.width)      # (k, N)
        ((pred - y) ** 2).mean(dim=1).sum().backward()
        for opt in self.optimizers.values():
            opt.step()
        if (self.step + 1) % self.path_stride == 0:  # run() advances self.step next
            self._record_path()

    def _current(self) -> torch.Tensor:
        """(k, 2) float64 CPU tensor of the current θ of each enabled optimizer."""
        return torch.stack([self.thetas[n].detach() for n in self.names]).cpu().double()

    def _record_path(self) -> None:
        self.path[:, self.path_len] = self._current().numpy()
        self.path_len += 1
        if self.path_len == PATH_CAPACITY:
            # Deterministic thinning: keep the points at multiples of the doubled stride
            # (the start, step 0, is always kept).
            kept = self.path[:, ::2].copy()
            self.path_len = kept.shape[1]
            self.path[:, :self.path_len] = kept
            self.path_stride *= 2

    def history_metrics(self, current: torch.Tensor | None = None) -> dict[str, float]:
        current = self._current() if current is None else current
        losses = self.expected_loss(current[:, 0], current[:, 1]).tolist()
        return {f"loss_{n}": v for n, v in zip(self.names, losses)}

    # ---- output -------------------------------------------------------------------
    def snapshot(self, final: bool = False) -> Snapshot:
        cfg = self.cfg
        current = self._current()
        metrics = self.history_metrics(current)
        true = torch.tensor([cfg.theta0_true, cfg.theta1_true], dtype=torch.float64)
        dists = torch.linalg.vector_norm(current - true, dim=1).tolist()
        metrics.update({f"dist_{n}": d for n, d in zip(self.names, dists)})
        arrays = dict(self._arrays)
        for i, name in enumerate(self.names):
            arrays[f"path_{name}"] = self.path[i, :self.path_len].copy()
        # Every step sees fresh samples: there is no training set, so no epochs (always 0).
        return Snapshot(step=self.step, epoch=0, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    # ---- persistence ----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(),
                "thetas": {n: t.detach().cpu().clone() for n, t in self.thetas.items()},
                "optimizers": {n: o.state_dict() for n, o in self.optimizers.items()},
                "path": torch.from_numpy(self.path[:, :self.path_len].copy()),
                "path_stride": self.path_stride, "gen": self.gen.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if sorted(state["thetas"]) != sorted(self.names):
            raise ValueError(f"saved optimizers {sorted(state['thetas'])} differ from the "
                             f"enabled ones {sorted(self.names)}")
        self.load_base_state(state)
        with torch.no_grad():
            for name in self.names:
                self.thetas[name].copy_(state["thetas"][name])
                self.optimizers[name].load_state_dict(state["optimizers"][name])
        path = state["path"].numpy()
        self.path_len = path.shape[1]
        self.path[:, :self.path_len] = path
        self.path_stride = int(state["path_stride"])
        self.gen.set_state(state["gen"])
