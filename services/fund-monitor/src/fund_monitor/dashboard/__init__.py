"""The province's dashboard: one call for every region's figures and open alerts, CSV exports, and a page."""
