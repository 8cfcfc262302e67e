"""Configs of the chapter-7 demos "learning probability distributions" (torch-free).

The registry (and so the GUI process) imports this module only; the engines that use the
configs import torch and live next to it.

Demos (lecture chapter 7):
- ``flow_samples``: a normalizing flow learns p(x) from samples, max ⟨ln q_θ(x)⟩_{x~p}.
- ``flow_energy``: a normalizing flow learns to sample p(x) = e^{−E(x)/T}/Z from E alone,
  min D_KL(q_θ‖p) = F_q/T + ln Z (the variational free energy).
- ``rbm``: a restricted Boltzmann machine trained by contrastive divergence.
- ``vae``: a variational autoencoder on wave packets or MNIST digits.
- ``gan``: a generative adversarial network on 2D targets.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engines.config import ConfigBase, ConfigError, param
from engines.edits import Edit

#: 2D targets of "learn from samples" (``painted``: drawn with the mouse in the panel).
FLOW_TARGETS = ("two_moons", "rings", "checkerboard", "gaussian_mixture", "painted")
#: Between two coupling layers: swap the roles of x1 and x2, or a fixed random rotation.
MIXINGS = ("alternate", "rotation")
#: Energies of "learn to sample": p(x) ∝ exp(−E(x)/T).
ENERGIES = ("double_well", "ring", "pair")
#: Binary data of the RBM.
RBM_DATA = ("segments", "bars_stripes", "mnist")
#: Data of the VAE.
VAE_DATA = ("wave_packets", "mnist")
#: 2D targets of the GAN.
GAN_TARGETS = ("ring", "grid", "two_moons")
#: Generator losses: the lecture's L_G = ⟨ln(1 − D(G(z)))⟩ ("log", saturates when D wins)
#: and the non-saturating L_G = −⟨ln D(G(z))⟩.
GAN_LOSSES = ("log", "non_saturating")

#: Largest number of visible (or hidden) units whose 2^n states are enumerated for the
#: exact KL(P_data‖P_model) of the RBM (the other layer is summed analytically).
EXACT_LIMIT = 20


@dataclass(frozen=True)
class FlowSamplesConfig(ConfigBase):
    """Normalizing flow, learned from samples: maximise ⟨ln q_θ(x)⟩ over the data."""

    target: str = param("two_moons", label="Target p(x)", choices=FLOW_TARGETS, group="Target",
                        help="2D target distribution; 'painted': the points you paint on the "
                             "target plot with the mouse (a Gaussian blob around each).")
    paint_sigma: float = param(0.25, label="Painted blob width σ", min=0.02, max=2.0,
                               group="Target",
                               help="Painted target: p(x) = mean over painted points c of "
                                    "N(x; c, σ²).")
    layers: int = param(8, label="Coupling layers", min=1, max=32, group="Flow",
                        help="Affine coupling layers x2' = exp(s(x1)) ⊙ x2 + t(x1).")
    hidden: int = param(64, label="Hidden units of s, t", min=4, max=512, group="Flow")
    depth: int = param(2, label="Hidden layers of s, t", min=1, max=4, group="Flow")
    mixing: str = param("alternate", label="Between layers", choices=MIXINGS, group="Flow",
                        help="alternate: x1 and x2 swap roles; rotation: a fixed random "
                             "rotation S (det S = 1) mixes the coordinates.")
    s_max: float = param(3.0, label="Scale bound s_max", min=0.5, max=10.0, group="Flow",
                         advanced=True,
                         help="s = s_max·tanh(s_raw/s_max) keeps exp(s) finite (stability).")
    lr: float = param(2e-3, label="Learning rate", min=1e-5, max=0.1, log=True,
                      group="Training")
    batch_size: int = param(256, label="Batch size", min=8, max=4096, group="Training")
    steps: int = param(3000, label="Steps", min=1, max=200_000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")


@dataclass(frozen=True)
class FlowEnergyConfig(ConfigBase):
    """Normalizing flow, learned from the energy: minimise D_KL(q_θ‖p), p ∝ e^{−E/T}."""

    energy: str = param("double_well", label="Energy E(x)", choices=ENERGIES, group="Target",
                        help="double_well: E = 4(x1² − 1)² + x2²; ring: E = 4(|x| − 2)²; "
                             "pair: two particles on a line, E = U(|x1 − x2|) + (x1² + x2²), "
                             "U(d) = 4((d/2)² − 1)².")
    temperature: float = param(1.0, label="Temperature T", min=0.25, max=3.0, log=True,
                               group="Target",
                               help="p(x) ∝ exp(−E(x)/T); the slider changes it mid-run.")
    conditional: bool = param(False, label="Conditional flow on T", group="Flow",
                              help="s and t also get ln T: one flow for every T in "
                                   "[T_min, T_max], trained on random T per batch.")
    t_min: float = param(0.5, label="T_min (conditional)", min=0.25, max=3.0, group="Flow")
    t_max: float = param(2.0, label="T_max (conditional)", min=0.25, max=3.0, group="Flow")
    layers: int = param(8, label="Coupling layers", min=1, max=32, group="Flow")
    hidden: int = param(64, label="Hidden units of s, t", min=4, max=512, group="Flow")
    depth: int = param(2, label="Hidden layers of s, t", min=1, max=4, group="Flow")
    mixing: str = param("alternate", label="Between layers", choices=MIXINGS, group="Flow")
    s_max: float = param(3.0, label="Scale bound s_max", min=0.5, max=10.0, group="Flow",
                         advanced=True)
    lr: float = param(2e-3, label="Learning rate", min=1e-5, max=0.1, log=True,
                      group="Training")
    batch_size: int = param(256, label="Batch size", min=8, max=4096, group="Training")
    steps: int = param(2000, label="Steps", min=1, max=200_000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.conditional and not self.t_min < self.t_max:
            raise ConfigError("t_max", f"T_max = {self.t_max:g} must be larger than "
                                       f"T_min = {self.t_min:g}")


@dataclass(frozen=True)
class RBMConfig(ConfigBase):
    """Restricted Boltzmann machine, contrastive divergence CD-k."""

    data: str = param("segments", label="Data", choices=RBM_DATA, group="Data",
                      help="segments: one run of about 7 'on' sites among 20; bars_stripes: "
                           "all rows or all columns equal; mnist: binarised digits of the "
                           "bundled subset (28 × 28).")
    sites: int = param(20, label="Sites (segments)", min=4, max=40, group="Data")
    segment_length: int = param(7, label="Mean segment length", min=1, max=38, group="Data",
                                help="Lengths are uniform in length ± 2 (at least 1).")
    bas_side: int = param(3, label="Side (bars & stripes)", min=2, max=6, group="Data")
    hidden: int = param(16, label="Hidden units", min=0, max=1024, group="Machine",
                        help="Number of hidden units h_j (at least 1).")
    k: int = param(1, label="Gibbs steps k (CD-k)", min=1, max=100, group="Training")
    lr: float = param(0.05, label="Learning rate η", min=1e-4, max=2.0, log=True,
                      group="Training")
    batch_size: int = param(32, label="Batch size", min=1, max=1024, group="Training")
    probability_trick: bool = param(True, label="Probability trick", group="Training",
                                    help="Use ⟨v_i P(h_j=1|v)⟩ instead of sampled h_j in the "
                                         "statistics: same mean, less noise.")
    persistent: bool = param(False, label="Persistent chains (PCD)", group="Training",
                             help="The model's chains continue from the last step instead "
                                  "of restarting at the data.")
    init_scale: float = param(0.01, label="Initial weight scale", min=0.0, max=1.0,
                              group="Machine", advanced=True)
    chains: int = param(16, label="Displayed Gibbs chains", min=1, max=64, group="Sampling",
                        help="Free-running chains shown next to the data (clamp units by "
                             "clicking them).")
    sweeps: int = param(1, label="Chain sweeps per step", min=1, max=50, group="Sampling")
    anneal_from: float = param(4.0, label="Annealing start T", min=1.0, max=50.0,
                               group="Sampling",
                               help="'Anneal' restarts the chains at this temperature "
                                    "(E → E/T) and cools them to T = 1.")
    anneal_sweeps: int = param(200, label="Annealing sweeps", min=1, max=10_000,
                               group="Sampling")
    steps: int = param(4000, label="Steps (batches)", min=1, max=1_000_000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.hidden < 1:
            raise ConfigError("hidden", f"{self.hidden} hidden units: the RBM needs at least "
                                        "one hidden unit h_j (they carry all correlations "
                                        "between visible units)")
        if self.data == "segments" and self.segment_length > self.sites:
            raise ConfigError("segment_length", f"{self.segment_length} is longer than the "
                                                f"{self.sites} sites")

    @property
    def visible(self) -> int:
        """Number of visible units of this data set."""
        if self.data == "segments":
            return self.sites
        if self.data == "bars_stripes":
            return self.bas_side ** 2
        return 28 * 28


@dataclass(frozen=True)
class VAEConfig(ConfigBase):
    """Variational autoencoder: loss = ½‖x − f(z)‖² + β·D_KL(q(z|x)‖N(0, 1))."""

    data: str = param("wave_packets", label="Data", choices=VAE_DATA, group="Data",
                      help="wave_packets: the lecture's test case, x(t) = exp(−(t−x0)²/2w²)"
                           "·cos(k(t−x0)) with random x0, w, k; mnist: the bundled subset.")
    points: int = param(64, label="Points per packet", min=16, max=256, group="Data")
    latent: int = param(2, label="Latent dimensions", min=1, max=16, group="Model")
    hidden: int = param(128, label="Hidden units", min=8, max=1024, group="Model")
    beta: float = param(0.02, label="β (weight of KL)", min=1e-4, max=10.0, log=True,
                        group="Model",
                        help="β = σ² of the Gaussian decoder p(x|z) ∝ exp(−‖x − f(z)‖²/2σ²); "
                             "β = 1 is the lecture's unit variance.")
    conditional: bool = param(False, label="Conditional VAE", group="Model",
                              help="Encoder and decoder also get c: the wavenumber k of the "
                                   "packet, or the digit's class.")
    lr: float = param(1e-3, label="Learning rate", min=1e-5, max=0.1, log=True,
                      group="Training")
    batch_size: int = param(64, label="Batch size", min=4, max=2048, group="Training")
    steps: int = param(3000, label="Steps", min=1, max=500_000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")


@dataclass(frozen=True)
class GANConfig(ConfigBase):
    """Generative adversarial network on a 2D target."""

    target: str = param("ring", label="Target", choices=GAN_TARGETS, group="Target",
                        help="ring: 8 Gaussians on a circle; grid: 5 × 5 Gaussians; "
                             "two_moons.")
    noise_dim: int = param(2, label="Noise dimensions", min=1, max=64, group="Networks")
    hidden: int = param(64, label="Hidden units", min=4, max=512, group="Networks")
    depth: int = param(2, label="Hidden layers", min=1, max=4, group="Networks")
    generator_loss: str = param("non_saturating", label="Generator loss", choices=GAN_LOSSES,
                                group="Training",
                                help="log: L_G = ⟨ln(1 − D(G(z)))⟩ (lecture); "
                                     "non_saturating: L_G = −⟨ln D(G(z))⟩.")
    lr_g: float = param(1e-3, label="Learning rate G", min=1e-6, max=0.1, log=True,
                        group="Training")
    lr_d: float = param(1e-3, label="Learning rate D", min=1e-6, max=0.1, log=True,
                        group="Training")
    d_steps: int = param(1, label="D steps per G step", min=1, max=20, group="Training")
    batch_size: int = param(256, label="Batch size", min=8, max=4096, group="Training")
    steps: int = param(3000, label="Steps (G updates)", min=1, max=200_000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")


# ---- edits a view sends a running engine (engines.edits) ----------------------------------
@dataclass(frozen=True, eq=False)
class PaintedTarget(Edit):
    """flow-samples: train on these painted points (n, 2) now."""
    points: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class SetTemperature(Edit):
    """flow-energy: learn (or, conditional, show) p ∝ e^{−E/T} at the new T."""
    value: float


@dataclass(frozen=True, eq=False)
class Clamp(Edit):
    """rbm: the clamp pattern, one entry per visible unit: −1 free, 0 or 1 fixed."""
    pattern: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class ClampData(Edit):
    """rbm: fix the first ``fraction`` of the visible units to a random training sample."""
    fraction: float = 0.5


@dataclass(frozen=True)
class Anneal(Edit):
    """rbm: restart the chains hot and cool them to T = 1."""
