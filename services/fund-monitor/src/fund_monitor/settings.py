from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from insurance_shared import ServiceSettings

# known to everyone who reads this file, like the development JWT secret: fine on a laptop, never in production
DEV_WEBHOOK_SECRET = "whsec_ZGV2LW9ubHktd2ViaG9vay1zZWNyZXQtY2hhbmdlLW1l"


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
    webhook_secret: SecretStr = Field(
        default=SecretStr(DEV_WEBHOOK_SECRET),
        description=(
            "the Standard Webhooks signing secret (whsec_<base64>) shared with the recipients, who verify each "
            "delivery's webhook-signature with it; a development secret by default (a warning at start-up)"
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
    month_turn_check_seconds: float = Field(
        default=60.0,
        gt=0,
        description="how often a background task looks for a month's turn and recomputes every region's figures",
    )
    echarts_js: str | None = Field(
        default=None, description="path of echarts.min.js; default: services/fund-monitor/web/node_modules (npm ci)"
    )
