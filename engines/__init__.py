"""Qt-free model code. Nothing in here may import Qt, pyqtgraph, workbench or panels.

Importing a topic package (e.g. ``engines.nn_basics``) must stay cheap: configs and demo
specs only. torch is imported by the engine modules, which are loaded lazily.
"""
