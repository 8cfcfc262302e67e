"""Demo ``ratio``: a classifier learns the likelihood ratio p(x)/q(x) from samples only.

The network s(x) minimises the empirical functional
    L[f] = (1/N_p) Σ_{x∈P} A(f(x)) + (1/N_q) Σ_{x∈Q} B(f(x)),   f = link(s),
a Monte-Carlo estimate of ∫ p A(f) + q B(f). Its Euler-Lagrange solution is a known function
of r = p/q (see functionals.py), so the learned ratio can be compared with the true one,
and the functional at the network with its value at the optimum f*.

Adam's rate follows cfg.lr_schedule, a pure function of the step (nothing extra to save):
by default a half cosine from cfg.lr down to 0 at cfg.steps. At a flat rate the network
keeps jittering by the minibatch noise; for the mlc loss that noise is large, since its
q-term ⟨f⟩_q weights each q sample by f ≈ p/q (variance χ²(p‖q) per sample, infinite for
Gaussians with σ_p > √2 σ_q), and only a decaying rate lets it settle.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from engines.edits import Edit
from engines.generative.common import Throttle
from engines.likelihood_ratio.configs import Paint, RatioConfig
from engines.likelihood_ratio.densities import clean_painted, make_pair
from engines.likelihood_ratio.functionals import functional, optimal_loss_exact
from engines.likelihood_ratio.nets import mlp
from engines.runtime import Engine, Snapshot

#: Held-out samples per class for the metrics (a fixed set: snapshots are pure reads).
N_EVAL = 20000
#: Display grid points per axis (1-d, 2-d) and training samples shown.
GRID = {1: 256, 2: 64}
SHOWN = 500
#: Points of the learned-vs-true log-ratio scatter.
SCATTER = 1000


def stream(seed: int, k: int) -> int:
    """Independent seeds for the data, evaluation and network streams of one config."""
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


class RatioEngine(Engine):
    Config = RatioConfig
    divergence_advice = ("Try a smaller learning rate (the exponential and mlc losses grow "
                         "like e^|f| and can overflow).")

    def __init__(self, cfg, device: str | None = None):
        super().__init__(cfg, device)
        self.fn = functional(cfg.loss)
        self.gen = torch.Generator().manual_seed(stream(cfg.seed, 1))
        self.rng = np.random.default_rng(stream(cfg.seed, 2))
        self.net = mlp(cfg.dim, cfg.hidden, cfg.depth, 1, self.gen).to(self.device)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=cfg.lr)
        self.painted: dict[str, np.ndarray] = {}
        self.loss = math.nan
        self.throttle = Throttle()
        self._set_pair()
        # inputs standardised with the first pair's training data (kept fixed afterwards,
        # so a painted edit does not move the network's coordinates)
        both = np.concatenate([self.train_p, self.train_q])
        self.x_mean = both.mean(axis=0)
        self.x_std = both.std(axis=0) + 1e-6

    # ---- data ----------------------------------------------------------------------------
    def _set_pair(self) -> None:
        """(Re)build p, q and their fixed training and held-out samples."""
        cfg = self.cfg
        self.pair = make_pair(cfg.pair, cfg.dim, cfg.separation, cfg.width_ratio,
                              cfg.paint_sigma, self.painted)
        # a fresh data stream per edit count, so a restored run redraws the same samples
        data_rng = np.random.default_rng(stream(cfg.seed, 10 + len(self._edits())))
        self.train_p = self.pair.p.sample(cfg.n_train, data_rng)
        self.train_q = self.pair.q.sample(cfg.n_train, data_rng)
        eval_rng = np.random.default_rng(stream(cfg.seed, 1000 + len(self._edits())))
        self.eval_p = self.pair.p.sample(N_EVAL, eval_rng)
        self.eval_q = self.pair.q.sample(N_EVAL, eval_rng)
        self.logr_eval_p = self.pair.log_ratio(self.eval_p)
        self.logr_eval_q = self.pair.log_ratio(self.eval_q)
        self.bulk_level = self.pair.bulk_level()
        self.bulk_p = self.pair.in_bulk(self.eval_p, self.bulk_level)
        self.bulk_q = self.pair.in_bulk(self.eval_q, self.bulk_level)
        self.kl_exact = self.pair.kl_pq()
        self.loss_optimal = optimal_loss_exact(self.fn, self.pair)
        self._tp = self._tensor(self.train_p)
        self._tq = self._tensor(self.train_q)
        self.throttle.clear()

    def _edits(self) -> list:
        return getattr(self, "edit_log", [])

    def _tensor(self, x: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(x, dtype=torch.float32, device=self.device)

    def apply_edit(self, change: Edit) -> None:
        """Paint(which="p" | "q", points): the painted blobs become density p or q
        (replacing it); x values or (x, y) pairs in 1-d, (x, y) in 2-d."""
        if not isinstance(change, Paint):
            raise ValueError(f"unknown edit {type(change).__name__}: only Paint is known")
        if self.cfg.pair != "painted":
            raise ValueError("Painting needs the density pair 'painted': choose it in the "
                             "settings and start a new run.")
        which = change.which
        if which not in ("p", "q"):
            raise ValueError("say which density the paint is for: 'p' or 'q'")
        points = clean_painted(change.points, self.cfg.dim)
        self.edit_log = [*self._edits(), which]
        self.painted = {**self.painted, which: points}
        self._set_pair()

    # ---- training ------------------------------------------------------------------------
    def s_of(self, x: np.ndarray | torch.Tensor) -> np.ndarray:
        """The network output s(x) (numpy, float64) for points (n, d)."""
        t = x if isinstance(x, torch.Tensor) else self._tensor(x)
        with torch.no_grad():
            return self._forward(t).double().cpu().numpy()

    def _forward(self, t: torch.Tensor) -> torch.Tensor:
        mean = torch.as_tensor(self.x_mean, dtype=torch.float32, device=t.device)
        std = torch.as_tensor(self.x_std, dtype=torch.float32, device=t.device)
        return self.net((t - mean) / std).squeeze(-1)

    def lr_now(self) -> float:
        """The learning rate of the step about to be taken (self.step = 0, 1, …)."""
        cfg = self.cfg
        if cfg.lr_schedule == "constant":
            return cfg.lr
        done = min(self.step / max(cfg.steps, 1), 1.0)
        return cfg.lr * 0.5 * (1.0 + math.cos(math.pi * done))

    def train_step(self) -> None:
        cfg = self.cfg
        lr = self.lr_now()
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        ip = self.rng.integers(0, len(self.train_p), cfg.batch_size)
        iq = self.rng.integers(0, len(self.train_q), cfg.batch_size)
        s_p = self._forward(self._tp[torch.as_tensor(ip, device=self.device)])
        s_q = self._forward(self._tq[torch.as_tensor(iq, device=self.device)])
        loss = self.fn.loss(s_p, s_q, torch)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.loss = float(loss.detach())

    # ---- evaluation ----------------------------------------------------------------------
    def evaluate(self) -> dict[str, Any]:
        """Held-out functional, its value at f*, and the learned ratio on the bulk."""
        fn = self.fn
        s_p, s_q = self.s_of(self.eval_p), self.s_of(self.eval_q)
        with np.errstate(over="ignore"):
            eval_loss = float(fn.loss(s_p, s_q))
            opt_emp = float(fn.loss(fn.optimal_s(self.logr_eval_p),
                                    fn.optimal_s(self.logr_eval_q)))
        lr_p, lr_q = fn.log_ratio(s_p), fn.log_ratio(s_q)
        # the bulk: held-out points of both classes inside the region of ½(p+q) holding 90 %
        bp, bq = self.bulk_p, self.bulk_q
        err = np.concatenate([(lr_p - self.logr_eval_p)[bp], (lr_q - self.logr_eval_q)[bq]])
        return {
            "s_p": s_p, "s_q": s_q, "log_ratio_p": lr_p, "log_ratio_q": lr_q,
            "bulk_p": bp, "bulk_q": bq,
            "metrics": {
                "eval_loss": eval_loss,
                "loss_optimal": self.loss_optimal,
                "loss_optimal_mc": opt_emp,
                "loss_gap": eval_loss - opt_emp,
                "ratio_log_rmse": float(np.sqrt(np.mean(err ** 2))) if err.size else math.nan,
                "kl_exact": self.kl_exact,
                # Monte-Carlo KL with the learned ratio: ⟨log r̂⟩_p (for mlc also −L)
                "kl_learned": float(np.mean(lr_p)),
                "kl_mc": float(np.mean(self.logr_eval_p)),
            },
        }

    def _evaluated(self, final: bool) -> dict[str, Any]:
        return self.throttle.get(self.step, final, lambda: self._pictures(self.evaluate()))

    def _pictures(self, ev: dict[str, Any]) -> dict[str, Any]:
        fn, pair, dim = self.fn, self.pair, self.cfg.dim
        n = GRID[dim]
        pts, axis = pair.display_grid(n)
        shape = (n,) if dim == 1 else (n, n)
        logp, logq = pair.p.log_density(pts), pair.q.log_density(pts)
        with np.errstate(invalid="ignore"):
            logr = logp - logq
        s = self.s_of(pts)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            f_opt = fn.f_of_s(fn.optimal_s(logr))
            f = fn.f_of_s(s)
            residual = fn.el_residual(f, np.exp(logp), np.exp(logq))
        sl = slice(0, SCATTER // 2)
        take = lambda a: a[:SHOWN, 0].copy() if dim == 1 else a[:SHOWN].copy()  # noqa: E731
        arrays = {
            "axis": axis.copy(),
            "rect": np.array([pair.lo, pair.hi, pair.lo, pair.hi]),
            "p_density": np.exp(logp).reshape(shape),
            "q_density": np.exp(logq).reshape(shape),
            "log_ratio_true": logr.reshape(shape),
            "log_ratio_learned": fn.log_ratio(s).reshape(shape),
            "f_learned": f.reshape(shape),
            "f_optimal": f_opt.reshape(shape),
            "el_residual": residual.reshape(shape),
            "bulk": pair.in_bulk(pts, self.bulk_level).astype(float).reshape(shape),
            "samples_p": take(self.train_p),
            "samples_q": take(self.train_q),
            "scatter_true": np.concatenate([self.logr_eval_p[sl], self.logr_eval_q[sl]]),
            "scatter_learned": np.concatenate([ev["log_ratio_p"][sl], ev["log_ratio_q"][sl]]),
            "scatter_bulk": np.concatenate([ev["bulk_p"][sl], ev["bulk_q"][sl]]).astype(float),
        }
        return {"metrics": ev["metrics"], "arrays": arrays, "ev": ev}

    def history_metrics(self) -> dict[str, float]:
        out = {"loss": self.loss}
        if self.step % 16 == 0:   # held-out numbers every 16 steps (NaN between)
            m = self.evaluate()["metrics"]
            out.update({k: m[k] for k in ("eval_loss", "loss_optimal", "loss_gap",
                                          "ratio_log_rmse")})
        return out

    def snapshot(self, final: bool = False) -> Snapshot:
        pictures = self._evaluated(final)
        metrics = {"loss": self.loss, **pictures["metrics"]}
        metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
        arrays = dict(pictures["arrays"])
        for which, pts in self.painted.items():
            arrays[f"painted_{which}"] = pts[:, 0].copy() if self.cfg.dim == 1 else pts.copy()
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    # ---- state ---------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "model": self.net.state_dict(),
                "optimizer": self.optimizer.state_dict(), "gen": self.gen.get_state(),
                "rng": self.rng.bit_generator.state, "loss": self.loss,
                "edit_log": list(self._edits()),
                "painted": {k: torch.from_numpy(v.copy()) for k, v in self.painted.items()},
                "x_mean": torch.from_numpy(self.x_mean.copy()),
                "x_std": torch.from_numpy(self.x_std.copy())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.net.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.gen.set_state(state["gen"])
        self.rng.bit_generator.state = state["rng"]
        self.loss = float(state["loss"])
        self.x_mean = state["x_mean"].numpy().copy()
        self.x_std = state["x_std"].numpy().copy()
        self.edit_log = list(state["edit_log"])
        self.painted = {k: v.numpy().copy() for k, v in state["painted"].items()}
        self._set_pair()
