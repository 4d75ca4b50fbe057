"""Unemployment monitoring (N§2, N§8): registered unemployed, new claims, people drawing benefits, filed layoffs
and the insured count year on year, per region and for the province, projected from the other services' events."""
