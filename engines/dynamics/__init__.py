"""Lecture chapter 8.5-8.6: implicit layers, neural ODEs, Hamiltonian and Lagrangian
networks; the Qt-free engines of the ``dynamics`` panel. Configs in
:mod:`engines.dynamics.configs` (torch-free), so the registry stays light."""
from engines.spec import DemoSpec, Topic

DEMOS: tuple[DemoSpec, ...] = ()

TOPIC = Topic("dynamics", "Neural ODEs and physics-informed networks", "8.5-8.6", DEMOS,
              "panels.dynamics.panel:DynamicsPanel")
