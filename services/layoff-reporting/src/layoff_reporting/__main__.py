from insurance_shared import run_cli

from .settings import Settings

run_cli("layoff_reporting", Settings)
