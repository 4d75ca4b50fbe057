"""The service's tables. Each feature's ORM classes live in its package; all share this metadata."""

from sqlalchemy.orm import DeclarativeBase

from insurance_shared import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


def load_all() -> None:
    """Import every feature's models so the metadata (and Alembic) sees all tables."""
    from .claims import models as _claims  # noqa: F401
    from .history import models as _history  # noqa: F401
    from .payments import models as _payments  # noqa: F401
    from .reemployment import models as _reemployment  # noqa: F401
    from .separations import models as _separations  # noqa: F401
