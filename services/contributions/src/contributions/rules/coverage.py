"""Coverage widening year on year (N§2: the number insured rises every year), as a judgement that explains itself:
the two counts compared, their dates and the clause."""

import datetime as dt

from insurance_shared import Criterion


def rising(insured: int, year_before: int, on: dt.date, before: dt.date) -> Criterion:
    """Met when more people are insured on ``on`` than on the same day a year ``before``; an equal count is not
    a rise (the notice asks for growth, not for holding steady)."""
    met = insured > year_before
    change = insured - year_before
    return Criterion(
        "insured_rising_year_on_year",
        met,
        "N§2",
        f"{insured} insured on {on} against {year_before} on {before} ({change:+d}): "
        + ("coverage widened" if met else "coverage did not widen as the notice requires; the region needs attention"),
        {"insured": insured, "year_before": year_before, "on": on, "compared_with": before, "change": change},
        explanation_zh=f"{on}参保{insured}人, {before}为{year_before}人 ({change:+d}): "
        + ("参保人数增加" if met else "参保人数未能逐年增加, 需关注"),
    )
