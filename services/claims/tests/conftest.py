from claims.main import create_app
from claims.settings import Settings
from insurance_shared.testing import service_fixtures

globals().update(service_fixtures("claims", create_app=create_app, settings_cls=Settings))
