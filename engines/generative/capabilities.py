"""What each generative model of chapter 7 provides: the lecture's closing comparison (7.6).

Every engine class carries one of these as its ``CAPABILITIES`` attribute (e.g.
``FlowSamplesEngine.CAPABILITIES is FLOW``); the panel's comparison card reads them through
:func:`for_demo` without importing the engines (which import torch), and the tests check
each claim against what the engine actually does (a flow's density integrates to one, the
RBM's is known up to Z, the VAE and GAN expose none, …).

Lecture 7.6:
- Boltzmann machine: discrete (typically), needs a Markov chain, deep via stacking, simple
  to condition without extra training, nice physics connection, p(x) only up to norm.
- Normalizing flows: continuous, both sampling and access to p(x) ⇒ estimates of KL etc.,
  deep, condition with training.
- VAE: connection to autoencoders, lower-dimensional latent z, deep, no access to p(x),
  condition with training.
- GAN: focus on getting details right, no access to p(x), condition with training, deep,
  flexible.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    short: str              # column header of the card
    method: str
    data: str               # what kind of x it models
    exact_density: str      # access to p_θ(x)?
    density_level: int      # 2 = exact and normalised, 1 = up to Z, 0 = none
    sampling: str           # cost of one sample
    conditioning: str       # how to sample x given a condition
    latent: str             # the latent space
    measured: str           # the quality figure the engine reports live (a metric key)
    measured_label: str
    note: str               # the lecture's remark (tooltip)


RBM = Capabilities(
    short="RBM", method="Boltzmann machine (RBM)", data="discrete bits",
    exact_density="up to Z: P ∝ exp(−F(v))", density_level=1,
    sampling="Markov chain (Gibbs sweeps)",
    conditioning="clamp units, no training",
    latent="binary hidden h",
    measured="kl", measured_label="exact KL",
    note="Discrete (typically); needs a Markov chain; deep via stacking; simple to "
         "condition without extra training; nice physics connection; access to p(x) only "
         "up to the normalisation.")

FLOW = Capabilities(
    short="Flow", method="Normalizing flow (INN)", data="continuous",
    exact_density="yes, normalised", density_level=2,
    sampling="one pass x = F(z)",
    conditioning="train s, t with y",
    latent="z, same dim. as x",
    measured="kl", measured_label="KL from ln p − ln q",
    note="Continuous; both sampling and access to p(x) ⇒ estimates of KL divergence, "
         "entropy, free energy; deep; condition with training.")

VAE = Capabilities(
    short="VAE", method="Variational autoencoder", data="continuous",
    exact_density="no (lower bound 𝓛)", density_level=0,
    sampling="one decoder pass",
    conditioning="train with c (cVAE)",
    latent="low-dim. z",
    measured="loss", measured_label="recon + β·KL",
    note="Connection to autoencoders; lower-dimensional latent z; deep; access to p(x) "
         "not available; condition with training.")

GAN = Capabilities(
    short="GAN", method="Generative adversarial network", data="continuous",
    exact_density="no", density_level=0,
    sampling="one generator pass",
    conditioning="train with c (cGAN)",
    latent="noise z, no encoder",
    measured="mmd", measured_label="MMD² (two-sample)",
    note="Focus on getting details right; access to p(x) not available; condition with "
         "training; deep; flexible (and can collapse onto few modes).")

#: Demo name -> capabilities, in the order of the card's columns.
BY_DEMO: dict[str, Capabilities] = {"flow_samples": FLOW, "flow_energy": FLOW, "rbm": RBM,
                                    "vae": VAE, "gan": GAN}
#: The card's columns (one per method).
METHODS: tuple[Capabilities, ...] = (RBM, FLOW, VAE, GAN)
#: The card's rows: (attribute, question).
ROWS: tuple[tuple[str, str], ...] = (
    ("data", "Data"),
    ("exact_density", "Exact density p(x)?"),
    ("sampling", "Sampling cost"),
    ("conditioning", "Conditioning"),
    ("latent", "Latent space"),
    ("measured_label", "Measured live here"),
)


def for_demo(name: str) -> Capabilities:
    return BY_DEMO[name]
