"""ML Workbench application shell (Qt).

Modules that the CLI's headless path uses (presets, paths, logs) must not import Qt.
"""
__version__ = "0.1.0"
APP_NAME = "ML Workbench"
APP_ID = "ml-workbench"
