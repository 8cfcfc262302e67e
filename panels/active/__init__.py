"""Panel "Active learning, optimal experiments" (lecture chapter 10)."""
