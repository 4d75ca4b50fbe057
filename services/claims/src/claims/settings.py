from pydantic import Field
from pydantic_settings import SettingsConfigDict

from insurance_shared import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/claims.db"
    port: int = 8002
    history_wait_seconds: float = Field(
        default=10.0,
        ge=0,
        le=60,
        description=(
            "how long a registration waits for the contribution history to reach contributions' head before "
            "answering 503 history_catching_up"
        ),
    )
