from insurance_shared import run_cli

from .settings import Settings

run_cli("fund_monitor", Settings)
