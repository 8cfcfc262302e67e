"""Panel "Bayesian inference, Gaussian processes" (lecture chapter 5)."""
