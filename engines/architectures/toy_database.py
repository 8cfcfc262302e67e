"""Demo ``attention``: the lecture's toy database, read by soft attention.

Every object j of a database has three properties, colour, shape and taste, each one of
V values; its key h_j = (colour | shape | taste) is three one-hot blocks (d_k = 3V), its
value v_j says which object it is (one-hot j). A request names one or more properties
of the object wanted ("the red one", "the red round one"), written the same way (one-hot
blocks, zeros for the properties not asked). A query network turns the request into a
query q, and attention reads the database (engines.architectures.attention):
    e_j = a(q, k_j),   w_j = softmax(β e_j),   v_out = Σ_j w_j v_j = (w_1, …, w_n).
The loss is −log w_{j*} of the object j* asked for, so the network learns the query format
(and with ``learn_keys`` the key format k_j = W_K h_j too). It is trained once and then
used on databases it never saw: the test databases are fresh.

Also here: the √d argument for the scaled dot product. For random q, k with unit-variance
components, q·k has mean 0 and standard deviation √d, so unscaled softmax weights turn
hard as d grows; q·k/√d stays O(1).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.architectures.attention import SCORE_FUNCTIONS, attention_weights
from engines.architectures.seeded import build, mlp
from engines.architectures.structure_specs import SCORES, AttentionConfig, SetAttention
from engines.edits import unknown_edit
from engines.generative.common import Throttle
from engines.runtime import Engine, Snapshot
from engines.edits import Edit

PROPERTIES = 3
N_TEST = 500
N_EXAMPLES = 4
EVAL_EVERY = 10
#: The dimensions of the √d picture and the keys drawn per softmax.
SQRT_DIMS = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
HIST_DIMS = (4, 64, 1024)
SQRT_SAMPLES = 600
SQRT_KEYS = 8


def stream(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def requests(count: int, n: int, V: int, asked: int, rng: np.random.Generator):
    """``count`` databases of n objects with a request each: properties (count, n, 3),
    asked values (count, 3) with −1 where not asked, target index (count,). Every request
    singles out exactly one object (the target)."""
    props = np.zeros((count, n, PROPERTIES), dtype=np.int64)
    ask = np.full((count, PROPERTIES), -1, dtype=np.int64)
    target = np.zeros(count, dtype=np.int64)
    for i in range(count):
        while True:
            p = rng.integers(0, V, (n, PROPERTIES))
            j = int(rng.integers(0, n))
            which = rng.permutation(PROPERTIES)[:asked]
            match = (p[:, which] == p[j, which]).all(axis=1)
            if match.sum() == 1:
                break
        props[i], target[i] = p, j
        ask[i, which] = p[j, which]
    return props, ask, target


def one_hot_blocks(values: np.ndarray, V: int) -> np.ndarray:
    """(…, 3) property values (−1 = none) → (…, 3V) one-hot blocks."""
    out = np.zeros(values.shape[:-1] + (PROPERTIES * V,))
    for b in range(PROPERTIES):
        v = values[..., b]
        idx = np.nonzero(v >= 0)
        out[idx + (b * V + v[idx],)] = 1.0
    return out


class QueryNet(nn.Module):
    """request → query q (an MLP), and keys k_j = h_j or, learned, W_K h_j."""

    def __init__(self, d: int, hidden: int, learn_keys: bool):
        super().__init__()
        self.query = mlp(d, hidden, d)
        self.W_K = nn.Linear(d, d, bias=False) if learn_keys else None

    def keys(self, h: torch.Tensor) -> torch.Tensor:
        return h if self.W_K is None else self.W_K(h)


def sqrt_d_statistics(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Standard deviation of q·k and of q·k/√d for random N(0, 1) vectors, the mean
    largest softmax weight over SQRT_KEYS keys for both, and q·k samples at HIST_DIMS."""
    std, std_scaled, max_dot, max_scaled, samples = [], [], [], [], []
    for d in SQRT_DIMS:
        q = rng.standard_normal((SQRT_SAMPLES, 1, d))
        k = rng.standard_normal((SQRT_SAMPLES, SQRT_KEYS, d))
        e = (q * k).sum(-1)                                   # (samples, keys)
        std.append(e.std())
        std_scaled.append((e / math.sqrt(d)).std())
        for scores, out in ((e, max_dot), (e / math.sqrt(d), max_scaled)):
            z = np.exp(scores - scores.max(axis=1, keepdims=True))
            out.append((z / z.sum(axis=1, keepdims=True)).max(axis=1).mean())
        if d in HIST_DIMS:
            samples.append(e[:, 0])
    return {"sqrt_dims": np.array(SQRT_DIMS, dtype=float), "qk_std": np.array(std),
            "qk_std_scaled": np.array(std_scaled), "max_weight_dot": np.array(max_dot),
            "max_weight_scaled": np.array(max_scaled), "qk_samples": np.stack(samples),
            "qk_sample_dims": np.array(HIST_DIMS, dtype=float)}


class AttentionEngine(Engine):
    Config = AttentionConfig
    blowup_metric = "loss"

    def __init__(self, cfg: AttentionConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.gen = torch.Generator().manual_seed(stream(cfg.seed, 1))
        self.rng = np.random.default_rng(stream(cfg.seed, 2))
        self.d = PROPERTIES * cfg.values
        self.net = build(lambda: QueryNet(self.d, cfg.hidden, cfg.learn_keys),
                         self.gen).to(self.device)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=cfg.lr)
        test_rng = np.random.default_rng(stream(cfg.seed, 3))
        self.test = self._tensors(*requests(N_TEST, cfg.objects, cfg.values, cfg.asked,
                                            test_rng))
        ex = requests(N_EXAMPLES, cfg.objects, cfg.values, cfg.asked, test_rng)
        self.examples_np = ex
        self.examples = self._tensors(*ex)
        self.sqrt_d = sqrt_d_statistics(np.random.default_rng(stream(cfg.seed, 4)))
        self.beta, self.score = cfg.beta, cfg.score
        self.loss = math.nan
        self.throttle = Throttle(0.25)

    def _tensors(self, props, ask, target):
        f = lambda a: torch.as_tensor(a, dtype=torch.float32, device=self.device)  # noqa: E731
        return (f(one_hot_blocks(props, self.cfg.values)),
                f(one_hot_blocks(ask, self.cfg.values)),
                torch.as_tensor(target, device=self.device))

    def read(self, h: torch.Tensor, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Scores e (batch, n) and weights w = softmax(β e) of requests r on databases h.
        The values are one-hot object indices, so v_out = Σ_j w_j v_j is w itself."""
        q = self.net.query(r)[:, None, :]                       # (batch, 1, d)
        k = self.net.keys(h)                                    # (batch, n, d)
        e = SCORE_FUNCTIONS[self.score](q, k)[:, 0, :]           # e_j = a(q, k_j)
        return e, attention_weights(e, self.beta)                # w_j = softmax(β e_j)

    def train_step(self) -> None:
        cfg = self.cfg
        h, r, target = self._tensors(*requests(cfg.batch_size, cfg.objects, cfg.values,
                                               cfg.asked, self.rng))
        _, w = self.read(h, r)
        v_out = w                                               # Σ_j w_j onehot(j)
        loss = -torch.log(v_out[torch.arange(len(target), device=self.device), target]
                          + 1e-12).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.loss = float(loss.detach())

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        h, r, target = self.test
        _, w = self.read(h, r)
        idx = torch.arange(len(target), device=self.device)
        return {"accuracy": float((w.argmax(1) == target).double().mean()),
                "mean_max_weight": float(w.max(1).values.double().mean()),
                "weight_on_target": float(w[idx, target].double().mean()),
                "test_loss": float(-torch.log(w[idx, target] + 1e-12).double().mean())}

    def apply_edit(self, change: Edit) -> None:
        """SetAttention(beta=β, score=name), mid-run (None leaves a setting as it is)."""
        if not isinstance(change, SetAttention):
            raise unknown_edit(self, change, "SetAttention")
        self.set_attention(self.beta if change.beta is None else change.beta,
                           self.score if change.score is None else change.score)

    def set_attention(self, beta, score) -> None:
        try:
            beta = float(beta)
        except (TypeError, ValueError):
            raise ValueError(f"β = {beta!r} is not a number; allowed 0.01 … 100") from None
        if not 0.01 <= beta <= 100.0:
            raise ValueError(f"β = {beta:g} is out of range; allowed 0.01 … 100")
        if score not in SCORES:
            raise ValueError(f"score {score!r} is not known; one of: {', '.join(SCORES)}")
        self.beta, self.score = beta, score
        self.throttle.clear()

    @torch.no_grad()
    def pictures(self) -> dict[str, Any]:
        h, r, target = self.examples
        e, w = self.read(h, r)
        props, ask, tgt = self.examples_np
        return {"metrics": self.evaluate(),
                "arrays": {"weights": w.double().cpu().numpy(),
                           "scores": e.double().cpu().numpy(),
                           "targets": tgt.astype(float), "properties": props.astype(float),
                           "asked": ask.astype(float), **self.sqrt_d}}

    def history_metrics(self) -> dict[str, float]:
        out = {"loss": self.loss}
        if self.step % EVAL_EVERY == 0:
            out.update(self.evaluate())
        return out

    def snapshot(self, final: bool = False) -> Snapshot:
        pic = self.throttle.get(self.step, final, self.pictures)
        metrics = {"loss": self.loss, "beta": self.beta,
                   "score_index": float(SCORES.index(self.score)), **pic["metrics"]}
        metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(pic["arrays"]),
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "net": self.net.state_dict(),
                "opt": self.opt.state_dict(), "gen": self.gen.get_state(),
                "rng": self.rng.bit_generator.state, "loss": self.loss,
                "beta": self.beta, "score": self.score}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.net.load_state_dict(state["net"])
        self.opt.load_state_dict(state["opt"])
        self.gen.set_state(state["gen"])
        self.rng.bit_generator.state = state["rng"]
        self.loss = float(state["loss"])
        self.set_attention(state["beta"], state["score"])
