"""The re-employment funds (N§6): a fund of its own per region, apart from the unemployment-insurance fund: the
year's allocation entered by hand, social-insurance subsidy spending from claims' events, uptake per region."""
