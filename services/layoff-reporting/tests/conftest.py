from insurance_shared.testing import service_fixtures
from layoff_reporting.main import create_app
from layoff_reporting.settings import Settings

globals().update(service_fixtures("layoff_reporting", create_app=create_app, settings_cls=Settings))
