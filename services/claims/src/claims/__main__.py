from insurance_shared.cli import run_cli

from .settings import Settings

run_cli("claims", Settings)
