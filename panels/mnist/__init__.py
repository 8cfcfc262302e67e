"""The mnist panel: lecture 2.11 (CNNs), exercises A1.1 and A1.5."""
