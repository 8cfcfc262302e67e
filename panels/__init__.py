"""The panels: one Qt package per course topic (views and a small Panel subclass).

Which panels exist, their titles and chapters are declared once, in each topic's
``engines/<topic>/__init__.py`` (``TOPIC``) and listed in :mod:`engines.registry`.
"""
