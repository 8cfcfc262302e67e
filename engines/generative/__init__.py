"""Chapter 7, learning probability distributions: the Qt-free engines of the ``generative``
panel.

- :mod:`engines.generative.flows`: invertible networks of affine coupling layers with
  log|det J| accumulated per layer; :mod:`.flow_demo`: "learn from samples" (max ⟨ln q⟩)
  and "learn to sample from a known p(x) ∝ e^{−E/T}" (min D_KL(q‖p), free energy).
- :mod:`engines.generative.rbm`: restricted Boltzmann machine, CD-k "data minus model",
  exact KL for small systems, clamping and annealing of the Gibbs chains.
- :mod:`engines.generative.vae`: variational autoencoder (wave packets, MNIST), cVAE.
- :mod:`engines.generative.gan`: GAN on 2D targets, MMD two-sample test, mode counting.
- :mod:`engines.generative.capabilities`: the lecture's comparison (7.6), one entry per
  engine class (``CAPABILITIES``), read by the panel's comparison card.
Configs live in :mod:`engines.generative.configs`; :mod:`.targets` and
:mod:`.binary_data` (numpy only) hold the data and their exact distributions.
"""
from engines.generative.configs import (FlowEnergyConfig, FlowSamplesConfig, GANConfig,
                                        RBMConfig, VAEConfig)
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("flow_samples", "Normalizing flow: learn from samples", FlowSamplesConfig,
             "engines.generative.flow_demo:FlowSamplesEngine"),
    DemoSpec("flow_energy", "Normalizing flow: learn to sample p(x) ∝ exp(−E/T)",
             FlowEnergyConfig, "engines.generative.flow_demo:FlowEnergyEngine"),
    DemoSpec("rbm", "Restricted Boltzmann machine (contrastive divergence)", RBMConfig,
             "engines.generative.rbm:RBMEngine"),
    DemoSpec("vae", "Variational autoencoder", VAEConfig, "engines.generative.vae:VAEEngine"),
    DemoSpec("gan", "Generative adversarial network", GANConfig,
             "engines.generative.gan:GANEngine"),
)

TOPIC = Topic("generative", "Learning probability distributions", "7", DEMOS,
              "panels.generative.panel:GenerativePanel")
