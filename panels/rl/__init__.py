"""Panel "Reinforcement learning" (lecture chapter 9)."""
