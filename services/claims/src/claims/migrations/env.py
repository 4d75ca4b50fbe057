from insurance_shared.migrations import run_env

from claims.models import Base

run_env(Base.metadata)
