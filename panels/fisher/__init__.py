"""Panel "Fisher information, natural gradient" (lecture chapter 6): views of engines.fisher."""
