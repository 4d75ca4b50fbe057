from pydantic_settings import SettingsConfigDict

from insurance_shared import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LAYOFF_REPORTING_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/layoff-reporting.db"
    port: int = 8003
