"""Lecture chapter 6, Information theory II: the Qt-free engines of the ``fisher`` panel.

- :mod:`engines.fisher.cramer_rao`: Fisher information and the Cramér-Rao bound, many
  simulated experiments (MLE and posterior mean against 1/(N I)), the matrix version.
- :mod:`engines.fisher.jeffreys`: Jeffreys' prior √I in two coordinate systems.
- :mod:`engines.fisher.natural_gradient`: plain vs natural gradient under θ₁ = μ ϑ₁, a
  Gaussian fit on the (μ, σ) plane, a small network (SGD, Adam, damped natural gradient).
- :mod:`engines.fisher.kl`: KL(P‖Q) and KL(Q‖P), forward and reverse Gaussian fits, the
  Fisher expansion, extra code length.
- :mod:`engines.fisher.mutual_info`: mutual information from histograms and the
  Kraskov k-nearest-neighbour estimator, invariance under invertible maps.
- :mod:`engines.fisher.rmi`: renormalized mutual information, a learned 1-d feature (torch).
Shared: :mod:`.models` (one-parameter families: score, MLE, I(λ), KL), :mod:`.base`.
Configs live in :mod:`engines.fisher.configs`, so the registry stays light.
"""
from engines.fisher.configs import (CramerRaoConfig, JeffreysConfig, KLConfig,
                                    MutualInfoConfig, NaturalGradientConfig, RMIConfig)
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("cramer-rao", "Fisher information, Cramér-Rao bound", CramerRaoConfig,
             "engines.fisher.cramer_rao:CramerRaoEngine",
             summary="Simulated experiments: Var·N·I(λ) → 1 for the MLE and the posterior mean"),
    DemoSpec("jeffreys", "Jeffreys prior, reparametrization", JeffreysConfig,
             "engines.fisher.jeffreys:JeffreysEngine",
             summary="A flat prior is not flat in other coordinates; √I(λ) is the same in all"),
    DemoSpec("natural-gradient", "Natural gradient", NaturalGradientConfig,
             "engines.fisher.natural_gradient:NaturalGradientEngine",
             summary="I⁻¹∇L follows the same path in every parametrization; plain GD does not"),
    DemoSpec("kl", "Kullback-Leibler divergence", KLConfig, "engines.fisher.kl:KLEngine",
             summary="KL(P‖Q) ≠ KL(Q‖P); forward fit matches moments, reverse fit picks a mode"),
    DemoSpec("mutual-information", "Mutual information", MutualInfoConfig,
             "engines.fisher.mutual_info:MutualInfoEngine",
             summary="Dependence without correlation; k-NN estimate against −½ ln(1−ρ²)"),
    DemoSpec("rmi", "Renormalized mutual information", RMIConfig, "engines.fisher.rmi:RMIEngine",
             summary="Learn a 1-d feature by maximising H(y) − ⟨ln|∇F|⟩"),
)

TOPIC = Topic("fisher", "Fisher information, natural gradient", "6", DEMOS,
              "panels.fisher.panel:FisherPanel")
