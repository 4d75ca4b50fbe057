"""contributions service: merged collection of pension and unemployment contributions, separate ledgers."""
