"""Lecture chapter 10, active learning and optimal experimental design: the Qt-free engines
of the ``active`` panel (numpy / torch).

- :mod:`engines.active.pool`: pool-based active learning for classification (random,
  maximum entropy, least confident, margin, committee), learning curves over seeds.
- :mod:`engines.active.committee`: committee regression in 1-d, disagreement band, against
  random queries and a Gaussian process's posterior variance.
- :mod:`engines.active.design`: Bayesian optimal experimental design on the damped
  oscillator, expected information gain over the designs.
- :mod:`engines.active.gp_design`: active learning for Gaussian processes (a sequence
  planned in advance) and for a small network (MacKay's Laplace approximation).
Shared: :mod:`.acquisition` (scores), :mod:`.batched` (many small nets at once),
:mod:`.datasets` (the pools). Configs live in :mod:`engines.active.configs`.
"""
from engines.active.configs import CommitteeConfig, DesignConfig, GPDesignConfig, PoolConfig
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("pool", "Pool-based active learning", PoolConfig,
             "engines.active.pool:PoolEngine",
             summary="Uncertainty sampling and committees against random labels."),
    DemoSpec("committee", "Committee regression", CommitteeConfig,
             "engines.active.committee:CommitteeEngine",
             summary="Query where an ensemble of small nets disagrees most."),
    DemoSpec("design", "Optimal experiment design", DesignConfig,
             "engines.active.design:DesignEngine",
             summary="Expected information gain on the damped oscillator."),
    DemoSpec("gp-design", "Active learning for GPs and networks", GPDesignConfig,
             "engines.active.gp_design:GPDesignEngine",
             summary="½ ln(1 + C_xx/σ²): a measurement plan independent of the results."),
)

TOPIC = Topic("active", "Active learning, optimal experiments", "10", DEMOS,
              "panels.active.panel:ActivePanel")
