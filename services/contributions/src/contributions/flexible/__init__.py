"""灵活就业: the real-name register of flexible employment and flexible workers' own contributions (N§3(2), N§6 ¶1)."""
