from contributions.models import Base
from contributions.units import models as _units  # noqa: F401  (registers the tables on Base.metadata)
from insurance_shared.migrations import run_env

run_env(Base.metadata)
