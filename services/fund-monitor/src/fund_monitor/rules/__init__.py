"""What the policy says about fund monitoring, as pure functions over plain data (no I/O).

- ``parameters``: the dated parameters of this service (``parameters.json``).
- ``capacity``: payment capacity = balance ÷ average monthly expenditure over a trailing window (N§8).
- ``alerts``: which alert tiers a capacity calls for (N§8: under two months; an early-warning tier).
- ``projection``: the next months' balance and capacity with filed layoffs not yet claimed (N§8).
- ``shortfall``: a year's gap covered from the sources in the statutory order (N§4).
- ``coverage``: a region whose insured count did not rise over the year (N§2, N§8).
"""
