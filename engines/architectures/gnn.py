"""Demo ``gnn``: a message-passing network (engines.architectures.message_passing) trained
on one of two tasks.

- karate: Zachary's karate club split into two clubs. A few members per club are labelled
  (the two leaders always); the net (graph-convolution messages, x_v⁰ = which member v
  is), trained on them only, classifies everybody else (accuracy on the unlabelled ones).
- springs: the elastic energy of random spring molecules of 4-12 atoms (graphs of
  varying size, batched as one combined graph), E = Σ_v r(x_v) with a sum readout (or
  max). test_loss is the mean squared error on held-out molecules over Var(E): 1 means
  "no better than the mean".

"Shuffle node labels" (edit ShuffleNodes) renumbers the nodes of the shown graph at
random; the net's outputs move with the nodes and do not change (``shuffle_change``, the
largest change of any output under a relabelling, is ~1e-7: float round-off).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.architectures import graphs
from engines.architectures.message_passing import MessagePassingNet, permute_graph
from engines.architectures.seeded import build
from engines.architectures.structure_specs import GnnConfig, ShuffleNodes
from engines.edits import unknown_edit
from engines.generative.common import Throttle
from engines.runtime import Engine, Snapshot
from engines.edits import Edit

N_TEST_MOLECULES = 300
#: Molecules of the test set checked for invariance under relabelling, one combined graph.
N_SHUFFLE_MOLECULES = 64
EVAL_EVERY = 10


def stream(seed: int, k: int) -> int:
    """Independent seeds for the engine's generators."""
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


class GnnEngine(Engine):
    Config = GnnConfig
    blowup_metric = "train_loss"
    divergence_advice = "Try a smaller learning rate or fewer rounds."

    def __init__(self, cfg: GnnConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.gen = torch.Generator().manual_seed(stream(cfg.seed, 1))
        self.rng = np.random.default_rng(stream(cfg.seed, 2))
        data_rng = np.random.default_rng(stream(cfg.seed, 3))
        self.karate = cfg.task == "karate"
        if self.karate:
            self._setup_karate(data_rng)
            node_dim, n_out, readout, kind = graphs.KARATE_N, 2, None, "linear"
        else:
            self._setup_springs(data_rng)
            node_dim, n_out, readout, kind = graphs.KINDS, 1, cfg.readout, "mlp"
        self.model = build(lambda: MessagePassingNet(node_dim, 1, cfg.width, cfg.hidden,
                                                     cfg.rounds, n_out, readout, kind),
                           self.gen).to(self.device)
        # karate: weight decay keeps the member embeddings of 34 one-hot inputs small
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr,
                                     weight_decay=5e-4 if self.karate else 0.0)
        self.train_loss = math.nan
        self.shuffles = 0
        self.throttle = Throttle(0.5)
        self._set_perm()

    def _t(self, a, dtype=torch.float32) -> torch.Tensor:
        return torch.as_tensor(np.asarray(a), dtype=dtype, device=self.device)

    # ---- data --------------------------------------------------------------------------
    def _setup_karate(self, rng: np.random.Generator) -> None:
        k = graphs.karate_club()
        self.graph = k
        labelled = [0, 33]
        for c in (0, 1):
            others = [v for v in np.flatnonzero(k.club == c) if v not in (0, 33)]
            labelled += list(rng.choice(others, self.cfg.labelled - 1, replace=False))
        self.labelled = np.array(sorted(int(v) for v in labelled))
        self.unlabelled = np.setdiff1d(np.arange(k.n), self.labelled)
        feats = np.eye(k.n)                      # x_v⁰: which member v is (one-hot)
        edges = graphs.gcn_weights(k.links, k.n)
        self.features = self._t(feats)
        self.links = self._t(k.links, torch.long)
        self.edges = self._t(edges)
        self.club = self._t(k.club, torch.long)
        self.shown = (feats, k.links, edges, k.xy)

    def _setup_springs(self, rng: np.random.Generator) -> None:
        cfg = self.cfg
        self.train_mols = graphs.molecules(cfg.n_train, cfg.min_atoms, cfg.max_atoms, rng)
        self.test_mols = graphs.molecules(N_TEST_MOLECULES, cfg.min_atoms, cfg.max_atoms, rng)
        self.scale = float(np.std([m.energy for m in self.train_mols])) or 1.0
        self.test = self._combined(self.test_mols)
        self.shuffle_batch = self._combined(self.test_mols[:N_SHUFFLE_MOLECULES])
        self.test_energy = np.array([m.energy for m in self.test_mols])
        # the molecule shown: the largest of the first twenty test molecules
        self.shown_index = int(np.argmax([m.n for m in self.test_mols[:20]]))
        m = self.test_mols[self.shown_index]
        self.shown = (np.eye(graphs.KINDS)[m.kinds], m.links, m.lengths[:, None], m.xy)

    def _combined(self, mols) -> tuple:
        f, links, e, graph_of, energy = graphs.combine(mols)
        return (self._t(f), self._t(links, torch.long), self._t(e),
                self._t(graph_of, torch.long), len(mols), self._t(energy / self.scale))

    def _set_perm(self) -> None:
        """The relabelling of the current shuffle count (seeded by it)."""
        rng = np.random.default_rng(stream(self.cfg.seed, 100 + self.shuffles))
        self.perm = rng.permutation(len(self.shown[0]))
        if not self.karate:
            n = sum(m.n for m in self.test_mols[:N_SHUFFLE_MOLECULES])
            self.batch_perm = rng.permutation(n)
        self.throttle.clear()

    def apply_edit(self, change: Edit) -> None:
        """ShuffleNodes: renumber the nodes of the shown graph at random."""
        if not isinstance(change, ShuffleNodes):
            raise unknown_edit(self, change, "ShuffleNodes")
        self.shuffles += 1
        self._set_perm()

    # ---- training ----------------------------------------------------------------------
    def train_step(self) -> None:
        self.model.train()
        if self.karate:
            out = self.model(self.features, self.links, self.edges)
            idx = torch.as_tensor(self.labelled, device=self.device)
            loss = nn.functional.cross_entropy(out[idx], self.club[idx])
        else:
            pick = self.rng.integers(0, len(self.train_mols), self.cfg.batch_size)
            f, links, e, graph_of, n, energy = self._combined([self.train_mols[i] for i in pick])
            pred = self.model(f, links, e, graph_of, n).squeeze(1)
            loss = ((pred - energy) ** 2).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.train_loss = float(loss.detach())

    # ---- evaluation --------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        if self.karate:
            out = self.model(self.features, self.links, self.edges)
            idx = torch.as_tensor(self.unlabelled, device=self.device)
            test_loss = nn.functional.cross_entropy(out[idx], self.club[idx])
            acc = (out[idx].argmax(1) == self.club[idx]).double().mean()
            return {"test_loss": float(test_loss), "accuracy": float(acc),
                    "shuffle_change": self.shuffle_change()}
        f, links, e, graph_of, n, energy = self.test
        pred = self.model(f, links, e, graph_of, n).squeeze(1)
        mse = float(((pred - energy) ** 2).mean())
        var = float(energy.var(unbiased=False))
        return {"test_loss": mse / var, "test_rmse": math.sqrt(mse) * self.scale,
                "shuffle_change": self.shuffle_change()}

    @torch.no_grad()
    def shuffle_change(self) -> float:
        """max |output(relabelled graph) − relabelled output(graph)|: node outputs
        (karate: class probabilities) or readouts (springs: energies of 64 molecules)."""
        perm = torch.as_tensor(self.perm, device=self.device)
        if self.karate:
            p = torch.softmax(self.model(self.features, self.links, self.edges), 1)
            f2, l2, e2 = permute_graph(self.features, self.links, self.edges, perm)
            p2 = torch.softmax(self.model(f2, l2, e2), 1)
            return float((p2 - p[perm]).abs().max())
        f, links, e, graph_of, n, _ = self.shuffle_batch
        bperm = torch.as_tensor(self.batch_perm, device=self.device)
        before = self.model(f, links, e, graph_of, n)
        f2, l2, e2 = permute_graph(f, links, e, bperm)
        after = self.model(f2, l2, e2, graph_of[bperm], n)
        return float((after - before).abs().max()) * self.scale

    @torch.no_grad()
    def pictures(self) -> dict[str, Any]:
        """The shown graph as the net sees it after the current relabelling: positions,
        links, outputs, node vectors per round."""
        feats, links, e, xy = self.shown
        order = self.perm if self.shuffles else np.arange(len(feats))
        f2, l2, e2 = permute_graph(self._t(feats), self._t(links, torch.long), self._t(e),
                                   torch.as_tensor(order, device=self.device))
        every = self.model.node_vectors(f2, l2, e2)
        out = self.model.r(every[-1])
        vectors = np.stack([x.double().cpu().numpy() for x in every])
        arrays = {"node_xy": xy[order].copy(), "links": l2.cpu().numpy().astype(float),
                  "node_number": np.arange(len(order), dtype=float),
                  "node_original": order.astype(float),
                  "round_vectors": vectors, "round_pc1": leading_component(vectors),
                  "adjacency": graphs.adjacency(len(order), l2.cpu().numpy())}
        if self.karate:
            prob = torch.softmax(out, 1)[:, 1].double().cpu().numpy()
            labelled = np.isin(order, self.labelled).astype(float)
            arrays.update(node_value=prob, node_truth=self.graph.club[order].astype(float),
                          node_labelled=labelled,
                          task_x=np.arange(len(order), dtype=float), task_y=prob.copy(),
                          task_group=self.graph.club[order].astype(float))
        else:
            m = self.test_mols[self.shown_index]
            f, tl, te, graph_of, n, _ = self.test
            pred = self.model(f, tl, te, graph_of, n).squeeze(1).double().cpu().numpy()
            arrays.update(node_value=out[:, 0].double().cpu().numpy() * self.scale,
                          node_truth=m.atom_energy[order].copy(),
                          node_labelled=np.zeros(len(order)),
                          task_x=self.test_energy.copy(), task_y=pred * self.scale,
                          task_group=np.array([float(mm.n > 8) for mm in self.test_mols]))
        return {"metrics": self.evaluate(), "arrays": arrays}

    def history_metrics(self) -> dict[str, float]:
        out = {"train_loss": self.train_loss}
        if self.step % EVAL_EVERY == 0:
            out.update(self.evaluate())
        return out

    def snapshot(self, final: bool = False) -> Snapshot:
        pic = self.throttle.get(self.step, final, self.pictures)
        metrics = {"train_loss": self.train_loss, "shuffles": float(self.shuffles),
                   **pic["metrics"]}
        metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(pic["arrays"]),
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "model": self.model.state_dict(),
                "opt": self.opt.state_dict(), "gen": self.gen.get_state(),
                "rng": self.rng.bit_generator.state, "shuffles": self.shuffles,
                "train_loss": self.train_loss}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.gen.set_state(state["gen"])
        self.rng.bit_generator.state = state["rng"]
        self.shuffles = int(state["shuffles"])
        self.train_loss = float(state["train_loss"])
        self._set_perm()


def leading_component(vectors: np.ndarray) -> np.ndarray:
    """Each round's node vectors (rounds, nodes, width) on their leading principal axis,
    scaled to |·| ≤ 1, the sign fixed so the largest entry is positive (no flicker)."""
    out = np.zeros(vectors.shape[:2])
    for t, x in enumerate(vectors):
        c = x - x.mean(axis=0)
        if not np.any(c):
            continue
        _, _, vt = np.linalg.svd(c, full_matrices=False)
        p = c @ vt[0]
        p *= np.sign(p[np.argmax(np.abs(p))]) or 1.0
        out[t] = p / (np.abs(p).max() or 1.0)
    return out
