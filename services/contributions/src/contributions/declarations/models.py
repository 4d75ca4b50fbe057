import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class Declaration(Base):
    """One payer, one period: what it owes per ledger, and what of that is still outstanding. The payer is a unit
    (``unit_credit_code``), or a flexible worker paying their own contributions on the merged track
    (``payer_key``, the keyed hash of their identity number; N§3(2), N§6 ¶1): exactly one of the two."""

    __tablename__ = "declarations"
    __table_args__ = (
        Index("ix_declarations_unit_period", "unit_credit_code", "period", "kind"),
        Index("ix_declarations_payer_period", "payer_key", "period"),
        CheckConstraint("(unit_credit_code IS NULL) <> (payer_key IS NULL)", name="one_payer"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    unit_credit_code: Mapped[str | None] = mapped_column(String(18))
    payer_key: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(6))  # where it is collected (220000 for provincial-direct)
    home_region: Mapped[str] = mapped_column(String(6))  # whose unemployment fund it feeds
    period: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # regular | adjustment
    due_date: Mapped[dt.date] = mapped_column(Date)
    lines: Mapped[int] = mapped_column(Integer)
    unit_share_payer: Mapped[str] = mapped_column(String(20))  # unit | fiscal_budget (N§2 ¶2) | person
    pension_unit: Mapped[int] = mapped_column(BigInteger)
    pension_person: Mapped[int] = mapped_column(BigInteger)
    unemployment_unit: Mapped[int] = mapped_column(BigInteger)
    unemployment_person: Mapped[int] = mapped_column(BigInteger)
    owed_pension: Mapped[int] = mapped_column(BigInteger)
    owed_unemployment: Mapped[int] = mapped_column(BigInteger)
    fee_pension: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_unemployment: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_accrued_until: Mapped[dt.date] = mapped_column(Date)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def total(self) -> int:
        return self.pension_unit + self.pension_person + self.unemployment_unit + self.unemployment_person


class DeclarationLine(Base):
    __tablename__ = "declaration_lines"
    # a hash index on PostgreSQL: keyed hashes are random, and equality is all it answers (migration 0014)
    __table_args__ = (Index("ix_declaration_lines_person", "person_key", postgresql_using="hash"),)

    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64))  # the person (persons.Person)
    declared_base: Mapped[int] = mapped_column(BigInteger)
    base: Mapped[int] = mapped_column(BigInteger)
    pension_unit: Mapped[int] = mapped_column(BigInteger)
    pension_person: Mapped[int] = mapped_column(BigInteger)
    unemployment_unit: Mapped[int] = mapped_column(BigInteger)
    unemployment_person: Mapped[int] = mapped_column(BigInteger)
    # a flexible worker's own month: contributions at the base floor, the measure of their subsidy (N§6 ¶2)
    floor_fen: Mapped[int | None] = mapped_column(BigInteger)


# a payment's share of one declaration: the payments feature writes it, the declarations feature reads whether money
# reached a declaration before letting it be replaced
class PaymentAllocation(Base):
    __tablename__ = "payment_allocations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    pension: Mapped[int] = mapped_column(BigInteger)
    unemployment: Mapped[int] = mapped_column(BigInteger)
    fee_pension: Mapped[int] = mapped_column(BigInteger)
    fee_unemployment: Mapped[int] = mapped_column(BigInteger)
    remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittances.id"), index=True)
