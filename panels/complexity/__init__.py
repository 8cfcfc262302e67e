"""Panel "Algorithmic complexity" (lecture chapter 11): codes, Levin search, Solomonoff, symbolic regression."""
