"""Shortfall plans (N§4): a year's gap covered from the sources in the statutory order; the adjustment-fund part
carried out as a journal movement."""
