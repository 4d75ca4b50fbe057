"""Settings every service shares; each service subclasses with its own env prefix (``CONTRIBUTIONS_`` ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    jwks_url: str | None = Field(
        default=None,
        description="the identity provider's JWKS URL; when set, tokens are RS256 with a kid, keys rotate without restart",
    )
    peers: dict[str, str] = Field(default_factory=dict, description="peer service name → base URL")
    # personal information (pii.py): unset, a development keyring with a published phrase, and a warning at start
    pii_keys: SecretStr | None = Field(
        default=None, description="encryption keys, `id:base64,id:base64` (32 bytes each); the first encrypts"
    )
    pii_keys_file: Path | None = Field(default=None, description="the same, one `id base64` per line, from a file")
    pii_lookup_key: SecretStr | None = Field(default=None, description="the keyed hash's key (base64, 32+ bytes)")
    log_level: str = "INFO"
    log_json: bool = True
    otlp_endpoint: str | None = Field(
        default=None,
        description="OpenTelemetry collector (OTLP/HTTP), e.g. http://otel-collector:4318: traces are exported there; "
        "unset, nothing leaves (OpenTelemetry's own OTEL_EXPORTER_OTLP_ENDPOINT works too)",
    )
    idempotency_retention_hours: int = Field(default=48, ge=24)
    background_tasks: bool = Field(default=True, description="relay, consumers, housekeeping; off in unit tests")

    # what a client may send (limits.LimitsMiddleware)
    max_json_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, description="a JSON body; more is 413")
    max_upload_body_bytes: int = Field(default=1024**3, ge=1024, description="a CSV or JSON Lines upload; more is 413")
    document_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="an uploaded document; more is 413")
    body_read_timeout_seconds: float = Field(default=30.0, gt=0, description="longest pause inside a body; then 408")
    body_min_rate_bytes: float = Field(
        default=1024.0, ge=0, description="after the read timeout, the least average rate a body arrives at; then 408"
    )
    max_header_count: int = Field(default=100, ge=10)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)

    # events
    event_transport: Literal["feed", "nats"] = "feed"
    nats_url: str = "nats://127.0.0.1:4222"
    nats_prefix: str = Field(default="", description="prefix of subjects and stream names, e.g. for a test run")
    relay_in_process: bool = Field(default=True, description="false when the relay runs alone (python -m X relay)")
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_backoff_seconds: float = Field(default=0.2, ge=0)
    feed_wait_seconds: float = Field(default=5.0, ge=0, le=20)
    consumer_delay_seconds: float = Field(
        default=0.0, ge=0, le=60, description="tests only: hold each delivered batch this long before applying it"
    )
    service_token: SecretStr | None = Field(default=None, description="token for peers' feeds; else self-signed")
