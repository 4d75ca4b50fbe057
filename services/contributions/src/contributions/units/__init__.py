"""Units (用人单位): registration and lookup."""
