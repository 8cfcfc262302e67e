"""The two normalizing-flow demos of lecture 7.2.

"Learn from samples" (:class:`FlowSamplesEngine`):
    ① sample a batch x ~ p(x)  ② compute z(x) and ln|det ∂z/∂x|
    ③ maximise ⟨ln q_θ(x)⟩_{x~p} by δθ = η ∂/∂θ [ln p_z(z_θ(x)) + ln|det ∂z_θ(x)/∂x|]
    (Adam in practice). The negative log-likelihood NLL = −⟨ln q_θ⟩_p = H[p] + D_KL(p‖q_θ)
    approaches the entropy H[p] of the target from above; on held-out samples
    KL ≈ ⟨ln p(x) − ln q_θ(x)⟩ is a sample-based estimate of D_KL(p‖q_θ).

"Learn to sample from a known p(x)" (:class:`FlowEnergyEngine`), p = e^{−E/T}/Z:
    D_KL(q_θ‖p) = ⟨ln q_θ(x)⟩_{x~q} + ⟨E(x)/T⟩_{x~q} + ln Z = −H[q_θ] + ⟨E⟩/T + ln Z
    so minimising ⟨ln q_θ + E/T⟩_{x = F(z)} (only E is needed, no samples of p) minimises
    the variational free energy F_q/T = (⟨E⟩ − T·H[q])/T ≥ F/T = −ln Z. ln Z is computed
    exactly on a grid; the effective sample size of the weights w = e^{−E/T}/q shows how
    well the samples could be reweighted to p.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from engines.edits import Edit
from engines.generative import capabilities
from engines.generative.common import Throttle, eval_due
from engines.generative.configs import (FlowEnergyConfig, FlowSamplesConfig, PaintedTarget,
                                        SetTemperature)
from engines.generative.flows import Flow
from engines.generative.targets import (BOX, EMPTY_PAINT_MESSAGE, ENERGY_BOX, clean_painted,
                                        energy, grid, log_partition, make_target)
from engines.runtime import Engine, Snapshot

#: Display grid (points per axis) of the density heatmaps.
GRID = 64
#: Fixed base points z whose images x = F(z) are shown as model samples.
DISPLAY_SAMPLES = 1000
#: Held-out target samples for the NLL and the KL estimate.
EVAL_SAMPLES = 2048
#: Data points shown on the plots.
DATA_SHOWN = 800
#: Base points of the free-energy estimate (energy demo).
EVAL_Z = 2048


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence(list(parts)).generate_state(1, np.uint64)[0] % 2**63)


class _FlowEngine(Engine):
    """Shared: the flow, its optimiser, the fixed display noise, density grids."""

    CAPABILITIES = capabilities.FLOW
    divergence_advice = "Try a smaller learning rate or a smaller scale bound s_max."
    box = BOX
    cond_dim = 0

    def __init__(self, cfg, device: str | None = None):
        super().__init__(cfg, device)
        init = torch.Generator().manual_seed(_seed(cfg.seed, 0))
        self.flow = Flow(2, cfg.layers, cfg.hidden, cfg.depth, cfg.mixing,
                         cond_dim=self.cond_dim, s_max=cfg.s_max, gen=init).to(self.device)
        self.optimizer = torch.optim.Adam(self.flow.parameters(), lr=cfg.lr)
        self.gen = torch.Generator().manual_seed(_seed(cfg.seed, 1))   # training noise
        fixed = torch.Generator().manual_seed(_seed(cfg.seed, 2))
        self.z_display = torch.randn(DISPLAY_SAMPLES, 2, generator=fixed).to(self.device)
        self.z_eval = torch.randn(EVAL_Z, 2, generator=fixed).to(self.device)
        pts, self.axis, _ = grid(self.box, GRID)
        self.grid_points = torch.as_tensor(pts, dtype=torch.float32, device=self.device)
        self.logdet_init = self._logdet_map()
        self.throttle = Throttle()

    # ---- pictures ---------------------------------------------------------------------
    @property
    def rect(self) -> np.ndarray:
        return np.array([-self.box, -self.box, 2 * self.box, 2 * self.box])

    def _cond(self, n: int):
        return None

    @torch.no_grad()
    def _logdet_map(self) -> np.ndarray:
        """ln|det ∂z/∂x| on the display grid (the lecture's picture of a random flow)."""
        _, logdet = self.flow.inverse(self.grid_points, self._cond(len(self.grid_points)))
        return logdet.reshape(GRID, GRID).double().cpu().numpy()

    @torch.no_grad()
    def model_density(self) -> np.ndarray:
        logq = self.flow.log_prob(self.grid_points, self._cond(len(self.grid_points)))
        return torch.exp(logq.clamp(max=30.0)).reshape(GRID, GRID).double().cpu().numpy()

    @torch.no_grad()
    def model_samples(self) -> np.ndarray:
        x, _ = self.flow.forward(self.z_display, self._cond(len(self.z_display)))
        return x.double().cpu().numpy()

    def log_density(self, x: np.ndarray) -> np.ndarray:
        """ln q_θ(x) (exact, normalised): what the comparison card calls 'exact density'."""
        with torch.no_grad():
            t = torch.as_tensor(np.asarray(x), dtype=torch.float32, device=self.device)
            return self.flow.log_prob(t, self._cond(len(t))).double().cpu().numpy()

    # ---- state ------------------------------------------------------------------------
    def _common_state(self) -> dict[str, Any]:
        return {**self.base_state(), "model": self.flow.state_dict(),
                "optimizer": self.optimizer.state_dict(), "gen": self.gen.get_state()}

    def _load_common(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.flow.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.gen.set_state(state["gen"])
        self.throttle.clear()


class FlowSamplesEngine(_FlowEngine):
    """Maximum likelihood from samples: loss = −⟨ln q_θ(x)⟩ over a batch x ~ p."""

    Config = FlowSamplesConfig

    def __init__(self, cfg: FlowSamplesConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(_seed(cfg.seed, 3))
        self.painted: np.ndarray | None = None
        self.target = None
        self.loss = math.nan
        if cfg.target != "painted":
            self._set_target(make_target(cfg.target))

    def _set_target(self, target) -> None:
        """A new target: its held-out samples, density grid and entropy."""
        self.target = target
        eval_rng = np.random.default_rng(_seed(self.cfg.seed, 4))
        self.eval_x = target.sample(EVAL_SAMPLES, eval_rng)
        self.eval_t = torch.as_tensor(self.eval_x, dtype=torch.float32, device=self.device)
        self.eval_logp = target.log_density(self.eval_x)
        self.p_grid = target.density_grid(GRID, self.box)
        if target.name == "painted":   # H = −⟨ln p⟩ on the held-out samples themselves
            self.entropy = float(-self.eval_logp.mean())
        else:
            self.entropy = target.entropy()
        self._eval_cache: tuple[int, dict] | None = None

    def apply_edit(self, change: Edit) -> None:
        """PaintedTarget(points (n, 2)): train on the painted points now."""
        if not isinstance(change, PaintedTarget):
            raise ValueError(f"unknown edit {type(change).__name__} for the flow")
        if self.cfg.target != "painted":
            raise ValueError("Painted points are used when the target is 'painted': choose "
                             "it in the settings and start a new run.")
        points = clean_painted(change.points)
        self.painted = points
        self._set_target(make_target("painted", points, self.cfg.paint_sigma))
        self.throttle.clear()

    def _require_target(self) -> None:
        if self.target is None:
            raise ValueError(EMPTY_PAINT_MESSAGE)

    def train_step(self) -> None:
        self._require_target()
        x = self.target.sample(self.cfg.batch_size, self.rng)
        x = torch.as_tensor(x, dtype=torch.float32, device=self.device)
        loss = -self.flow.log_prob(x).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.loss = float(loss.detach())
        self._eval_cache = None

    def evaluate(self) -> dict[str, float]:
        """NLL on held-out samples, H[p], and KL ≈ ⟨ln p − ln q⟩ (a pure read)."""
        if self.target is None:
            return {"nll": math.nan, "entropy": math.nan, "kl": math.nan}
        if self._eval_cache is not None and self._eval_cache[0] == self.step:
            return self._eval_cache[1]
        with torch.no_grad():
            logq = self.flow.log_prob(self.eval_t).double().cpu().numpy()
        nll = float(-logq.mean())
        out = {"nll": nll, "entropy": float(self.entropy),
               "kl": float(np.mean(self.eval_logp - logq))}
        self._eval_cache = (self.step, out)
        return out

    def history_metrics(self) -> dict[str, float]:
        """Held-out NLL, entropy and KL every EVAL_EVERY steps (NaN between), the batch's
        NLL every step."""
        if eval_due(self.step):
            held_out = self.evaluate()
        else:
            held_out = {"nll": math.nan, "entropy": math.nan, "kl": math.nan}
        return {**held_out, "nll_train": self.loss}

    def _pictures(self) -> tuple[dict, dict]:
        return self.evaluate(), {"q_density": self.model_density(),
                                 "samples": self.model_samples()}

    def snapshot(self, final: bool = False) -> Snapshot:
        held_out, pictures = self.throttle.get(self.step, final, self._pictures)
        metrics = {k: v for k, v in {**held_out, "nll_train": self.loss}.items()
                   if math.isfinite(v)}
        arrays = {"rect": self.rect, **pictures, "logdet_init": self.logdet_init.copy()}
        if self.target is not None:
            arrays["p_density"] = self.p_grid.copy()
            arrays["data"] = self.eval_x[:DATA_SHOWN].copy()
        if self.painted is not None:
            arrays["painted"] = self.painted.copy()
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        state = {**self._common_state(), "rng": self.rng.bit_generator.state,
                 "loss": self.loss}
        if self.painted is not None:
            state["painted"] = torch.from_numpy(self.painted.copy())
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._load_common(state)
        self.rng.bit_generator.state = state["rng"]
        self.loss = float(state["loss"])
        if "painted" in state:
            self.painted = state["painted"].numpy().copy()
            self._set_target(make_target("painted", self.painted, self.cfg.paint_sigma))


class FlowEnergyEngine(_FlowEngine):
    """Reverse KL from the energy: loss = ⟨ln q_θ(x) + E(x)/T⟩_{x = F(z), z ~ N(0, 1)}."""

    blowup_metric = "kl"

    Config = FlowEnergyConfig
    box = ENERGY_BOX

    def __init__(self, cfg: FlowEnergyConfig, device: str | None = None):
        self.cond_dim = 1 if cfg.conditional else 0
        self.temperature = float(cfg.temperature)
        super().__init__(cfg, device)
        self.loss = math.nan
        self._ln_z: dict[float, float] = {}
        self._p_grid: tuple[float, np.ndarray] | None = None
        self._eval_cache: tuple[tuple, dict] | None = None

    def _cond(self, n: int, temperature: float | None = None):
        if not self.cond_dim:
            return None
        t = self.temperature if temperature is None else temperature
        return torch.full((n, 1), math.log(t), device=self.device)

    def ln_z(self, temperature: float | None = None) -> float:
        t = self.temperature if temperature is None else float(temperature)
        if t not in self._ln_z:
            self._ln_z[t] = log_partition(self.cfg.energy, t)
        return self._ln_z[t]

    def apply_edit(self, change: Edit) -> None:
        """SetTemperature(T): p ∝ e^{−E/T} at the new T."""
        if not isinstance(change, SetTemperature):
            raise ValueError(f"unknown edit {type(change).__name__} for the flow")
        try:
            t = float(change.value)
        except (TypeError, ValueError):
            raise ValueError("the temperature must be a number") from None
        if not 0.25 <= t <= 3.0:
            raise ValueError(f"temperature {t:g} is out of range; allowed 0.25 … 3")
        self.temperature = t
        self._eval_cache = None
        self.throttle.clear()

    def train_step(self) -> None:
        n = self.cfg.batch_size
        z = torch.randn(n, 2, generator=self.gen).to(self.device)
        if self.cond_dim:
            lo, hi = math.log(self.cfg.t_min), math.log(self.cfg.t_max)
            log_t = lo + (hi - lo) * torch.rand(n, 1, generator=self.gen).to(self.device)
            cond, temps = log_t, torch.exp(log_t[:, 0])
        else:
            cond, temps = None, self.temperature
        x, logq = self.flow.sample(z, cond)
        loss = (logq + energy(self.cfg.energy, x) / temps).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.loss = float(loss.detach())
        self._eval_cache = None

    def evaluate(self) -> dict[str, float]:
        """Variational free energy F_q/T = ⟨ln q + E/T⟩ at the current T on fixed base
        points, the exact −ln Z, D_KL(q‖p) = F_q/T + ln Z and the effective sample size."""
        key = (self.step, self.temperature)
        if self._eval_cache is not None and self._eval_cache[0] == key:
            return self._eval_cache[1]
        with torch.no_grad():
            x, logq = self.flow.sample(self.z_eval, self._cond(len(self.z_eval)))
            e = energy(self.cfg.energy, x.double()) / self.temperature
            a = (-e - logq.double()).cpu().numpy()           # ln w = −E/T − ln q
        a = a[np.isfinite(a)]
        ln_z = self.ln_z()
        free = float(-a.mean()) if a.size else math.inf
        w = np.exp(a - a.max()) if a.size else np.ones(1)
        ess = float(w.sum() ** 2 / (len(w) * (w ** 2).sum()))
        out = {"free_energy": free, "neg_ln_z": -ln_z, "kl": free + ln_z, "ess": ess,
               "temperature": self.temperature}
        self._eval_cache = (key, out)
        return out

    def history_metrics(self) -> dict[str, float]:
        if eval_due(self.step):
            held_out = self.evaluate()
        else:
            held_out = {"free_energy": math.nan, "neg_ln_z": -self.ln_z(), "kl": math.nan,
                        "ess": math.nan, "temperature": self.temperature}
        return {**held_out, "loss": self.loss}

    def p_density(self) -> np.ndarray:
        if self._p_grid is None or self._p_grid[0] != self.temperature:
            pts, _, _ = grid(self.box, GRID)
            p = np.exp(-energy(self.cfg.energy, pts) / self.temperature - self.ln_z())
            self._p_grid = (self.temperature, p.reshape(GRID, GRID))
        return self._p_grid[1]

    def _pictures(self) -> tuple[dict, dict]:
        return self.evaluate(), {"q_density": self.model_density(),
                                 "samples": self.model_samples()}

    def snapshot(self, final: bool = False) -> Snapshot:
        held_out, pictures = self.throttle.get(self.step, final, self._pictures)
        metrics = {k: v for k, v in {**held_out, "loss": self.loss}.items()
                   if math.isfinite(v)}
        arrays = {"rect": self.rect, **pictures, "p_density": self.p_density().copy(),
                  "logdet_init": self.logdet_init.copy()}
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self._common_state(), "temperature": self.temperature, "loss": self.loss}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._load_common(state)
        self.temperature = float(state["temperature"])
        self.loss = float(state["loss"])
        self._eval_cache = None
