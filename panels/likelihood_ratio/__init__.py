"""Panel "Likelihood ratios from classifiers" (seminar: ML for the skeptical HEP theorist)."""
