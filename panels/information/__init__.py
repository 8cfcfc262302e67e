"""Panel "Compression, information, entropy" (lecture chapter 4)."""
