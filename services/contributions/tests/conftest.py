from contributions.main import create_app
from contributions.settings import Settings
from insurance_shared.testing import service_fixtures

globals().update(service_fixtures("contributions", create_app=create_app, settings_cls=Settings))
