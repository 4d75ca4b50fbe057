from pydantic_settings import SettingsConfigDict

from insurance_shared import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FUND_MONITOR_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/fund-monitor.db"
    port: int = 8004
