"""Lecture chapter 8.1-8.4, "Advanced network architectures": networks with memory, on
graphs, attention and the transformer; the Qt-free engines of the ``architectures`` panel.

The demos are declared in two torch-free modules (configs and DemoSpecs side by side):
- :mod:`engines.architectures.sequence_specs`: ``dynamics-rnn`` (learning time evolution),
  ``memory`` (RNN vs LSTM vs GRU), ``char-model`` (a character-level language model);
- :mod:`engines.architectures.structure_specs`: ``gnn`` (message passing), ``attention``
  (soft attention on a toy database), ``transformer`` (a small transformer).
"""
from engines.architectures.sequence_specs import DEMOS as SEQUENCE_DEMOS
from engines.architectures.structure_specs import DEMOS as STRUCTURE_DEMOS
from engines.spec import Topic

DEMOS = SEQUENCE_DEMOS + STRUCTURE_DEMOS

TOPIC = Topic("architectures", "Advanced architectures", "8.1-8.4", DEMOS,
              "panels.architectures.panel:ArchitecturesPanel")
