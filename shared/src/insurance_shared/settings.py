"""Settings every service shares; each service subclasses with its own env prefix (``CONTRIBUTIONS_`` ...)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEV_JWT_SECRET", "ServiceSettings"]

# Known to everyone who reads this file: fine for `make run` on a laptop, never for production.
DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = Field(description="sqlite+aiosqlite:///... (default) or postgresql+asyncpg://...")
    host: str = "127.0.0.1"
    port: int = 8000
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_public_key: str | None = Field(default=None, description="PEM public key; when set, tokens are RS256")
    peers: dict[str, str] = Field(default_factory=dict, description="peer service name → base URL")
    log_level: str = "INFO"
    log_json: bool = True
    idempotency_retention_hours: int = Field(default=48, ge=24)
    background_tasks: bool = True
