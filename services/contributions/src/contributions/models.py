"""The service's tables. Each feature's ORM classes live in its package; all share this metadata."""

from sqlalchemy.orm import DeclarativeBase

from insurance_shared import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


def load_all() -> None:
    """Import every feature's models so the metadata (and Alembic) sees all tables."""
    from .coverage import models as _coverage  # noqa: F401
    from .declarations import models as _declarations  # noqa: F401
    from .flexible import models as _flexible  # noqa: F401
    from .ledger import models as _ledger  # noqa: F401
    from .payments import models as _payments  # noqa: F401
    from .persons import models as _persons  # noqa: F401
    from .remittances import models as _remittances  # noqa: F401
    from .units import models as _units  # noqa: F401
