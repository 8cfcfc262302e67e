"""Lecture chapter 5, Bayes: the Qt-free engines of the ``bayes`` panel (numpy / scipy).

- :mod:`engines.bayes.sequential`: sequential updating of one parameter λ (Gaussian prior,
  Gaussian or Lorentzian likelihood), grid posterior next to the closed form.
- :mod:`engines.bayes.qubit`: qubit readout, P(λ=1 | y) over a sequence of readouts.
- :mod:`engines.bayes.cavity`: photons leaking out of a cavity, P(click | n) = κτ n.
- :mod:`engines.bayes.gp` (+ :mod:`.gp_math`): Gaussian random processes on a lattice with the
  lecture's rank-one update of the inverse covariance per measurement.
- :mod:`engines.bayes.loss`: Bayes and the loss: −ln posterior = MSE + weight penalty.
Shared: :mod:`.info` (entropies, KL in bits), :mod:`.edits` (observations sent by the panel),
:mod:`.base`. Configs live in :mod:`engines.bayes.configs`, so the registry stays light.
"""
from engines.bayes.configs import (CavityConfig, GPConfig, LossConfig, QubitConfig,
                                   SequentialConfig)
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("sequential", "Sequential updating", SequentialConfig,
             "engines.bayes.sequential:SequentialEngine"),
    DemoSpec("qubit", "Qubit readout", QubitConfig, "engines.bayes.qubit:QubitEngine"),
    DemoSpec("cavity", "Cavity decay (photon counting)", CavityConfig,
             "engines.bayes.cavity:CavityEngine"),
    DemoSpec("gp", "Gaussian random process", GPConfig, "engines.bayes.gp:GPEngine"),
    DemoSpec("loss", "Bayes and the loss", LossConfig, "engines.bayes.loss:LossEngine"),
)

TOPIC = Topic("bayes", "Bayesian inference, Gaussian processes", "5", DEMOS,
              "panels.bayes.panel:BayesPanel")
