"""Committee regression (lecture 10.1): ask where the members disagree most.

N small networks F_j, trained on the same labels from different initial weights. Where
data are dense they agree; between and beyond the data their extrapolations differ. The
committee's disagreement
    s²(x) = (1/(N−1)) Σ_j (F_j(x) − F̄(x))²,   F̄ = (1/N) Σ_j F_j,
is drawn as the band F̄ ± s, and the next query is argmax_x s²(x) over the candidates.
Side by side, with the same number of labels: a committee fed with random queries, and a
Gaussian process (squared-exponential kernel) that queries where its posterior variance
C_xx is largest (the GP's own uncertainty, engines.bayes.gp_math). The curves are the
test RMSE of F̄ (and of the GP mean) against the truth, against the number of labels.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engines.active.acquisition import regression_disagreement
from engines.active.batched import BatchedNet
from engines.active.configs import X_RANGE, CommitteeConfig
from engines.bayes.gp_math import rank_one_update, se_kernel
from engines.runtime import Engine, Snapshot

LEARNERS = ("committee", "random", "gp")


def target_function(name: str, x: np.ndarray) -> np.ndarray:
    if name == "sine":
        return np.sin(3.0 * x)
    if name == "bumps":
        return (np.exp(-((x + 0.5) / 0.12) ** 2) - 0.7 * np.exp(-((x - 0.35) / 0.2) ** 2)
                + 0.3 * x)
    if name == "step":
        return np.tanh((x - 0.2) / 0.05)
    raise ValueError(f"unknown function {name!r}")


class CommitteeEngine(Engine):
    Config = CommitteeConfig

    def __init__(self, cfg: CommitteeConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.x = np.linspace(*X_RANGE, cfg.n_candidates)
        self.truth = target_function(cfg.target, self.x)
        self.rng = np.random.default_rng([cfg.seed, 1])
        n = cfg.committee_size
        # models 0 … N−1: the active committee, N … 2N−1: the random-query committee
        self.net = BatchedNet([(cfg.seed, j) for j in range(n)] * 2, 1, cfg.hidden, 1, cfg.lr)
        self.xt = torch.tensor(self.x[:, None])
        start = [int(i) for i in self.rng.choice(cfg.n_candidates, cfg.n_initial,
                                                 replace=False)]
        self.picked = {name: list(start) for name in LEARNERS}
        self.ys = {name: [] for name in LEARNERS}
        for name in LEARNERS:
            self.ys[name] = [self.label(i) for i in start]
        self.gp_cov = cfg.gp_amplitude**2 * se_kernel(self.x, 1.0, cfg.gp_length)
        self.gp_mean = np.zeros_like(self.x)
        for i, y in zip(self.picked["gp"], self.ys["gp"]):
            rank_one_update(self.gp_mean, self.gp_cov, i, y, cfg.noise)
        self.curves: dict[str, list[float]] = {name: [] for name in LEARNERS}
        self.train()

    def label(self, index: int) -> float:
        return float(self.truth[index] + self.cfg.noise * self.rng.standard_normal())

    def train(self) -> None:
        n = self.cfg.committee_size
        xs = [self.x[self.picked["committee"]], self.x[self.picked["random"]]]
        ys = [self.ys["committee"], self.ys["random"]]
        xb = torch.tensor(np.stack([xs[0]] * n + [xs[1]] * n)[:, :, None])
        yb = torch.tensor(np.stack([ys[0]] * n + [ys[1]] * n))

        def loss_fn(net: BatchedNet) -> torch.Tensor:
            return ((net.forward(xb)[..., 0] - yb) ** 2).mean(dim=1).sum()

        self.net.fit(loss_fn, self.cfg.train_iters)
        preds = self.predictions()
        self.curves["committee"].append(self.rmse(preds[:n].mean(0)))
        self.curves["random"].append(self.rmse(preds[n:].mean(0)))
        self.curves["gp"].append(self.rmse(self.gp_mean))

    def rmse(self, f: np.ndarray) -> float:
        return float(np.sqrt(np.mean((f - self.truth) ** 2)))

    def predictions(self) -> np.ndarray:
        with torch.no_grad():
            return self.net.forward(self.xt)[..., 0].numpy()       # (2N, G)

    def disagreement(self, preds: np.ndarray) -> np.ndarray:
        return regression_disagreement(preds[:self.cfg.committee_size])

    def next_queries(self, preds: np.ndarray) -> dict[str, int]:
        return {"committee": int(np.argmax(self.disagreement(preds))),
                "gp": int(np.argmax(np.diag(self.gp_cov)))}

    def train_step(self) -> None:
        queries = self.next_queries(self.predictions())
        queries["random"] = int(self.rng.integers(self.cfg.n_candidates))
        for name in LEARNERS:
            i = queries[name]
            y = self.label(i)
            self.picked[name].append(i)
            self.ys[name].append(y)
            if name == "gp":
                rank_one_update(self.gp_mean, self.gp_cov, i, y, self.cfg.noise)
        self.train()

    def history_metrics(self) -> dict[str, float]:
        return {"labels": float(len(self.picked["committee"])),
                **{f"rmse_{name}": self.curves[name][-1] for name in LEARNERS}}

    def snapshot(self, final: bool = False) -> Snapshot:
        n = self.cfg.committee_size
        preds = self.predictions()
        dis = self.disagreement(preds)
        nxt = self.next_queries(preds)
        metrics = {**self.history_metrics(), "max_disagreement": float(dis.max()),
                   "next_query_x": float(self.x[nxt["committee"]])}
        arrays = {"x": self.x.copy(), "truth": self.truth.copy(), "members": preds[:n].copy(),
                  "mean": preds[:n].mean(0), "disagreement": dis,
                  "random_mean": preds[n:].mean(0),
                  "gp_mean": self.gp_mean.copy(),
                  "gp_var": np.clip(np.diag(self.gp_cov), 0.0, None).copy(),
                  "next_query": np.array([self.x[nxt["committee"]], self.x[nxt["gp"]]]),
                  "curve_labels": self.cfg.n_initial + np.arange(len(self.curves["gp"]),
                                                                 dtype=float)}
        for name in LEARNERS:
            arrays[f"data_x_{name}"] = self.x[self.picked[name]]
            arrays[f"data_y_{name}"] = np.asarray(self.ys[name])
            arrays[f"rmse_{name}"] = np.asarray(self.curves[name])
        return Snapshot(step=self.step, epoch=len(self.picked["gp"]), metrics=metrics,
                        arrays=arrays, history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "rng": self.rng.bit_generator.state,
                "net": self.net.state_dict(),
                "picked": {k: list(v) for k, v in self.picked.items()},
                "ys": {k: list(v) for k, v in self.ys.items()},
                "curves": {k: list(v) for k, v in self.curves.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]
        self.net.load_state_dict(state["net"])
        self.picked = {k: [int(i) for i in state["picked"][k]] for k in LEARNERS}
        self.ys = {k: [float(y) for y in state["ys"][k]] for k in LEARNERS}
        self.curves = {k: [float(v) for v in state["curves"][k]] for k in LEARNERS}
        self.gp_cov = self.cfg.gp_amplitude**2 * se_kernel(self.x, 1.0, self.cfg.gp_length)
        self.gp_mean = np.zeros_like(self.x)
        for i, y in zip(self.picked["gp"], self.ys["gp"]):
            rank_one_update(self.gp_mean, self.gp_cov, i, y, self.cfg.noise)
