"""Restricted Boltzmann machine trained by contrastive divergence (lecture 7.3).

Energy (bits v_i, h_j ∈ {0, 1}; no v–v or h–h couplings):
    E(v, h) = −Σ_i a_i v_i − Σ_j b_j h_j − Σ_ij v_i W_ij h_j,   P(v, h) = e^{−E}/Z.
Summing the hidden units analytically,
    P(v) = (1/Z) e^{a·v} Π_j (1 + e^{z_j}),  z_j = b_j + Σ_i v_i W_ij,
i.e. P(v) = e^{−F(v)}/Z with the free energy F(v) = −a·v − Σ_j ln(1 + e^{z_j}).
The conditionals factorise:
    P(h_j = 1 | v) = σ(b_j + Σ_i v_i W_ij),   P(v_i = 1 | h) = σ(a_i + Σ_j W_ij h_j).

Learning ("data minus model"):
    ∂⟨ln P(v)⟩_data/∂W_ij = ⟨v_i h_j⟩_data − ⟨v_i h_j⟩_model,
    ∂/∂a_i = ⟨v_i⟩_data − ⟨v_i⟩_model,   ∂/∂b_j = ⟨h_j⟩_data − ⟨h_j⟩_model,
with "data" = v ~ P_data, h ~ P(h|v). Contrastive divergence CD-k replaces the model's
Markov chain by k Gibbs steps v → h → v … started at the data. The probability trick uses
⟨v_i P(h_j = 1|v)⟩ in place of ⟨v_i h_j⟩: the same mean with less noise.

Sampling at temperature T (E → E/T) and lowering T to 1 is annealing; fixing some visible
units and sampling the rest draws from P(v_free | v_fixed): an associative memory.

For small systems the exact KL(P_data ‖ P_model) = Σ_v P_data ln(P_data/P_model) is
computed by enumerating the 2^n states of the smaller layer (the other summed
analytically): ln Z = ln Σ_v e^{−F(v)} = ln Σ_h e^{b·h} Π_i (1 + e^{a_i + Σ_j W_ij h_j}).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engines.edits import Edit
from engines.generative import capabilities
from engines.generative.binary_data import BinaryData, make_data
from engines.generative.configs import EXACT_LIMIT, Anneal, Clamp, ClampData, RBMConfig
from engines.runtime import Engine, Snapshot

#: Training samples shown in the strip.
SHOWN = 16
#: Data patterns whose probabilities are shown as bars (exact data only).
MAX_BARS = 100
#: Work budget (states × units) of one exact-KL evaluation done every step; larger
#: systems are evaluated every 2, 4, … steps (20 visible × 16 hidden: every 16 steps).
KL_BUDGET = 2 ** 17


_STATES: dict[tuple, torch.Tensor] = {}


def all_states(n: int, dtype=torch.float64, device=None) -> torch.Tensor:
    """The 2^n binary vectors of length n (rows); cached (read-only use)."""
    key = (n, dtype, str(device))
    if key not in _STATES:
        idx = torch.arange(2 ** n, device=device)
        bits = (idx[:, None] >> torch.arange(n, device=device)[None, :]) & 1
        if len(_STATES) > 8:
            _STATES.clear()
        _STATES[key] = bits.to(dtype)
    return _STATES[key]


class RBMParams:
    """W (n_v × n_h), visible bias a, hidden bias b, with the formulas above."""

    def __init__(self, W: torch.Tensor, a: torch.Tensor, b: torch.Tensor):
        self.W, self.a, self.b = W, a, b

    def p_h(self, v: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        return torch.sigmoid(beta * (self.b + v @ self.W))

    def p_v(self, h: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        return torch.sigmoid(beta * (self.a + h @ self.W.T))

    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """F(v) = −a·v − Σ_j softplus(b_j + (vW)_j); P(v) = e^{−F(v)}/Z."""
        return -(v @ self.a) - F.softplus(self.b + v @ self.W).sum(dim=1)

    def log_partition(self, chunk: int = 2 ** 16) -> float:
        """ln Z by enumerating the smaller layer (the other summed analytically)."""
        W, a, b = self.W.double(), self.a.double(), self.b.double()
        n_v, n_h = W.shape
        if n_v <= n_h:
            terms = []
            for s in range(0, 2 ** n_v, chunk):
                v = all_states(n_v, device=W.device)[s:s + chunk]
                terms.append(v @ a + F.softplus(b + v @ W).sum(dim=1))
        else:
            terms = []
            for s in range(0, 2 ** n_h, chunk):
                h = all_states(n_h, device=W.device)[s:s + chunk]
                terms.append(h @ b + F.softplus(a + h @ W.T).sum(dim=1))
        return float(torch.logsumexp(torch.cat(terms), dim=0))

    def log_prob(self, v: torch.Tensor, ln_z: float | None = None) -> torch.Tensor:
        """ln P_model(v) = −F(v) − ln Z (exact)."""
        ln_z = self.log_partition() if ln_z is None else ln_z
        p = RBMParams(self.W.double(), self.a.double(), self.b.double())
        return -p.free_energy(v.double()) - ln_z


def exact_gradient(params: RBMParams, data_states: torch.Tensor, data_probs: torch.Tensor):
    """Exact ∂⟨ln P(v)⟩_data/∂(W, a, b) = data − model with both expectations enumerated
    over all 2^n_v visible states (tiny systems only)."""
    W, a, b = params.W.double(), params.a.double(), params.b.double()
    n_v = W.shape[0]
    v = all_states(n_v, device=W.device)
    p = RBMParams(W, a, b)
    logp = -p.free_energy(v)
    pm = torch.softmax(logp, dim=0)
    ph_m = p.p_h(v)
    vd, pd = data_states.double(), data_probs.double()
    ph_d = p.p_h(vd)
    dW = (vd * pd[:, None]).T @ ph_d - (v * pm[:, None]).T @ ph_m
    da = pd @ vd - pm @ v
    db = pd @ ph_d - pm @ ph_m
    return dW, da, db


def cd_update(params: RBMParams, v0: torch.Tensor, k: int, gen: torch.Generator,
              probability_trick: bool = True, chain: torch.Tensor | None = None):
    """One CD-k estimate of the log-likelihood gradient, "data minus model":
    (dW, da, db, v_k, P(v|h_0)). ``chain``: start of the model chain (PCD), else v0."""
    def bern(p):
        return (torch.rand(p.shape, generator=gen, device=p.device) < p).to(p.dtype)

    ph0 = params.p_h(v0)
    h0 = bern(ph0)
    if chain is None:
        h = h0
    else:
        h = bern(params.p_h(chain))
    for _ in range(k):
        vk = bern(params.p_v(h))
        phk = params.p_h(vk)
        h = bern(phk)
    hd = ph0 if probability_trick else h0
    hm = phk if probability_trick else h
    n = v0.shape[0]
    dW = (v0.T @ hd - vk.T @ hm) / n
    da = (v0 - vk).mean(dim=0)
    db = (hd - hm).mean(dim=0)
    return dW, da, db, vk, params.p_v(h0)


def kl_every(n_v: int, n_h: int) -> int:
    """Steps between two exact-KL evaluations (0: too large to enumerate)."""
    m = min(n_v, n_h)
    if m > EXACT_LIMIT:
        return 0
    cost = 2 ** m * max(n_v, n_h)
    every = 1
    while cost / every > KL_BUDGET and every < 256:
        every *= 2
    return every


class RBMEngine(Engine):
    """CD-k training of an RBM plus free-running (clampable, annealable) Gibbs chains."""

    Config = RBMConfig
    CAPABILITIES = capabilities.RBM
    divergence_advice = "Try a smaller learning rate η."

    def __init__(self, cfg: RBMConfig, device: str | None = None,
                 data: BinaryData | None = None):
        super().__init__(cfg, device)
        dev = self.device
        self.data = data or make_data(cfg)
        self.n_v, self.n_h = self.data.n_visible, cfg.hidden
        self.states_t = torch.as_tensor(self.data.states, dtype=torch.float32, device=dev)
        init = torch.Generator().manual_seed(cfg.seed)
        W = cfg.init_scale * torch.randn(self.n_v, self.n_h, generator=init)
        mean = self.data.states.mean(axis=0) if self.data.probs is None else \
            self.data.probs @ self.data.states
        mean = np.clip(mean, 0.01, 0.99)
        a = torch.as_tensor(np.log(mean / (1 - mean)), dtype=torch.float32)
        self.params = RBMParams(W.to(dev), a.to(dev), torch.zeros(self.n_h, device=dev))
        self.rng = np.random.default_rng([cfg.seed, 1])               # data batches
        self.gen = torch.Generator(device=dev).manual_seed(cfg.seed + 2)   # Gibbs (training)
        self.chain_gen = torch.Generator(device=dev).manual_seed(cfg.seed + 3)  # display
        self.chain_rng = np.random.default_rng([cfg.seed, 4])
        self.pcd = (torch.rand(cfg.batch_size, self.n_v, generator=self.gen, device=dev)
                    < 0.5).float() if cfg.persistent else None
        self.chains = (torch.rand(cfg.chains, self.n_v, generator=self.chain_gen, device=dev)
                       < 0.5).float()
        self.clamp = np.full(self.n_v, -1, np.int8)   # −1 free, 0/1 clamped
        self.anneal_pos: int | None = None             # sweeps since 'anneal', None = T = 1
        self.last_batch = np.zeros((0, self.n_v), np.uint8)
        self.recon = math.nan
        self.kl_every = kl_every(self.n_v, self.n_h) if self.data.exact else 0
        if self.data.exact:
            self.support = torch.as_tensor(self.data.states, dtype=torch.float64, device=dev)
            self.log_p_data = np.log(self.data.probs)
        self._kl_cache: tuple[int, dict] | None = None

    # ---- temperature of the displayed chains --------------------------------------------
    @property
    def chain_temperature(self) -> float:
        if self.anneal_pos is None:
            return 1.0
        frac = min(1.0, self.anneal_pos / self.cfg.anneal_sweeps)
        return float(self.cfg.anneal_from ** (1.0 - frac))

    # ---- training ---------------------------------------------------------------------
    def train_step(self) -> None:
        cfg, p = self.cfg, self.params
        batch = self.data.sample(cfg.batch_size, self.rng)
        v0 = torch.as_tensor(batch, dtype=torch.float32, device=self.device)
        dW, da, db, vk, recon = cd_update(p, v0, cfg.k, self.gen, cfg.probability_trick,
                                          self.pcd)
        if self.pcd is not None:
            self.pcd = vk
        p.W += cfg.lr * dW
        p.a += cfg.lr * da
        p.b += cfg.lr * db
        self.recon = float(((v0 - recon) ** 2).mean())
        self.last_batch = batch[:SHOWN]
        self._advance_chains()

    @torch.no_grad()
    def _advance_chains(self) -> None:
        """``sweeps`` Gibbs sweeps of the displayed chains at the chain temperature, with
        clamped visible units held fixed: samples of P(v_free | v_fixed)."""
        clamped = torch.as_tensor(self.clamp >= 0, device=self.device)
        values = torch.as_tensor(np.maximum(self.clamp, 0), dtype=torch.float32,
                                 device=self.device)
        v = self.chains
        for _ in range(self.cfg.sweeps):
            beta = 1.0 / self.chain_temperature
            v = torch.where(clamped, values, v)
            ph = self.params.p_h(v, beta)
            h = (torch.rand(ph.shape, generator=self.chain_gen, device=self.device)
                 < ph).float()
            pv = self.params.p_v(h, beta)
            v = (torch.rand(pv.shape, generator=self.chain_gen, device=self.device)
                 < pv).float()
            v = torch.where(clamped, values, v)
            if self.anneal_pos is not None:
                self.anneal_pos += 1
                if self.anneal_pos >= self.cfg.anneal_sweeps:
                    self.anneal_pos = None
        self.chains = v

    # ---- edits: clamping, annealing ------------------------------------------------------
    def apply_edit(self, change: Edit) -> None:
        if isinstance(change, Clamp):
            clamp = np.asarray(change.pattern, dtype=np.int64).ravel()
            if clamp.size != self.n_v:
                raise ValueError(f"the clamp pattern has {clamp.size} units, the machine "
                                 f"{self.n_v} visible units")
            if not np.isin(clamp, (-1, 0, 1)).all():
                raise ValueError("clamp values must be −1 (free), 0 or 1")
            self.clamp = clamp.astype(np.int8)
        elif isinstance(change, ClampData):
            fraction = float(change.fraction)
            if not 0.0 < fraction < 1.0:
                raise ValueError("fraction must lie between 0 and 1")
            sample = self.data.sample(1, self.chain_rng)[0]
            clamp = np.full(self.n_v, -1, np.int8)
            n = int(round(fraction * self.n_v))
            clamp[:n] = sample[:n]                  # the top rows / left sites
            self.clamp = clamp
        elif isinstance(change, Anneal):
            self.anneal_pos = 0
            self.chains = (torch.rand(self.chains.shape, generator=self.chain_gen,
                                      device=self.device) < 0.5).float()
        else:
            raise ValueError(f"unknown edit {type(change).__name__} for the RBM")

    # ---- exact quantities (small systems) --------------------------------------------------
    @torch.no_grad()
    def exact(self) -> dict[str, Any] | None:
        """KL(P_data‖P_model), the model's mass on the data patterns and P_model on them."""
        if not self.kl_every:
            return None
        due = self.step - self.step % self.kl_every
        if self._kl_cache is not None and self._kl_cache[0] == due:
            return self._kl_cache[1]
        ln_z = self.params.log_partition()
        logq = self.params.log_prob(self.support, ln_z).cpu().numpy()
        kl = float(np.sum(self.data.probs * (self.log_p_data - logq)))
        out = {"kl": kl, "mass": float(np.exp(logq).sum()), "p_model": np.exp(logq)}
        self._kl_cache = (due, out)
        return out

    def history_metrics(self) -> dict[str, float]:
        m = {"recon_error": self.recon, "chain_T": self.chain_temperature}
        ex = self.exact()
        if ex is not None:
            fresh = self.step % self.kl_every == 0
            m["kl"] = ex["kl"] if fresh else math.nan
            m["model_mass"] = ex["mass"] if fresh else math.nan
        return m

    def snapshot(self, final: bool = False) -> Snapshot:
        metrics = {"recon_error": self.recon, "chain_T": self.chain_temperature,
                   "clamped": float((self.clamp >= 0).sum())}
        arrays = {"data_samples": np.asarray(self.last_batch, np.float64).copy(),
                  "chain_samples": self.chains.double().cpu().numpy(),
                  "weights": self.params.W.double().cpu().numpy(),
                  "clamp": self.clamp.astype(np.float64),
                  "shape": np.array(self.data.shape, np.float64)}
        ex = self.exact()
        if ex is not None:
            metrics["kl"] = ex["kl"]
            metrics["model_mass"] = ex["mass"]
            metrics["data_entropy"] = self.data.entropy()
            if len(self.data.probs) <= MAX_BARS:
                arrays["p_data"] = self.data.probs.copy()
                arrays["p_model"] = ex["p_model"].copy()
        metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def log_unnormalized(self, v: np.ndarray) -> np.ndarray:
        """−F(v) = ln P(v) + ln Z: the density up to its normalisation."""
        t = torch.as_tensor(np.asarray(v), dtype=torch.float64, device=self.device)
        p = RBMParams(self.params.W.double(), self.params.a.double(), self.params.b.double())
        return (-p.free_energy(t)).cpu().numpy()

    # ---- state ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        p = self.params
        state = {**self.base_state(), "W": p.W.clone(), "a": p.a.clone(), "b": p.b.clone(),
                 "rng": self.rng.bit_generator.state,
                 "chain_rng": self.chain_rng.bit_generator.state,
                 "gen": self.gen.get_state(), "chain_gen": self.chain_gen.get_state(),
                 "chains": self.chains.clone(), "clamp": torch.from_numpy(self.clamp.copy()),
                 "anneal_pos": -1 if self.anneal_pos is None else self.anneal_pos,
                 "recon": self.recon,
                 "last_batch": torch.from_numpy(np.asarray(self.last_batch).copy())}
        if self.pcd is not None:
            state["pcd"] = self.pcd.clone()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if tuple(state["W"].shape) != (self.n_v, self.n_h):
            raise ValueError(f"saved weights {tuple(state['W'].shape)} do not fit "
                             f"{self.n_v} visible × {self.n_h} hidden units")
        self.load_base_state(state)
        dev = self.device
        self.params = RBMParams(state["W"].to(dev), state["a"].to(dev), state["b"].to(dev))
        self.rng.bit_generator.state = state["rng"]
        self.chain_rng.bit_generator.state = state["chain_rng"]
        self.gen.set_state(state["gen"])
        self.chain_gen.set_state(state["chain_gen"])
        self.chains = state["chains"].to(dev)
        self.clamp = state["clamp"].numpy().astype(np.int8).copy()
        pos = int(state["anneal_pos"])
        self.anneal_pos = None if pos < 0 else pos
        self.recon = float(state["recon"])
        self.last_batch = state["last_batch"].numpy().copy()
        if "pcd" in state:
            self.pcd = state["pcd"].to(dev)
        self._kl_cache = None
