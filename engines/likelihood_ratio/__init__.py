"""Seminar "Machine learning for the skeptical HEP theorist": likelihood ratios from
classifiers, the Qt-free engines of the ``likelihood-ratio`` panel.

- :mod:`engines.likelihood_ratio.ratio`: a network trained on samples of p and q with a loss
  functional ⟨A(f)⟩_p + ⟨B(f)⟩_q (cross-entropy, MSE, the seminar's log f / 1 − f,
  exponential) learns p/q; compared with its Euler-Lagrange optimum.
- :mod:`engines.likelihood_ratio.neyman_pearson`: the learned ratio as a test statistic:
  ROC against the optimal one, Σ log r over N IID events, power at size α against N.
- :mod:`engines.likelihood_ratio.deep_sets`: toy quark / gluon jets; Deep Sets F(Σ Φ(p_i))
  against an MLP on padded ordered particles, and what shuffling the particles does.
Shared: :mod:`.densities` (pairs p, q with exact integrals; painted blobs),
:mod:`.functionals` (A, B, link, optimum, Euler-Lagrange texts), :mod:`.stats` (ROC, AUC,
power, exact and Monte-Carlo), :mod:`.jets` (the jet generator), :mod:`.nets`.
Configs live in :mod:`engines.likelihood_ratio.configs`, so the registry stays light.
"""
from engines.likelihood_ratio.configs import DeepSetsConfig, NeymanPearsonConfig, RatioConfig
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("ratio", "A classifier learns the likelihood ratio", RatioConfig,
             "engines.likelihood_ratio.ratio:RatioEngine",
             summary="f trained on samples of p and q with a loss functional → p/q"),
    DemoSpec("neyman-pearson", "Hypothesis tests with the learned ratio", NeymanPearsonConfig,
             "engines.likelihood_ratio.neyman_pearson:NeymanPearsonEngine",
             summary="ROC, Σ log r over N events and the power at size α"),
    DemoSpec("deep-sets", "Permutation-invariant networks for jets", DeepSetsConfig,
             "engines.likelihood_ratio.deep_sets:DeepSetsEngine",
             summary="Deep Sets F(Σ Φ) against an MLP on padded particle lists"),
)

TOPIC = Topic("likelihood-ratio", "Likelihood ratios from classifiers", "seminar", DEMOS,
              "panels.likelihood_ratio.panel:LikelihoodRatioPanel")
