"""The panel registry: navigation and the contract tests both iterate REGISTRY.

A built panel names its class as "module:Class" (imported when first shown, so start-up
stays fast); a planned course topic has no factory and appears greyed out.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class PanelEntry:
    id: str
    title: str
    chapter: str
    factory: str | None = None  # "panels.pkg.module:PanelClass"; None = planned

    @property
    def built(self) -> bool:
        return self.factory is not None

    def panel_class(self):
        module, _, cls = self.factory.partition(":")
        return getattr(importlib.import_module(module), cls)


REGISTRY: tuple[PanelEntry, ...] = (
    PanelEntry("nn-basics", "Neural networks: basics", "2",
               "panels.nn_basics.panel:NNBasicsPanel"),
    PanelEntry("mnist", "CNN image classification (MNIST)", "2, A1.1",
               "panels.mnist.panel:MNISTPanel"),
    PanelEntry("representation", "Representation learning", "3"),
    PanelEntry("information", "Compression, information, entropy", "4"),
    PanelEntry("bayes", "Bayesian inference, Gaussian processes", "5",
               "panels.bayes.panel:BayesPanel"),
    PanelEntry("fisher", "Fisher information, natural gradient", "6"),
    PanelEntry("generative", "Learning probability distributions", "7",
               "panels.generative.panel:GenerativePanel"),
    PanelEntry("architectures", "Advanced architectures", "8"),
    PanelEntry("rl", "Reinforcement learning", "9, A1.4", "panels.rl.panel:RLPanel"),
    PanelEntry("active", "Active learning, optimal experiments", "10"),
    PanelEntry("complexity", "Algorithmic complexity", "11"),
)


def built_panels() -> list[PanelEntry]:
    return [entry for entry in REGISTRY if entry.built]


def entry(panel_id: str) -> PanelEntry:
    for item in REGISTRY:
        if item.id == panel_id:
            return item
    raise KeyError(panel_id)
