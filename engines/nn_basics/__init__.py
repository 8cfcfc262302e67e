"""Lecture chapter 2: neural networks, basics. Three demos, configs in configs.py."""
from engines.nn_basics.configs import FunctionFitConfig, ImageFitConfig, LandscapeConfig
from engines.nn_basics.theory_configs import (BackpropConfig, LandscapeStatsConfig,
                                              LinearNoiseConfig, OnlineConfig, SGDNoiseConfig)
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("function", "Function approximation", FunctionFitConfig,
             "engines.nn_basics.function_fit:FunctionFitEngine"),
    DemoSpec("image", "Image as a function", ImageFitConfig,
             "engines.nn_basics.image_fit:ImageFitEngine"),
    DemoSpec("landscape", "Optimizers on a loss landscape", LandscapeConfig,
             "engines.nn_basics.landscape:LandscapeEngine"),
    DemoSpec("sgd-noise", "SGD noise near a minimum", SGDNoiseConfig,
             "engines.nn_basics.sgd_noise:SGDNoiseEngine",
             summary="Many SGD walkers: stationary spread η Var/(Nλ(2−ηλ)), sweep over η and N"),
    DemoSpec("landscape-stats", "Minima, maxima and saddles", LandscapeStatsConfig,
             "engines.nn_basics.landscape_stats:LandscapeStatsEngine",
             summary="Critical points of Gaussian random fields; minima are rare in high d"),
    DemoSpec("backprop", "Backpropagation step by step", BackpropConfig,
             "engines.nn_basics.backprop:BackpropEngine",
             summary="Forward and backward pass layer by layer, checked against autograd"),
    DemoSpec("online", "Online estimate of a mean", OnlineConfig,
             "engines.nn_basics.online:OnlineEngine",
             summary="f_t = f_(t−1) + α(y_t − f_(t−1)): bias, variance ασ²/(2−α), decaying α_t"),
    DemoSpec("linear-noise", "Noise in linear regression", LinearNoiseConfig,
             "engines.nn_basics.linear_noise:LinearNoiseEngine",
             summary="Label noise gives the band σ²xᵀ(XᵀX)⁻¹x; input noise gives ridge"),
)

TOPIC = Topic("nn-basics", "Neural networks: basics", "2", DEMOS,
              "panels.nn_basics.panel:NNBasicsPanel")
