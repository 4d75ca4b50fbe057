from fund_monitor.models import Base
from insurance_shared.migrations import run_env

run_env(Base.metadata)
