"""The "Cavity decay" demo (lecture 5.3): counting photons that leak out of a cavity.

A detector watches the cavity in short intervals τ. With n photons inside, the likelihood
of a click in one interval is
    P(click | n) ≈ κτ · n          (decay rate κ; at most one click per short interval)
and of no click 1 − κτ·n. Bayes:
    P(n | click) = P(click | n) P(n) / P(click),   P(click) = κτ ⟨n⟩.
Physics: a click means a photon has left, n_final = n − 1, so the belief about the photons
still inside is P(n_final = m) = P(n = m + 1 | click). Its mean is
    ⟨n_final⟩ = ⟨n²⟩/⟨n⟩ − 1,
which can exceed the prior mean ⟨n⟩: for a Poisson prior it equals ⟨n⟩ (no change), for a
thermal prior it is 2⟨n⟩, and for a mixture of a nearly empty and a rare bright state it
jumps far up — "a decay increases the photon number", an update of knowledge, not of the
cavity. An interval without a click shifts the belief to fewer photons ("no news is
news"). The truth is a hidden photon number drawn from the prior that loses one photon
at every click. Entropies: Shannon entropies of P(n) in bits.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.bayes.base import BayesEngine, as_list
from engines.bayes.configs import CavityConfig
from engines.bayes.edits import Observe
from engines.bayes.info import kl_bits, shannon_bits
from engines.runtime import Snapshot


def _log_poisson(n: np.ndarray, mean: float) -> np.ndarray:
    from scipy.special import gammaln

    return n * math.log(mean) - mean - gammaln(n + 1.0)


def photon_prior(cfg: CavityConfig) -> np.ndarray:
    """P(n), n = 0 … n_max, renormalised after the cut-off."""
    n = np.arange(cfg.n_max + 1, dtype=float)
    if cfg.prior == "poisson":
        p = np.exp(_log_poisson(n, cfg.mean_photons))
    elif cfg.prior == "thermal":
        m = cfg.mean_photons
        p = np.exp(n * math.log(m / (1.0 + m)) - math.log(1.0 + m))
    else:
        w = cfg.bimodal_weight
        p = ((1 - w) * np.exp(_log_poisson(n, cfg.bimodal_low))
             + w * np.exp(_log_poisson(n, cfg.bimodal_high)))
    return p / p.sum()


def click_likelihood(cfg: CavityConfig, click: bool) -> np.ndarray:
    """P(click | n) = κτ n, or P(no click | n) = 1 − κτ n, for n = 0 … n_max."""
    rate = cfg.kappa_tau * np.arange(cfg.n_max + 1, dtype=float)
    return rate if click else 1.0 - rate


def update(belief: np.ndarray, cfg: CavityConfig, click: bool) -> np.ndarray:
    """The belief about the photons inside after one interval (ValueError if impossible)."""
    joint = click_likelihood(cfg, click) * belief
    evidence = joint.sum()
    if not evidence > 0.0:
        raise ValueError("a photon click is impossible: the belief says the cavity is empty"
                         if click else "no click is impossible under the current belief")
    posterior = joint / evidence
    if click:                      # n_final = n − 1: shift the distribution down by one
        posterior = np.append(posterior[1:], 0.0)
    return posterior


def mean_photons(p: np.ndarray) -> float:
    return float(np.arange(p.size) @ p)


class CavityEngine(BayesEngine):
    Config = CavityConfig
    RECORD_KEYS = ("n", "click", "mean", "n_true", "gain", "h_post", "kl")

    def __init__(self, cfg: CavityConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.prior = photon_prior(cfg)
        self.belief = self.prior.copy()
        self.before = self.prior.copy()           # belief before the last interval
        self.n_true = int(self.rng.choice(self.prior.size, p=self.prior))
        self.n_true0 = self.n_true
        self.last_click: bool | None = None

    # ---- Bayes --------------------------------------------------------------------------
    def simulate(self) -> None:
        click = bool(self.rng.random() < self.cfg.kappa_tau * self.n_true)
        self.observe(click)

    def observe_edit(self, change: Observe) -> None:
        if change.click is not None:
            self.observe(change.click)
        else:
            self.simulate()

    def observe(self, click: bool) -> None:
        new = update(self.belief, self.cfg, click)      # may refuse: nothing changed yet
        h_before = shannon_bits(self.belief)
        self.before, self.belief = self.belief, new
        self.last_click = click
        if click and self.n_true > 0:
            self.n_true -= 1                             # the photon has left
        h_post = shannon_bits(self.belief)
        self.record(n=self.n_obs + 1, click=float(click), mean=mean_photons(self.belief),
                    n_true=self.n_true, gain=h_before - h_post, h_post=h_post,
                    kl=kl_bits(self.belief, self.prior))

    def mean_after_click(self) -> float:
        """⟨n_final⟩ = ⟨n²⟩/⟨n⟩ − 1 if the next interval clicks (0 if no click possible)."""
        n = np.arange(self.belief.size)
        mean = float(n @ self.belief)
        return float((n * n) @ self.belief) / mean - 1.0 if mean > 0 else 0.0

    # ---- engine contract ----------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        return {"n_obs": float(self.n_obs), "mean": mean_photons(self.belief),
                "clicks": float(sum(self.records["click"])), "n_true": float(self.n_true),
                "h_post": shannon_bits(self.belief), "kl": kl_bits(self.belief, self.prior)}

    def snapshot(self, final: bool = False) -> Snapshot:
        cfg = self.cfg
        likelihood = (click_likelihood(cfg, self.last_click) if self.last_click is not None
                      else np.empty(0))
        metrics = {**self.history_metrics(), "mean_prior": mean_photons(self.prior),
                   "gain": self.last("gain"), "h_prior": shannon_bits(self.prior),
                   "p_click": cfg.kappa_tau * mean_photons(self.belief),
                   "mean_after_click": self.mean_after_click(),
                   "last_click": -1.0 if self.last_click is None else float(self.last_click),
                   "n_true0": float(self.n_true0)}
        arrays = {"n": np.arange(self.prior.size, dtype=float), "prior": self.prior.copy(),
                  "posterior": self.belief.copy(), "before": self.before.copy(),
                  "likelihood": likelihood}
        return self.make_snapshot(metrics, arrays, final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.common_state(), "belief": as_list(self.belief),
                "before": as_list(self.before), "n_true": self.n_true,
                "last_click": -1 if self.last_click is None else int(self.last_click)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        belief = np.asarray(state["belief"], dtype=float)
        if belief.shape != self.prior.shape:
            raise ValueError(f"saved photon numbers 0 … {belief.size - 1} do not fit "
                             f"n_max = {self.cfg.n_max}")
        self.load_common_state(state)
        self.belief = belief
        self.before = np.asarray(state["before"], dtype=float)
        self.n_true = int(state["n_true"])
        self.last_click = None if int(state["last_click"]) < 0 else bool(state["last_click"])
