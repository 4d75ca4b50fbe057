"""Each region's fund month by month: flows, balance, payment capacity and its projection (N§8)."""
