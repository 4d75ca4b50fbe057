import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from insurance_shared import BigIntPK, UTCDateTime, utcnow

from ..models import Base


class UnitKind(StrEnum):
    """Kinds of unit that must be insured (N§2 ¶1)."""

    ENTERPRISE = "enterprise"  # 企业
    PUBLIC_INSTITUTION = "public_institution"  # 事业单位
    NON_PUBLIC_ORGANISATION = "non_public_organisation"  # 非公经济组织
    INDIVIDUAL_BUSINESS = "individual_business"  # 有雇工的个体工商户


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # the value ("enterprise"), not the Python name, is what the column holds
    kind: Mapped[UnitKind] = mapped_column(
        Enum(
            UnitKind,
            native_enum=False,
            length=40,
            validate_strings=True,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    region: Mapped[str] = mapped_column(String(6), index=True)
    home_region: Mapped[str | None] = mapped_column(String(6))
    fully_budget_funded: Mapped[bool] = mapped_column(Boolean, default=False)
    provincial_direct: Mapped[bool] = mapped_column(Boolean, default=False)
    declared_staff: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
