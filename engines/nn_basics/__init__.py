"""Lecture chapter 2: neural networks, basics. Three demos, configs in configs.py."""
from engines.nn_basics.configs import FunctionFitConfig, ImageFitConfig, LandscapeConfig
from engines.spec import DemoSpec

DEMOS = (
    DemoSpec("function", "Function approximation", FunctionFitConfig,
             "engines.nn_basics.function_fit:FunctionFitEngine"),
    DemoSpec("image", "Image as a function", ImageFitConfig,
             "engines.nn_basics.image_fit:ImageFitEngine"),
    DemoSpec("landscape", "Optimizers on a loss landscape", LandscapeConfig,
             "engines.nn_basics.landscape:LandscapeEngine"),
)
