from insurance_shared.migrations import run_env

from fund_monitor.models import Base

run_env(Base.metadata)
