"""Bundled data (icons, presets, texts). A package only so that installs ship it.

Code finds these files through workbench.paths (RESOURCES), never by importing this.
"""
