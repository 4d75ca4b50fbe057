from insurance_shared.migrations import run_env
from layoff_reporting.models import Base, load_all

load_all()
run_env(Base.metadata)
