"""When a claim stops by itself (R15; docs/policy.md Claims 8): a new contribution record or a new job of a person
drawing benefits is evidence of re-employment."""

import datetime as dt
from dataclasses import dataclass

PAID_MONTH, NEW_JOB = "paid_month", "new_job"


def reemployed_from(kind: str, on: dt.date, registered_on: dt.date) -> dt.date | None:
    """The day re-employment stops the claim registered on ``registered_on``, or None when the evidence predates it:
    a month paid wholly after the registration (its first day later than the registration day), or a job that began
    on or after the registration."""
    if kind == PAID_MONTH:
        return on if on > registered_on else None
    if kind == NEW_JOB:
        return on if on >= registered_on else None
    raise ValueError(f"unknown evidence {kind!r}")


def first_stop(evidence: list[tuple[str, dt.date]], registered_on: dt.date) -> dt.date | None:
    """The earliest day any of a person's evidence stops the claim, in whatever order it arrived."""
    days = [d for kind, on in evidence if (d := reemployed_from(kind, on, registered_on)) is not None]
    return min(days, default=None)


# ---- flexible employment (R15; N§5; N§6 ¶1) -------------------------------------------------------------------------

REEMPLOYING_KINDS = ("licence", "agreement")  # other flexible work is not re-employment by itself


@dataclass(frozen=True, slots=True)
class FlexibleSpell:
    """A spell of flexible employment as the real-name register tells it (contributions)."""

    kind: str  # licence | agreement | other
    start: dt.date
    end: dt.date | None  # its last day, None while it lasts
    agreement_end: dt.date | None
    document_ref: str | None
    document_id: str | None = None  # the SHA-256 of the document itself, stored with contributions

    @property
    def reemployed_until(self) -> dt.date | None:
        """The last day this spell is re-employment (R15; N§5): a licence while it lasts, an agreement until it
        expires or the spell ends, whichever is first. ``dt.date.max`` while a licence lasts."""
        if self.kind not in REEMPLOYING_KINDS:
            return None
        last = self.end or dt.date.max
        if self.kind == "agreement":
            last = min(last, self.agreement_end or self.start)
        return last

    @property
    def evidence(self) -> str:
        what = "灵活就业协议" if self.kind == "agreement" else "工商营业执照"
        stored = f", document {self.document_id}" if self.document_id else ""
        return f"{what} {self.document_ref or '(no number)'} from {self.start}{stored} (R15; N§5)"


def reemployed_by(spells: list[FlexibleSpell], on: dt.date) -> FlexibleSpell | None:
    """The spell that makes the person re-employed on ``on`` (a licence, an unexpired agreement), or None: such a
    person cannot register as unemployed."""
    for s in sorted(spells, key=lambda s: s.start):
        until = s.reemployed_until
        if until is not None and s.start <= on <= until:
            return s
    return None


def flexible_stop(spell: FlexibleSpell, registered_on: dt.date) -> dt.date | None:
    """The day a spell stops a claim registered on ``registered_on``: its start, or the registration day for a spell
    already running then (registered late); None when it is not re-employment or was over before."""
    until = spell.reemployed_until
    if until is None or until < registered_on:
        return None
    return max(spell.start, registered_on)


# ---- the clause a stop applies, by the law in force on its date -------------------------------------------------------

SIL_START = dt.date(2011, 7, 1)  # 社会保险法 in force: its article 51 lists the stops beside the 1999 Regulation's R15

# reason -> (under the Regulation alone, from the Social Insurance Law on); N§5 adds re-employment's forms and the
# second refusal. Imprisonment is the Regulation's alone (SIL51 does not list it; R15(5) stays in force); a death
# ends the claim under R19 (SIL49 from 2011-07-01) rather than a stop clause.
_STOP_CLAUSES: dict[str, tuple[str, str]] = {
    "reemployed_business_licence": ("R15(1); N§5", "SIL51(1); R15(1); N§5"),
    "reemployed_flexible_agreement": ("R15(1); N§5", "SIL51(1); R15(1); N§5"),
    "reemployed_other_income": ("R15(1); N§5", "SIL51(1); R15(1); N§5"),
    "reemployed_contribution": ("R15(1); N§5", "SIL51(1); R15(1); N§5"),
    "conscription": ("R15(2)", "SIL51(2); R15(2)"),
    "emigration": ("R15(3)", "SIL51(3); R15(3)"),
    "pension": ("R15(4)", "SIL51(4); R15(4)"),
    "imprisonment": ("R15(5)", "R15(5)"),
    "refused_jobs": ("R15(6); N§5 ¶2", "SIL51(5); R15(6); N§5 ¶2"),
    "death": ("R19", "SIL49; R19"),
}


# what each stop is, in Chinese, for the person told why
STOP_REASONS_ZH = {
    "reemployed_business_licence": "以个体经营等方式重新就业 (持有营业执照)",
    "reemployed_flexible_agreement": "以灵活就业方式重新就业 (灵活就业协议未到期)",
    "reemployed_other_income": "从事其他有稳定收入的合法经济活动",
    "reemployed_contribution": "有新的缴费记录, 表明已重新就业",
    "conscription": "应征服兵役",
    "emigration": "移居境外",
    "pension": "享受基本养老保险待遇",
    "imprisonment": "被判刑收监执行",
    "refused_jobs": "无正当理由拒不接受公共就业服务机构介绍的工作",
    "death": "死亡",
}


def stop_clause(reason: str, on: dt.date) -> str:
    """The clauses a stop for ``reason`` effective ``on`` applies (KeyError for a reason no clause knows)."""
    before, after = _STOP_CLAUSES[reason]
    return after if on >= SIL_START else before
