from pydantic import Field
from pydantic_settings import SettingsConfigDict

from insurance_shared import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FUND_MONITOR_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/fund-monitor.db"
    port: int = 8004
    alert_webhooks: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "recipient → URL, JSON. Keys: local_government (or local_government:<region>), "
            "provincial_labor_department, provincial_social_insurance"
        ),
    )
    webhook_max_attempts: int = 8
    webhook_base_delay_seconds: float = 5.0
    webhook_poll_seconds: float = 2.0
    dashboard_cache_seconds: float = Field(
        default=2.0, description="the overview is answered from memory for at most this long (0: never cached)"
    )
    reconciliation_interval_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="how often the last closed month is reconciled against contributions and claims (0: never)",
    )
    echarts_js: str | None = Field(
        default=None, description="path of echarts.min.js; default: services/fund-monitor/web/node_modules (npm ci)"
    )
