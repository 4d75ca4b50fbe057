"""The service's tables. Each feature's ORM classes live in its package; all share this metadata."""

from sqlalchemy.orm import DeclarativeBase

from insurance_shared import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


def load_all() -> None:
    """Import every feature's models so the metadata (and Alembic) sees all tables."""
    from .alerts import models as _alerts  # noqa: F401
    from .funds import models as _funds  # noqa: F401
    from .ledger import models as _ledger  # noqa: F401
    from .monitoring import models as _monitoring  # noqa: F401
    from .reconciliation import models as _reconciliation  # noqa: F401
    from .reemployment import models as _reemployment  # noqa: F401
    from .shortfall import models as _shortfall  # noqa: F401
