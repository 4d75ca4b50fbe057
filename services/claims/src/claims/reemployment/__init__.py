"""Re-employment support (N§6): the hard-to-employ register, the social-insurance subsidy for flexible workers, and
the link with the minimum-living (低保) roster for priority job referrals."""
