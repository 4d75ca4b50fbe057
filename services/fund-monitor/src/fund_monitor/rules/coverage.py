"""Coverage must widen (N§2): a region whose insured count did not rise over the year is flagged (N§8 monitoring
of the insured count year on year)."""

from insurance_shared import Criterion


def insured_not_rising(insured_now: int, insured_year_ago: int) -> Criterion:
    flagged = insured_now <= insured_year_ago
    change = insured_now - insured_year_ago
    return Criterion(
        name="insured_count_rose",
        met=not flagged,
        clause="N§2; N§8",
        explanation=(
            f"insured {insured_now} against {insured_year_ago} a year earlier ({change:+d}): "
            + ("did not rise, flagged" if flagged else "rose")
        ),
        values={"insured": insured_now, "insured_year_ago": insured_year_ago, "change": change},
        explanation_zh=f"参保{insured_now}人, 一年前{insured_year_ago}人 ({change:+d}): "
        + ("未增加, 已标记" if flagged else "有所增加"),
    )
