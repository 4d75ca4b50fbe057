from claims.models import Base, load_all
from insurance_shared.migrations import run_env

load_all()
run_env(Base.metadata)
