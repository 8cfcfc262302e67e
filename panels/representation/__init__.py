"""Panel "Representation learning" (lecture chapter 3): PCA and autoencoders, live."""
