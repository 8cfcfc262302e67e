"""Pool-based active learning for classification (lecture 10.1).

Expensive labels, cheap predictions: a learner owns a pool of unlabelled inputs, a model
P_θ(ℓ|x) trained with cross-entropy on the labels it has, and a strategy that picks the
next input to ask the oracle about. One step, for every learner at once:
    score the pool with the current model → query argmax_x score(x) → reveal its label →
    train (warm start) on the enlarged labelled set → test accuracy.
Strategies (engines.active.acquisition): random, maximum entropy, least confident, margin,
committee (N models from different initial weights, vote entropy or Σ_j KL(P̄‖P_j)).

Several strategies × several seeds run side by side (seed s: its own initial random labels,
shared by all strategies so that the comparison is paired, and its own initial weights);
their accuracies vs number of labels are the learning curves, mean ± standard deviation
over seeds. The cold start of the notes shows at the left end of the curves: with a
handful of labels the network's probabilities are arbitrary, and the uncertainty learners
do no better (often worse) than random until the model means something.

The learner drawn in the map is ``cfg.strategy`` with seed 0. A click on a pool point
(``apply_edit(Label(index=i))``) makes that point its next query; the oracle
reveals the true label, or the user is the oracle (``Label(index=i, label=ℓ)``).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engines.active import acquisition
from engines.active.batched import BatchedNet
from engines.active.configs import STRATEGIES, Label, PoolConfig
from engines.active.datasets import make_pool
from engines.edits import Edit
from engines.runtime import Engine, Snapshot


def strategies_run(cfg: PoolConfig) -> tuple[str, ...]:
    if cfg.curves == "all":
        return STRATEGIES
    if cfg.curves == "vs_random" and cfg.strategy != "random":
        return ("random", cfg.strategy)
    return (cfg.strategy,)


def first_reaching(acc: np.ndarray, labels: np.ndarray, target: float) -> float:
    """Labels at which a curve first reaches ``target``; labels[-1] + 1 if it never does
    (a lower bound: the run was too short)."""
    hit = np.flatnonzero(acc >= target)
    return float(labels[hit[0]]) if hit.size else float(labels[-1] + 1)


class PoolEngine(Engine):
    Config = PoolConfig
    divergence_advice = "Try a smaller learning rate."

    def __init__(self, cfg: PoolConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.data = make_pool(cfg)
        self.strategies = strategies_run(cfg)
        # learners: (strategy, seed index); models: committee members of each learner
        self.learners = [(s, k) for s in self.strategies for k in range(cfg.n_seeds)]
        self.members = [cfg.committee_size if s == "committee" else 1
                        for s, _ in self.learners]
        self.model_of = np.repeat(np.arange(len(self.learners)), self.members)
        keys = [(cfg.seed, k, j) for (s, k), n in zip(self.learners, self.members)
                for j in range(n)]
        hidden = cfg.hidden if cfg.model == "mlp" else 0
        self.net = BatchedNet(keys, self.data.x_pool.shape[1], hidden, self.data.classes,
                              cfg.lr, cfg.weight_decay)
        self.shown = self.learners.index((cfg.strategy, 0)) if cfg.strategy in \
            self.strategies else 0
        self.xp = torch.tensor(self.data.x_pool)
        self.xt = torch.tensor(self.data.x_test)
        n_pool, n_learn = len(self.data.y_pool), len(self.learners)
        # labels[l, i]: the label learner l was told for pool point i (−1: unlabelled)
        self.labels = -np.ones((n_learn, n_pool), dtype=int)
        self.order: list[list[int]] = [[] for _ in range(n_learn)]
        self.rngs = [np.random.default_rng([cfg.seed, k, 11]) for _, k in self.learners]
        for l, (_, k) in enumerate(self.learners):
            start = np.random.default_rng([cfg.seed, k, 3]).choice(
                n_pool, cfg.n_initial, replace=False)
            for i in start:
                self.reveal(l, int(i))
        self.pending: dict[str, Any] | None = None   # the user's next query for `shown`
        self.hand_labels = 0
        self.acc_rows: list[np.ndarray] = []
        self.train()
        self.evaluate()

    # ---- learning ---------------------------------------------------------------------
    def reveal(self, learner: int, index: int, label: int | None = None) -> None:
        self.labels[learner, index] = int(self.data.y_pool[index] if label is None else label)
        self.order[learner].append(index)

    def train(self) -> None:
        labels = torch.tensor(self.labels[self.model_of])         # (M, P)
        mask = (labels >= 0).to(torch.float64)
        counts = mask.sum(dim=1).clamp(min=1.0)
        target = labels.clamp(min=0)

        def loss_fn(net: BatchedNet) -> torch.Tensor:
            logits = net.forward(self.xp)                           # (M, P, C)
            ce = torch.nn.functional.cross_entropy(
                logits.transpose(1, 2), target, reduction="none")   # (M, P)
            return ((ce * mask).sum(dim=1) / counts).sum()

        self.last_loss = self.net.fit(loss_fn, self.cfg.train_iters) / self.net.n_models

    def member_probs(self, x: torch.Tensor) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(self.net.forward(x), dim=-1).numpy()   # (M, P, C)

    def learner_members(self, probs: np.ndarray, learner: int) -> np.ndarray:
        return probs[self.model_of == learner]

    def evaluate(self) -> None:
        probs = self.member_probs(self.xt)
        row = np.empty(len(self.learners))
        for l in range(len(self.learners)):
            pred = self.learner_members(probs, l).mean(axis=0).argmax(axis=-1)
            row[l] = float((pred == self.data.y_test).mean())
        self.acc_rows.append(row)

    def pool_scores(self, probs: np.ndarray, learner: int) -> np.ndarray:
        strategy = self.learners[learner][0]
        scores = acquisition.score(strategy, self.learner_members(probs, learner),
                                   self.cfg.committee_measure)
        return np.where(self.labels[learner] >= 0, -np.inf, scores)

    def choose(self, probs: np.ndarray, learner: int) -> int:
        if learner == self.shown and self.pending is not None:
            return int(self.pending["index"])
        scores = self.pool_scores(probs, learner)
        if self.learners[learner][0] == "random":
            free = np.flatnonzero(self.labels[learner] < 0)
            return int(self.rngs[learner].choice(free))
        return int(np.argmax(scores))

    def train_step(self) -> None:
        probs = self.member_probs(self.xp)
        for l in range(len(self.learners)):
            index = self.choose(probs, l)
            label = None
            if l == self.shown and self.pending is not None:
                label = self.pending.get("label")
                self.pending = None
                self.hand_labels += 1
            self.reveal(l, index, label)
        self.train()
        self.evaluate()

    # ---- edits ------------------------------------------------------------------------
    def apply_edit(self, change: Edit) -> None:
        if not isinstance(change, Label):
            raise ValueError(f"This demo takes labels only (not {type(change).__name__}): "
                             "click a pool point.")
        if change.index is not None:
            try:
                index = int(change.index)
            except (TypeError, ValueError):
                raise ValueError("The pool index must be a whole number.") from None
        elif change.point is not None:
            point = np.asarray(change.point, dtype=float).reshape(-1)
            if point.size != 2 or not np.all(np.isfinite(point)):
                raise ValueError("A click needs two finite map coordinates.")
            free = np.flatnonzero(self.labels[self.shown] < 0)
            if free.size == 0:
                raise ValueError("Every pool point is labelled already.")
            dist = ((self.data.display[free] - point) ** 2).sum(axis=1)
            index = int(free[np.argmin(dist)])
        else:
            raise ValueError("A label edit needs a pool point (index or point).")
        if not 0 <= index < len(self.data.y_pool):
            raise ValueError(f"There is no pool point {index}.")
        if self.labels[self.shown, index] >= 0:
            raise ValueError("This point is labelled already.")
        edit: dict[str, Any] = {"index": index}
        if change.label is not None:
            try:
                label = int(change.label)
            except (TypeError, ValueError):
                raise ValueError("The label must be a class number.") from None
            if not 0 <= label < self.data.classes:
                raise ValueError(f"Classes are 0 … {self.data.classes - 1}.")
            edit["label"] = label
        self.pending = edit

    # ---- curves and metrics -----------------------------------------------------------
    def curve_labels(self) -> np.ndarray:
        return self.cfg.n_initial + np.arange(len(self.acc_rows), dtype=float)

    def accuracy_matrix(self) -> np.ndarray:
        """(learners, queries + 1) test accuracy after each label."""
        return np.stack(self.acc_rows, axis=1)

    def labels_to_target(self, strategy: str) -> float:
        acc, labels = self.accuracy_matrix(), self.curve_labels()
        rows = [l for l, (s, _) in enumerate(self.learners) if s == strategy]
        return float(np.mean([first_reaching(acc[l], labels, self.cfg.target_accuracy)
                              for l in rows]))

    def history_metrics(self) -> dict[str, float]:
        row = self.acc_rows[-1]
        out = {"labels": float(self.cfg.n_initial + self.step),
               "accuracy": float(row[self.shown])}
        for s in self.strategies:
            out[f"accuracy_{s}"] = float(np.mean([row[l] for l, (t, _) in
                                                  enumerate(self.learners) if t == s]))
        return out

    def map_arrays(self, probs_pool: np.ndarray) -> dict[str, np.ndarray]:
        cfg, data = self.cfg, self.data
        if data.to_features is None:
            empty = np.zeros((0, 0))
            return {"map_class": empty, "map_confidence": empty, "map_score": empty,
                    "map_extent": np.zeros(4)}
        lo, hi = data.display.min(axis=0), data.display.max(axis=0)
        pad = 0.1 * (hi - lo)
        lo, hi = lo - pad, hi + pad
        r = cfg.map_resolution
        gx, gy = np.linspace(lo[0], hi[0], r), np.linspace(lo[1], hi[1], r)
        grid = np.stack(np.meshgrid(gx, gy, indexing="xy"), -1).reshape(-1, 2)
        members = self.learner_members(self.member_probs(torch.tensor(data.to_features(grid))),
                                       self.shown)
        p = members.mean(axis=0)
        strategy = self.learners[self.shown][0]
        score = acquisition.score(strategy, members, cfg.committee_measure)
        return {"map_class": p.argmax(axis=-1).reshape(r, r).astype(float),
                "map_confidence": p.max(axis=-1).reshape(r, r),
                "map_score": score.reshape(r, r),
                "map_extent": np.array([lo[0], hi[0], lo[1], hi[1]])}

    def snapshot(self, final: bool = False) -> Snapshot:
        probs = self.member_probs(self.xp)
        shown = self.shown
        scores = self.pool_scores(probs, shown)
        if self.pending is not None:
            nxt = int(self.pending["index"])
        elif self.learners[shown][0] == "random":
            nxt = -1      # a random pick is only made when it is asked for
        else:
            nxt = int(np.argmax(scores))
        acc, labels = self.accuracy_matrix(), self.curve_labels()
        metrics = {**self.history_metrics(), "hand_labels": float(self.hand_labels),
                   "loss": float(self.last_loss), "next_query": float(nxt)}
        arrays = {"pool_xy": self.data.display.copy(),
                  "pool_true": self.data.y_pool.astype(float),
                  "pool_label": self.labels[shown].astype(float),
                  "pool_score": np.where(np.isfinite(scores), scores, np.nan),
                  "pool_pred": self.learner_members(probs, shown).mean(0).argmax(-1)
                  .astype(float),
                  "query_order": np.asarray(self.order[shown], dtype=float),
                  "curve_labels": labels}
        for s in self.strategies:
            rows = acc[[l for l, (t, _) in enumerate(self.learners) if t == s]]
            arrays[f"curve_{s}_mean"] = rows.mean(axis=0)
            arrays[f"curve_{s}_std"] = rows.std(axis=0)
            metrics[f"labels_to_target_{s}"] = self.labels_to_target(s)
        arrays.update(self.map_arrays(probs))
        return Snapshot(step=self.step, epoch=int(labels[-1]), metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    # ---- state ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "net": self.net.state_dict(),
                "labels": torch.tensor(self.labels), "order": [list(o) for o in self.order],
                "rngs": [r.bit_generator.state for r in self.rngs],
                "pending": dict(self.pending) if self.pending else None,
                "hand_labels": self.hand_labels, "last_loss": self.last_loss,
                "acc": torch.tensor(self.accuracy_matrix())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        labels = state["labels"].numpy()
        if labels.shape != self.labels.shape:
            raise ValueError("the saved run has a different pool or set of learners")
        self.load_base_state(state)
        self.net.load_state_dict(state["net"])
        self.labels = labels.astype(int).copy()
        self.order = [[int(i) for i in o] for o in state["order"]]
        for r, s in zip(self.rngs, state["rngs"]):
            r.bit_generator.state = s
        self.pending = dict(state["pending"]) if state["pending"] else None
        self.hand_labels = int(state["hand_labels"])
        self.last_loss = float(state["last_loss"])
        acc = state["acc"].numpy()
        self.acc_rows = [acc[:, t].copy() for t in range(acc.shape[1])]
