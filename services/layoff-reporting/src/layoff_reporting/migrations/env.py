from insurance_shared.migrations import run_env
from layoff_reporting.models import Base

run_env(Base.metadata)
