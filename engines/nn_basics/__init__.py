"""Lecture chapter 2: neural networks, basics. Three demos, configs in configs.py."""
from engines.nn_basics.configs import FunctionFitConfig, ImageFitConfig, LandscapeConfig
from engines.nn_basics.theory_configs import (BackpropConfig, LandscapeStatsConfig,
                                              LinearNoiseConfig, OnlineConfig, SGDNoiseConfig)
from engines.spec import DemoSpec

DEMOS = (
    DemoSpec("function", "Function approximation", FunctionFitConfig,
             "engines.nn_basics.function_fit:FunctionFitEngine"),
    DemoSpec("image", "Image as a function", ImageFitConfig,
             "engines.nn_basics.image_fit:ImageFitEngine"),
    DemoSpec("landscape", "Optimizers on a loss landscape", LandscapeConfig,
             "engines.nn_basics.landscape:LandscapeEngine"),
    DemoSpec("sgd-noise", "SGD noise near a minimum", SGDNoiseConfig,
             "engines.nn_basics.sgd_noise:SGDNoiseEngine"),
    DemoSpec("landscape-stats", "Minima, maxima and saddles", LandscapeStatsConfig,
             "engines.nn_basics.landscape_stats:LandscapeStatsEngine"),
    DemoSpec("backprop", "Backpropagation step by step", BackpropConfig,
             "engines.nn_basics.backprop:BackpropEngine"),
    DemoSpec("online", "Online estimate of a mean", OnlineConfig,
             "engines.nn_basics.online:OnlineEngine"),
    DemoSpec("linear-noise", "Noise in linear regression", LinearNoiseConfig,
             "engines.nn_basics.linear_noise:LinearNoiseEngine"),
)
