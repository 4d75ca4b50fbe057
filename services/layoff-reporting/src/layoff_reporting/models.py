"""The service's tables. Each feature's ORM classes live in its package; all share this metadata."""

from sqlalchemy.orm import DeclarativeBase

from insurance_shared import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
