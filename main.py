#!/usr/bin/env python3
"""Start ML Workbench from a checkout: `python main.py [...]` is the same as `ml-workbench [...]`."""
import sys

from workbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
