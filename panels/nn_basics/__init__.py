"""Chapter 2, neural-network basics: the panel (panel.py) and its demo views (views.py)."""
