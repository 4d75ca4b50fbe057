from insurance_shared.migrations import run_env

from contributions.models import Base
from contributions.units import models as _units  # noqa: F401  (registers the tables on Base.metadata)

run_env(Base.metadata)
