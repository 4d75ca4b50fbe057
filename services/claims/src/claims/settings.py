from pydantic_settings import SettingsConfigDict

from insurance_shared import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/claims.db"
    port: int = 8002
