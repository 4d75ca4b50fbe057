from fund_monitor.main import create_app
from fund_monitor.settings import Settings
from insurance_shared.testing import service_fixtures

globals().update(service_fixtures("fund_monitor", create_app=create_app, settings_cls=Settings))
